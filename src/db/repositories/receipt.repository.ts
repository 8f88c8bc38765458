/**
 * Inbound receipts: one row per (channel, external id or idempotency key) the core has answered.
 * A redelivery finds its receipt and is answered `duplicate` with the same ticket and message.
 */
import type { Executor } from '../database.js';

export interface InboundReceipt {
  ticketId: string | null;
  messageId: string | null;
}

export async function findReceipt(db: Executor, channelId: string, keys: string[]): Promise<InboundReceipt | undefined> {
  const r = await db
    .selectFrom('inbound_receipts')
    .select(['ticket_id', 'message_id'])
    .where('channel_id', '=', channelId)
    .where('external_id', 'in', keys)
    .executeTakeFirst();
  return r && { ticketId: r.ticket_id, messageId: r.message_id };
}

export async function insertReceipts(
  db: Executor,
  channelId: string,
  keys: string[],
  r: { outcome: string; ticketId: string | null; messageId: string | null; reason: string | null },
  now: number,
): Promise<void> {
  for (const key of keys) {
    await db
      .insertInto('inbound_receipts')
      .values({
        channel_id: channelId,
        external_id: key,
        outcome: r.outcome,
        ticket_id: r.ticketId,
        message_id: r.messageId,
        reason: r.reason,
        received_at: now,
      })
      .execute();
  }
}
