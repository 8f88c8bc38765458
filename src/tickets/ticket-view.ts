/** The API's view of a ticket and its thread. Rows become plain JSON here. */
import type { Executor } from '../db/database.js';
import { getContact, identitiesOf } from '../db/repositories/contact.repository.js';
import { eventsOf } from '../db/repositories/event.repository.js';
import { attachmentsOfMessages, messagesOfTicket } from '../db/repositories/message.repository.js';
import type { Ticket } from '../domain/ticket.js';
import { claimsOfTicket } from '../db/repositories/trust.repository.js';
import { scheduledTimers } from '../automation/timer.repository.js';

export function ticketSummary(t: Ticket, labels: Record<string, string>) {
  return {
    number: t.number,
    id: t.id,
    subject: t.subject,
    status: t.status,
    statusLabel: labels[t.status] ?? t.status,
    priority: t.priority,
    category: t.category,
    reference: t.reference,
    origin: t.origin,
    customFields: t.customFields,
    requesterId: t.requesterId,
    assigneeId: t.assigneeId,
    originChannel: t.originChannelId,
    lastCustomerChannel: t.lastCustomerChannelId,
    locale: t.locale,
    mentionedTicketNumber: t.mentionedTicketNumber,
    followUpOf: t.followUpOf,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    firstResponseAt: t.firstResponseAt,
    solvedAt: t.solvedAt,
    closedAt: t.closedAt,
    firstResponseDueAt: t.firstResponseDueAt,
    nextResponseDueAt: t.nextResponseDueAt,
  };
}

export async function ticketDetail(db: Executor, t: Ticket, labels: Record<string, string>) {
  const [messages, contact, identities, events, claims, timers] = await Promise.all([
    messagesOfTicket(db, t.id),
    getContact(db, t.requesterId),
    identitiesOf(db, t.requesterId),
    eventsOf(db, t.id),
    claimsOfTicket(db, t.id),
    scheduledTimers(db, t.id),
  ]);
  const attachments = await attachmentsOfMessages(
    db,
    messages.map((m) => m.id),
  );
  return {
    ...ticketSummary(t, labels),
    // Proven identities of the requester; `claims` are what senders typed and nobody proved.
    requester: { id: t.requesterId, name: contact?.name ?? null, identities },
    claims: claims.map((c) => ({
      id: c.id,
      kind: c.kind,
      address: c.address,
      displayName: c.displayName,
      createdAt: c.createdAt,
      linkedContactId: c.linkedContactId,
      linkedAt: c.linkedAt,
      linkedBy: c.linkedBy,
    })),
    /** What will happen to this ticket by itself, and when (reminders, auto-close …). */
    timers: timers.map((x) => ({ kind: x.kind, firesAt: Number(x.due_at) })),
    messages: messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      visibility: m.visibility,
      authorType: m.author_type,
      authorAgentId: m.author_agent_id,
      purpose: m.purpose,
      channel: m.channel_id,
      externalId: m.external_id,
      from: m.sender_address,
      to: m.recipient_address,
      subject: m.subject,
      text: m.text,
      html: m.html,
      replyText: m.reply_text ?? m.text,
      quotedText: m.quoted_text,
      classification: m.classification,
      deliveryStatus: m.delivery_status,
      errorCode: m.error_code,
      errorMessage: m.error_message,
      matchedBy: m.matched_by,
      parseError: m.parse_error,
      metadata: JSON.parse(m.metadata) as Record<string, unknown>,
      reactions: JSON.parse(m.reactions) as unknown[],
      editedAt: m.edited_at,
      revokedAt: m.revoked_at,
      createdAt: Number(m.created_at),
      sentAt: m.sent_at,
      deliveredAt: m.delivered_at,
      readAt: m.read_at,
      attachments: attachments
        .filter((a) => a.message_id === m.id)
        .map((a) => ({
          id: a.id,
          filename: a.filename,
          contentType: a.content_type,
          size: Number(a.size),
          contentId: a.content_id,
          inline: a.inline === 1,
          variant: a.variant,
          url: `/api/attachments/${a.id}`,
        })),
    })),
    events: events.map((e) => ({
      type: e.type,
      from: e.from_value,
      to: e.to_value,
      actorType: e.actor_type,
      actorId: e.actor_id,
      at: Number(e.created_at),
    })),
  };
}
