/**
 * Turns the ticket events into webhook events, written with the event's executor (inside the
 * transaction of the change). Subscribed in src/app.ts after the automations. Payloads carry
 * the ticket and message the event is about, nothing about other people.
 */
import type { Executor } from '../db/database.js';
import type { TicketEvents } from '../tickets/ticket-events.js';
import type { Ticket } from '../domain/ticket.js';
import { recordWebhookEvent } from './webhook.repository.js';

export function ticketPayload(t: Ticket) {
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    requesterId: t.requesterId,
    assigneeId: t.assigneeId,
    channelId: t.lastCustomerChannelId,
    createdAt: new Date(t.createdAt).toISOString(),
  };
}

export function listenForWebhookEvents(events: TicketEvents): void {
  events.on('ticket.created', async (db, event) => {
    await recordWebhookEvent(db, 'ticket.created', event.ticket.id, () => ({ ticket: ticketPayload(event.ticket) }), event.now);
  });
  events.on('message.received', async (db, event) => {
    await recordWebhookEvent(
      db,
      'message.received',
      event.ticket.id,
      () => ({
        ticket: ticketPayload(event.ticket),
        message: {
          id: event.messageId,
          channelId: event.channelId,
          from: event.senderAddress,
          text: event.text,
          classification: event.classification,
        },
      }),
      event.now,
    );
  });
  events.on('status.changed', async (db, event) => {
    if (event.from !== event.to) {
      await recordWebhookEvent(
        db,
        'ticket.status_changed',
        event.ticket.id,
        () => ({
          ticket: ticketPayload(event.ticket),
          from: event.from,
          to: event.to,
          actor: { type: event.actor.type, id: event.actor.id ?? null },
        }),
        event.now,
      );
    }
  });
  events.on('assignee.changed', async (db, event) => {
    await recordWebhookEvent(
      db,
      'ticket.assigned',
      event.ticket.id,
      () => ({
        ticket: ticketPayload(event.ticket),
        from: event.from,
        to: event.to,
        actor: { type: event.actor.type, id: event.actor.id ?? null },
      }),
      event.now,
    );
  });
}

/** After the outbox recorded a send (or a final failure): reply.sent / reply.failed for agents' public replies. */
export async function recordReplyOutcome(
  db: Executor,
  type: 'reply.sent' | 'reply.failed' | 'reply.delivered',
  messageId: string,
  now: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const m = await db
    .selectFrom('messages')
    .select(['id', 'ticket_id', 'channel_id', 'purpose', 'author_type', 'visibility', 'external_id'])
    .where('id', '=', messageId)
    .executeTakeFirst();
  if (!m || m.purpose !== 'reply' || m.author_type !== 'agent' || m.visibility !== 'public') return;
  const t = await db.selectFrom('tickets').select(['id', 'number', 'status']).where('id', '=', m.ticket_id).executeTakeFirst();
  if (!t) return;
  await recordWebhookEvent(
    db,
    type,
    t.id,
    {
      ticket: { id: t.id, number: Number(t.number), status: t.status },
      message: { id: m.id, channelId: m.channel_id, externalId: m.external_id },
      ...extra,
    },
    now,
  );
}
