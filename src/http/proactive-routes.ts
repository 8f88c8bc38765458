/**
 * Proactive tickets: POST /api/tickets lets an agent start a conversation with a contact on a
 * chosen channel; the use case (src/tickets/start-conversation.usecase.ts) is shared with the
 * console's "new conversation".
 */
import type { Router } from 'express';
import { statusLabelsFor } from '../config/schema.js';
import { newTicketBody, startConversation } from '../tickets/start-conversation.usecase.js';
import { ticketSummary } from '../tickets/ticket-view.js';
import type { ApiDeps } from './api-router.js';
import { agentOf, parse } from './route-kit.js';

export { newTicketBody };

export function registerProactiveRoutes(router: Router, deps: ApiDeps): void {
  router.post('/tickets', async (req, res) => {
    const body = parse(newTicketBody, req.body ?? {}, 'body');
    const result = await startConversation(deps, agentOf(req), body);
    deps.wakeOutbox();
    res.status(201).json({
      ticket: ticketSummary(result.ticket, statusLabelsFor(deps.config, result.ticket.locale)),
      message: { id: result.messageId, deliveryStatus: 'queued', channel: result.channelId },
      contact: { id: result.contactId, created: result.contactCreated },
    });
  });
}
