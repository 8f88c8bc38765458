import { recordReplyOutcome } from '../../webhooks/webhook-hooks.js';
import { safeDisplayName } from '../../domain/attachment-name.js';
import { normalizeContentType } from '../../domain/content-type.js';
import { newId } from '../../domain/ids.js';
import { type Address, DELIVERY_RANK, type DeliveryStatus, type MatchedBy } from '../../domain/model.js';
import type { Executor } from '../database.js';
import type { AttachmentRow, MessageRow, NewMessage } from '../tables.js';
import { insertRow } from '../precompiled.js';

export async function insertMessage(db: Executor, m: NewMessage): Promise<void> {
  await insertRow(db, 'messages', m);
}

export async function insertAttachments(
  db: Executor,
  messageId: string,
  list: Array<{
    blobKey: string;
    filename: string;
    contentType: string;
    declaredContentType?: string | null | undefined;
    size: number;
    contentId?: string | undefined;
    inline?: boolean | undefined;
    variant?: string | undefined;
  }>,
  now: number,
): Promise<void> {
  for (const a of list) {
    // Every channel's attachments pass here: the safe display name and the validated media type
    // are what agents see, downloads carry and replies send; the declared ones are kept beside.
    const type = normalizeContentType(a.contentType);
    await db
      .insertInto('attachments')
      .values({
        id: newId(now),
        message_id: messageId,
        blob_key: a.blobKey,
        filename: safeDisplayName(a.filename),
        original_filename: a.filename.replace(/\u0000/g, '').slice(0, 1000),
        content_type: type.contentType,
        declared_content_type: a.declaredContentType ?? type.declared,
        size: a.size,
        content_id: a.contentId ?? null,
        inline: a.inline ? 1 : 0,
        variant: a.variant ?? null,
        created_at: now,
      })
      .execute();
  }
}

export async function findMessageByExternalId(db: Executor, channelId: string, externalId: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('channel_id', '=', channelId).where('external_id', '=', externalId).executeTakeFirst();
}

export async function getMessage(db: Executor, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function messagesOfTicket(db: Executor, ticketId: string): Promise<MessageRow[]> {
  return db.selectFrom('messages').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
}

export async function attachmentsOfMessages(db: Executor, messageIds: string[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return [];
  return db.selectFrom('attachments').selectAll().where('message_id', 'in', messageIds).orderBy('id').execute();
}

export async function getAttachment(db: Executor, id: string): Promise<AttachmentRow | undefined> {
  return db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The newest customer message of the ticket on that channel; only the requester's with `authorContactId`. */
export async function latestInboundOnChannel(
  db: Executor,
  ticketId: string,
  channelId: string,
  authorContactId?: string,
): Promise<MessageRow | undefined> {
  let q = db
    .selectFrom('messages')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .where('channel_id', '=', channelId)
    .where('direction', '=', 'in')
    .where('author_type', '=', 'customer');
  if (authorContactId) q = q.where('author_contact_id', '=', authorContactId);
  return q.orderBy('id', 'desc').executeTakeFirst();
}

/** External ids of the ticket's messages on a channel, newest first (References header). */
export async function threadExternalIds(db: Executor, ticketId: string, channelId: string, limit = 50): Promise<string[]> {
  const rows = await db
    .selectFrom('messages')
    .select('external_id')
    .where('ticket_id', '=', ticketId)
    .where('channel_id', '=', channelId)
    .where('external_id', 'is not', null)
    .where('visibility', '=', 'public')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.external_id!).filter(Boolean);
}

/** Forward-only delivery update. Returns false when the message is unknown. */
export async function advanceDelivery(
  db: Executor,
  channelId: string,
  externalId: string,
  status: DeliveryStatus,
  at: number,
  error?: { code?: string | undefined; message?: string | undefined },
  /** When this process learnt of it (the receipt's own time may lie in the past). */
  noticedAt: number = at,
): Promise<boolean> {
  const row = await findMessageByExternalId(db, channelId, externalId);
  if (!row || row.direction !== 'out') return false;
  const current = (row.delivery_status ?? 'queued') as DeliveryStatus;
  if (current === 'failed' || DELIVERY_RANK[status] <= DELIVERY_RANK[current]) return true;
  await db
    .updateTable('messages')
    .set({
      delivery_status: status,
      ...(status === 'sent' ? { sent_at: at } : {}),
      ...(status === 'delivered' ? { delivered_at: at } : {}),
      ...(status === 'read' ? { read_at: at, delivered_at: row.delivered_at ?? at } : {}),
      ...(status === 'failed' ? { error_code: error?.code ?? 'failed', error_message: error?.message ?? null } : {}),
    })
    .where('id', '=', row.id)
    .execute();
  // Open ticket pages learn of the change through the live feed, which watches outbox rows.
  await db.updateTable('outbox').set({ updated_at: noticedAt }).where('message_id', '=', row.id).execute();
  // Integrations hear about a reply the channel confirmed or refused (issue 17).
  if (status === 'delivered' || status === 'failed')
    await recordReplyOutcome(
      db,
      status === 'delivered' ? 'reply.delivered' : 'reply.failed',
      row.id,
      at,
      status === 'failed' ? { error: { code: error?.code ?? 'failed' } } : {},
    );
  return true;
}

/** A message as it arrived from a channel (the customer's, or typed on the business's own device). */
export interface InboundMessageInput {
  id: string;
  ticketId: string;
  channelId: string;
  externalId: string;
  /** Typed on the business's own device (WhatsApp Business app): stored as our sent reply. */
  fromBusiness: boolean;
  authorContactId: string;
  sender: Address;
  recipientAddress: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  replyText: string | null;
  quotedText: string | null;
  classification: string;
  matchedBy: MatchedBy;
  metadata: Record<string, unknown>;
  rawKey: string | null;
  parseError: string | null;
  /** When the sender wrote it (the channel's time), else when it arrived. */
  sentAt: number;
}

export async function insertInboundMessage(db: Executor, m: InboundMessageInput): Promise<void> {
  await insertMessage(db, {
    id: m.id,
    ticket_id: m.ticketId,
    direction: m.fromBusiness ? 'out' : 'in',
    visibility: 'public',
    author_type: m.fromBusiness ? 'agent' : 'customer',
    author_contact_id: m.fromBusiness ? null : m.authorContactId,
    author_agent_id: null,
    purpose: m.fromBusiness ? 'reply' : 'message',
    channel_id: m.channelId,
    external_id: m.externalId,
    sender_address: m.sender.address,
    sender_kind: m.sender.kind,
    recipient_kind: null,
    recipient_address: m.recipientAddress,
    subject: m.subject,
    text: m.text,
    html: m.html,
    reply_text: m.replyText,
    quoted_text: m.quotedText,
    classification: m.classification,
    delivery_status: m.fromBusiness ? 'sent' : null,
    error_code: null,
    error_message: null,
    matched_by: m.matchedBy,
    metadata: JSON.stringify(m.metadata),
    raw_key: m.rawKey,
    parse_error: m.parseError,
    reactions: '[]',
    edited_at: null,
    revoked_at: null,
    created_at: m.sentAt,
    sent_at: m.fromBusiness ? m.sentAt : null,
    delivered_at: null,
    read_at: null,
  });
}
