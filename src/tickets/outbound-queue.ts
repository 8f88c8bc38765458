/**
 * Creating outbound messages: where a reply goes and the rows that make it go. Everything here
 * runs inside the caller's transaction; the outbox dispatcher sends later, outside it.
 */
import type { ChannelDirectory } from '../channel/directory.js';
import type { Executor } from '../db/database.js';
import { identitiesOf } from '../db/repositories/contact.repository.js';
import { insertAttachments, insertMessage, latestInboundOnChannel } from '../db/repositories/message.repository.js';
import { enqueue } from '../db/repositories/outbox.repository.js';
import { recordRecipients } from '../db/repositories/trust.repository.js';
import type { Ticket } from '../domain/ticket.js';
import type { NewMessage } from '../db/tables.js';
import { newId } from '../domain/ids.js';
import type { Address, IdentityKind, MessagePurpose } from '../domain/model.js';

export interface Route {
  channelId: string;
  recipient: Address;
  /** Email participants who get a copy; never replace the requester. */
  cc?: Address[] | undefined;
}

/**
 * The customer's channel for this ticket: the channel they last wrote on (a web form's replies
 * go through its `replyVia` channel), answered at the address the *requester* wrote from there
 * (always reply to the WhatsApp JID that wrote), else the requester's identity the channel can
 * deliver to. A participant's message never redirects the answer: a Cc'd person who replied
 * once used to receive the agent's next answer instead of the requester.
 */
export async function resolveCustomerRoute(db: Executor, channels: ChannelDirectory, ticket: Ticket): Promise<Route | undefined> {
  const route = await requesterRoute(db, channels, ticket);
  if (!route || route.recipient.kind !== 'email') return route;
  const cc = await participantEmails(db, ticket, route.recipient.address);
  return cc.length ? { ...route, cc } : route;
}

/** Email addresses of the ticket's participants (not the requester), for Cc. */
async function participantEmails(db: Executor, ticket: Ticket, exclude: string): Promise<Address[]> {
  const rows = await db
    .selectFrom('ticket_participants')
    .innerJoin('contact_identities', 'contact_identities.contact_id', 'ticket_participants.contact_id')
    .select(['contact_identities.address'])
    .where('ticket_participants.ticket_id', '=', ticket.id)
    .where('ticket_participants.contact_id', '!=', ticket.requesterId)
    .where('contact_identities.kind', '=', 'email')
    .orderBy('ticket_participants.created_at')
    .limit(20)
    .execute();
  const seen = new Set([exclude.toLowerCase()]);
  const out: Address[] = [];
  for (const r of rows) {
    const a = r.address.toLowerCase();
    if (seen.has(a)) continue;
    seen.add(a);
    out.push({ kind: 'email', address: a });
  }
  return out;
}

async function requesterRoute(db: Executor, channels: ChannelDirectory, ticket: Ticket): Promise<Route | undefined> {
  const candidates = [ticket.lastCustomerChannelId, ticket.originChannelId];
  for (const channelId of candidates) {
    const entry = channels.get(channelId);
    if (!entry) continue;
    const target = entry.capabilities.canSend ? entry : entry.replyVia ? channels.get(entry.replyVia) : undefined;
    if (!target || !target.capabilities.canSend) continue;
    if (target.id === channelId) {
      const last = await latestInboundOnChannel(db, ticket.id, channelId, ticket.requesterId);
      const senderKind = last ? (last.sender_kind ?? (JSON.parse(last.metadata) as { senderKind?: string }).senderKind) : undefined;
      if (last?.sender_address && senderKind && target.capabilities.deliversTo.includes(senderKind as IdentityKind)) {
        return { channelId: target.id, recipient: { kind: senderKind as IdentityKind, address: last.sender_address } };
      }
    }
    const identities = await identitiesOf(db, ticket.requesterId);
    for (const kind of target.capabilities.deliversTo) {
      const id = identities.find((i) => i.kind === kind);
      if (id) return { channelId: target.id, recipient: { kind, address: id.address } };
    }
  }
  return undefined;
}

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
  input: { ticket: Ticket; text: string; html?: string | undefined; purpose: MessagePurpose; authorType: 'agent' | 'system'; authorAgentId?: string | undefined; subject?: string | undefined; metadata?: Record<string, unknown> | undefined },
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
    ...ownMessageRow({ ...input, metadata: input.route.cc?.length ? { ...input.metadata, cc: input.route.cc } : input.metadata }, messageId, now),
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
  input: { ticket: Ticket; text: string; authorType: 'agent' | 'system'; authorAgentId?: string | undefined; purpose: MessagePurpose; metadata?: Record<string, unknown>; attachments?: QueueInput['attachments'] },
  now: number,
): Promise<string> {
  const messageId = newId(now);
  await insertMessage(db, ownMessageRow(input, messageId, now));
  if (input.attachments?.length) await insertAttachments(db, messageId, input.attachments, now);
  return messageId;
}
