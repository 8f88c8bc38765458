/**
 * Step 1, receipts: answers a message the core has already seen (a redelivery, an erased
 * person's message, the echo of our own send, a message the adapter asks us to ignore) before
 * anything else is read. Every answer saves the adapter's checkpoint in the same transaction.
 */
import type { Executor } from '../../db/database.js';
import { putState } from '../../db/repositories/channel-state.repository.js';
import { findKnownMessage, insertReceipts } from '../../db/repositories/receipt.repository.js';
import { getTicketById } from '../../db/repositories/ticket.repository.js';
import type { IngestOutcome } from '../../domain/envelope.js';
import { tombstoneHash } from '../../erasure/tombstone.repository.js';
import type { Arrival } from './arrival.js';

export interface ReceiptRecord {
  outcome: 'created' | 'appended' | 'ignored';
  ticketId: string | null;
  messageId: string | null;
  reason: string | null;
}

/** Writes the receipt under every de-duplication key, then the checkpoint. */
export async function writeReceipt(trx: Executor, a: Arrival, r: ReceiptRecord): Promise<void> {
  await insertReceipts(trx, a.channelId, a.dedupeKeys, r, a.now);
  await saveCheckpoint(trx, a);
}

async function saveCheckpoint(trx: Executor, a: Arrival): Promise<void> {
  if (a.env.checkpoint) await putState(trx, a.channelId, a.env.checkpoint.key, a.env.checkpoint.value, a.now);
}

async function duplicateOf(
  trx: Executor,
  ticketId: string | null | undefined,
  messageId: string | null | undefined,
): Promise<IngestOutcome> {
  const t = ticketId ? await getTicketById(trx, ticketId) : undefined;
  return {
    status: 'duplicate',
    ...(t ? { ticketId: t.id, ticketNumber: t.number, ticketStatus: t.status } : {}),
    ...(messageId ? { messageId } : {}),
  };
}

/** The answer for a message that needs no further step, or undefined to go on. */
export async function answerKnownMessage(trx: Executor, a: Arrival): Promise<IngestOutcome | undefined> {
  const known = await findKnownMessage(
    trx,
    a.channelId,
    a.dedupeKeys,
    a.message.externalId,
    tombstoneHash(a.channelId, a.message.externalId),
  );
  const prior = known.receipt;
  if (prior) {
    await saveCheckpoint(trx, a);
    return duplicateOf(trx, prior.ticketId, prior.messageId);
  }
  // LGPD erasure (src/erasure, issue 17): an erased person's message is never imported
  // again (a mailbox re-sync, a history sync). The tombstone is a hash; no receipt is written.
  if (known.erased) {
    await saveCheckpoint(trx, a);
    return { status: 'ignored', reason: 'erased' };
  }
  // The echo of our own send: the outbound message is already stored under this id.
  const own = known.stored;
  if (own || a.message.ownEcho) {
    await writeReceipt(trx, a, {
      outcome: 'ignored',
      ticketId: own?.ticketId ?? null,
      messageId: own?.messageId ?? null,
      reason: 'own_echo',
    });
    return duplicateOf(trx, own?.ticketId, own?.messageId);
  }
  if (a.env.ignore) {
    await writeReceipt(trx, a, { outcome: 'ignored', ticketId: null, messageId: null, reason: a.env.ignore.reason });
    return { status: 'ignored', reason: a.env.ignore.reason };
  }
  return undefined;
}
