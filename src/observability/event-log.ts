/**
 * One info line per ticket event worth a line: a reply queued to a customer, an internal note,
 * a status change. The lines carry ticket numbers and ids, never message text (customers write
 * personal data). They are written when the event is emitted, inside its transaction.
 */
import type { Logger } from 'pino';
import type { AgentMessageEvent, TicketEvents } from '../tickets/ticket-events.js';

export function listenForEventLog(events: TicketEvents, logger: Logger): void {
  const agentMessage = (event: AgentMessageEvent) =>
    logger.info(
      {
        ticket: event.ticket.number,
        messageId: event.messageId,
        agent: event.agentId,
        channel: event.ticket.lastCustomerChannelId,
        fromBusinessDevice: event.fromBusinessDevice || undefined,
      },
      event.visibility === 'public' ? 'reply queued' : 'internal note added',
    );
  events.on('reply.queued', (_db, event) => agentMessage(event));
  events.on('note.added', (_db, event) => agentMessage(event));
  events.on('status.changed', (_db, event) => {
    if (event.from !== event.to)
      logger.info(
        { ticket: event.ticket.number, from: event.from, to: event.to, actor: event.actor.type, actorId: event.actor.id ?? undefined },
        'ticket status changed',
      );
  });
}
