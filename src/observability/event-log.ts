/**
 * One info line per domain event the core reports through its hooks: a reply queued to a
 * customer, an internal note, a status change. The lines carry ticket numbers and ids, never
 * message text (customers write personal data). They are written when the event is recorded,
 * inside its transaction.
 */
import type { Logger } from 'pino';
import type { AutomationHooks } from '../automation/hooks.js';

export function withEventLog(inner: AutomationHooks, logger: Logger): AutomationHooks {
  return {
    ...inner,
    async onCustomerMessage(db, event) {
      await inner.onCustomerMessage(db, event);
    },
    async onAgentMessage(db, event) {
      await inner.onAgentMessage(db, event);
      logger.info(
        { ticket: event.ticket.number, messageId: event.messageId, agent: event.agentId, channel: event.ticket.lastCustomerChannelId, fromBusinessDevice: event.fromBusinessDevice || undefined },
        event.visibility === 'public' ? 'reply queued' : 'internal note added',
      );
    },
    async onStatusChange(db, event) {
      await inner.onStatusChange(db, event);
      if (event.from !== event.to) logger.info({ ticket: event.ticket.number, from: event.from, to: event.to, actor: event.actor.type, actorId: event.actor.id ?? undefined }, 'ticket status changed');
    },
  };
}
