/**
 * Step 6, follow-ups: the ticket's status and times after this message, and the typed events
 * that automation (acknowledgement, notifications, SLA, timers) and webhook events listen to.
 * Listeners only write rows in this transaction; the outbox sends after the commit.
 */
import type { Transaction } from 'kysely';
import { updateTicket } from '../../db/repositories/ticket.repository.js';
import type { DB } from '../../db/tables.js';
import type { TicketStatus } from '../../domain/model.js';
import type { Ticket } from '../../domain/ticket.js';
import { statusAfterCustomerMessage } from '../../domain/ticket-status.js';
import { changeStatus } from '../../tickets/ticket-changes.js';
import type { TicketEvents } from '../../tickets/ticket-events.js';
import type { Arrival } from './arrival.js';
import type { Sender } from './contact.step.js';
import type { Match } from './match.step.js';
import type { Stored } from './store.step.js';

/** Returns the ticket as it stands after the message. */
export async function followUps(
  trx: Transaction<DB>,
  events: TicketEvents,
  a: Arrival,
  sender: Sender,
  match: Match,
  stored: Stored,
): Promise<Ticket> {
  const m = a.message;
  const { messageId, created } = stored;
  let ticket = stored.ticket;
  const now = a.now;
  const isCustomer = m.classification === 'customer';
  if (m.fromBusiness) {
    // Typed on the merchant's own phone: our answer, sent already.
    await updateTicket(trx, ticket.id, {
      updated_at: now,
      last_agent_reply_at: now,
      ...(ticket.firstResponseAt ? {} : { first_response_at: now }),
    });
    await events.emit(trx, 'reply.queued', { ticket, messageId, agentId: null, visibility: 'public', fromBusinessDevice: true, now });
  } else if (isCustomer && sender.unknownPolicy === 'reply' && !match.agent) {
    await updateTicket(trx, ticket.id, { updated_at: now, last_customer_message_at: now, last_customer_channel_id: a.channelId });
    await events.emit(trx, 'contact.unknown', { ticket, channelId: a.channelId, now });
  } else if (isCustomer) {
    if (!created) {
      const to: TicketStatus = statusAfterCustomerMessage(ticket.status);
      if (to !== ticket.status)
        ticket = await changeStatus(trx, events, ticket, to, { type: 'customer', id: sender.contactId }, now, { force: true });
      // A ticket created by this message already carries these values (store step).
      await updateTicket(trx, ticket.id, { updated_at: now, last_customer_message_at: now, last_customer_channel_id: a.channelId });
    }
    ticket = { ...ticket, lastCustomerChannelId: a.channelId, lastCustomerMessageAt: now };
    if (created) await events.emit(trx, 'ticket.created', { ticket, messageId, channelId: a.channelId, now });
    await events.emit(trx, 'message.received', {
      ticket,
      messageId,
      channelId: a.channelId,
      created,
      classification: m.classification,
      senderAddress: sender.identities[0]!.address,
      text: m.replyText ?? m.text,
      now,
      // Flagged for review: the team sees it; the unknown sender gets no acknowledgement.
      ...(sender.unknownPolicy === 'review' ? { quiet: true } : {}),
    });
  } else {
    await updateTicket(trx, ticket.id, { updated_at: now });
  }
  return ticket;
}
