/**
 * The delivery columns of an outbound message as the outbox moves it along: the external id
 * assigned before the first attempt, the last error, sent, failed, re-routed to a fallback
 * channel. Error texts are cut to 2,000 characters (the column is shown, not parsed).
 */
import type { Address } from '../../domain/model.js';
import type { Executor } from '../database.js';

const ERROR_TEXT_MAX = 2000;

export async function setOutboundExternalId(db: Executor, messageId: string, externalId: string): Promise<void> {
  await db.updateTable('messages').set({ external_id: externalId }).where('id', '=', messageId).execute();
}

/** Sent: the channel's id replaces ours, the last error is cleared, `queued` becomes `sent` (a later status stays). */
export async function recordOutboundSent(db: Executor, messageId: string, externalId: string, now: number): Promise<void> {
  await db
    .updateTable('messages')
    .set({ external_id: externalId, sent_at: now, error_code: null, error_message: null })
    .where('id', '=', messageId)
    .execute();
  await db
    .updateTable('messages')
    .set({ delivery_status: 'sent' })
    .where('id', '=', messageId)
    .where('delivery_status', '=', 'queued')
    .execute();
}

/** An attempt failed and will be retried: the message shows why. */
export async function recordOutboundError(db: Executor, messageId: string, code: string, message: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ error_code: code, error_message: message.slice(0, ERROR_TEXT_MAX) })
    .where('id', '=', messageId)
    .execute();
}

export async function recordOutboundFailed(db: Executor, messageId: string, code: string, message: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ delivery_status: 'failed', error_code: code, error_message: message.slice(0, ERROR_TEXT_MAX) })
    .where('id', '=', messageId)
    .execute();
}

/** The message goes out again on another channel to another of the requester's addresses, queued anew. */
export async function rerouteOutbound(
  db: Executor,
  messageId: string,
  to: { channelId: string; recipient: Address; metadata: string },
  failure: { code: string; message: string },
): Promise<void> {
  await db
    .updateTable('messages')
    .set({
      channel_id: to.channelId,
      recipient_kind: to.recipient.kind,
      recipient_address: to.recipient.address,
      external_id: null,
      delivery_status: 'queued',
      error_code: failure.code,
      error_message: failure.message.slice(0, ERROR_TEXT_MAX),
      metadata: to.metadata,
    })
    .where('id', '=', messageId)
    .execute();
}
