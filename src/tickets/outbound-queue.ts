/**
 * The rows that make a message leave (message + outbox row) or stay (an internal note). Runs
 * inside the caller's transaction; the outbox dispatcher sends later, outside it. Where a reply
 * goes is reply-route.ts.
 */
import type { Executor } from '../db/database.js';
import { insertAttachments, insertMessage } from '../db/repositories/message.repository.js';
import { enqueue } from '../db/repositories/outbox.repository.js';
import { recordRecipients } from '../db/repositories/trust.repository.js';
import type { Ticket } from '../domain/ticket.js';
import type { NewMessage } from '../db/tables.js';
import { newId } from '../domain/ids.js';
import type { MessagePurpose } from '../domain/model.js';
import type { Route } from './reply-route.js';

export interface QueueInput {
  ticket: Ticket;
  route: Route;
  text: string;
  html?: string | undefined;
  purpose: MessagePurpose;
  visibility: 'public' | 'internal';
  authorType: 'agent' | 'system';
  authorAgentId?: string | undefined;
  attachments?: Array<{ blobKey: string; filename: string; contentType: string; size: number }>;
  metadata?: Record<string, unknown>;
  subject?: string | undefined;
}

/** The row every message Ponte writes itself starts from (replies, notes, automatic messages). */
function ownMessageRow(
  input: {
    ticket: Ticket;
    text: string;
    html?: string | undefined;
    purpose: MessagePurpose;
    authorType: 'agent' | 'system';
    authorAgentId?: string | undefined;
    subject?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
  messageId: string,
  now: number,
): NewMessage {
  return {
    id: messageId,
    ticket_id: input.ticket.id,
    direction: 'out',
    visibility: 'internal',
    author_type: input.authorType,
    author_contact_id: null,
    author_agent_id: input.authorAgentId ?? null,
    purpose: input.purpose,
    channel_id: null,
    external_id: null,
    sender_address: null,
    recipient_kind: null,
    recipient_address: null,
    subject: input.subject ?? null,
    text: input.text,
    html: input.html ?? null,
    reply_text: null,
    quoted_text: null,
    classification: 'customer',
    delivery_status: null,
    error_code: null,
    error_message: null,
    matched_by: null,
    metadata: JSON.stringify(input.metadata ?? {}),
    raw_key: null,
    parse_error: null,
    reactions: '[]',
    edited_at: null,
    revoked_at: null,
    created_at: now,
    sent_at: null,
    delivered_at: null,
    read_at: null,
  };
}

/** Stores an outbound message (delivery `queued`) and its outbox row. Returns the message id. */
export async function queueOutbound(db: Executor, input: QueueInput, now: number): Promise<{ messageId: string; outboxId: string }> {
  const messageId = newId(now);
  await insertMessage(db, {
    ...ownMessageRow(
      { ...input, metadata: input.route.cc?.length ? { ...input.metadata, cc: input.route.cc } : input.metadata },
      messageId,
      now,
    ),
    visibility: input.visibility,
    channel_id: input.route.channelId,
    recipient_kind: input.route.recipient.kind,
    recipient_address: input.route.recipient.address,
    delivery_status: 'queued',
  });
  if (input.attachments?.length) await insertAttachments(db, messageId, input.attachments, now);
  await recordRecipients(db, input.ticket.id, [input.route.recipient, ...(input.route.cc ?? [])], now);
  const outboxId = await enqueue(db, { messageId, channelId: input.route.channelId, dueAt: now }, now);
  return { messageId, outboxId };
}

/** An internal note or a message that never leaves Ponte. */
export async function storeInternal(
  db: Executor,
  input: {
    ticket: Ticket;
    text: string;
    authorType: 'agent' | 'system';
    authorAgentId?: string | undefined;
    purpose: MessagePurpose;
    metadata?: Record<string, unknown>;
    attachments?: QueueInput['attachments'];
  },
  now: number,
): Promise<string> {
  const messageId = newId(now);
  await insertMessage(db, ownMessageRow(input, messageId, now));
  if (input.attachments?.length) await insertAttachments(db, messageId, input.attachments, now);
  return messageId;
}
