/**
 * Inbound receipts: one row per (channel, external id or idempotency key) the core has answered.
 * A redelivery finds its receipt and is answered `duplicate` with the same ticket and message.
 */
import { sql } from 'kysely';
import type { Executor } from '../database.js';
import { insertRow, listParams, runShaped } from '../precompiled.js';

export interface InboundReceipt {
  ticketId: string | null;
  messageId: string | null;
}

/** What the core already knows about an arriving message, read in one statement (see findKnownMessage). */
export interface KnownMessage {
  /** The receipt of an earlier delivery under one of the keys. */
  receipt?: InboundReceipt | undefined;
  /** An erasure tombstone with this hash exists. */
  erased: boolean;
  /** A stored message of this channel with this external id (our own send, when it echoes). */
  stored?: { ticketId: string; messageId: string } | undefined;
}

/**
 * The three reads every ingest starts with (receipt by dedupe keys, erasure tombstone by hash,
 * a stored message by external id) as one UNION ALL: one statement per message instead of three
 * on the ingest hot path.
 */
export async function findKnownMessage(
  db: Executor,
  channelId: string,
  keys: string[],
  externalId: string,
  tombstoneHash: string,
): Promise<KnownMessage> {
  const key = `known-message:${keys.length}`;
  const params = { ...listParams('k', keys), channelId, externalId, tombstoneHash };
  const { rows } = await runShaped<{ kind: string; ticket_id: string | null; message_id: string | null }>(
    db,
    key,
    (p) =>
      db
        .selectFrom('inbound_receipts')
        .select([sql<string>`'receipt'`.as('kind'), 'ticket_id', 'message_id'])
        .where('channel_id', '=', p('channelId'))
        .where(
          'external_id',
          'in',
          keys.map((_, i) => p(`k${i}`)),
        )
        .unionAll(
          db
            .selectFrom('erasure_tombstones')
            .select([sql<string>`'erased'`.as('kind'), sql<string | null>`null`.as('ticket_id'), sql<string | null>`null`.as('message_id')])
            .where('hash', '=', p('tombstoneHash')),
        )
        .unionAll(
          db
            .selectFrom('messages')
            .select([sql<string>`'stored'`.as('kind'), 'ticket_id', 'id as message_id'])
            .where('channel_id', '=', p('channelId'))
            .where('external_id', '=', p('externalId')),
        ),
    params,
  );
  const receipt = rows.find((r) => r.kind === 'receipt');
  const stored = rows.find((r) => r.kind === 'stored');
  return {
    receipt: receipt && { ticketId: receipt.ticket_id, messageId: receipt.message_id },
    erased: rows.some((r) => r.kind === 'erased'),
    stored: stored && { ticketId: stored.ticket_id!, messageId: stored.message_id! },
  };
}

export async function insertReceipts(
  db: Executor,
  channelId: string,
  keys: string[],
  r: { outcome: string; ticketId: string | null; messageId: string | null; reason: string | null },
  now: number,
): Promise<void> {
  for (const key of keys) {
    await insertRow(db, 'inbound_receipts', {
      channel_id: channelId,
      external_id: key,
      outcome: r.outcome,
      ticket_id: r.ticketId,
      message_id: r.messageId,
      reason: r.reason,
      received_at: now,
    });
  }
}
