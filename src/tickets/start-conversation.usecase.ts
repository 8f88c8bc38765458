/**
 * Starting a conversation (a proactive ticket): an agent writes first, to a contact or an address
 * on a chosen channel (email; WhatsApp, with `template` when the Cloud API's 24-hour window is
 * closed: the sender uses it then). The recipient is an existing contact or an address the agent
 * types: an address nobody owns becomes a new contact (the agent vouches for it; audited), one a
 * contact owns starts that contact's ticket. One transaction: ticket, outbound message, outbox
 * row, events; nothing is sent inside it (the caller wakes the outbox). Used by POST /api/tickets
 * and the console's "new conversation".
 */
import { z } from 'zod';
import type { TicketEvents } from './ticket-events.js';
import type { Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import type { PonteConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { recordAudit } from '../db/repositories/audit.repository.js';
import { addIdentities, createContact, findContactIdsByIdentities, identitiesOf } from '../db/repositories/contact.repository.js';
import { recordEvent } from '../db/repositories/event.repository.js';
import { insertTicket, nextTicketNumber, toTicket } from '../db/repositories/ticket.repository.js';
import type { Ticket } from '../domain/ticket.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Address } from '../domain/model.js';
import { identityLookups, phoneAliasesOf } from '../http/route-kit.js';
import { recordWebhookEvent } from '../webhooks/webhook.repository.js';
import { ticketPayload } from '../webhooks/webhook-hooks.js';
import { queueOutbound } from './outbound-queue.js';

export const newTicketBody = z.strictObject({
  channel: z.string().min(1).max(64),
  to: z.union([
    z.strictObject({ contactId: z.string().length(26) }),
    z.strictObject({ address: z.string().trim().min(3).max(320), name: z.string().trim().min(1).max(200).optional() }),
  ]),
  subject: z.string().trim().min(1).max(500).optional(),
  body: z.string().min(1).max(100_000),
  template: z
    .strictObject({
      name: z.string().min(1).max(512),
      language: z.string().min(2).max(15),
      params: z.array(z.string().max(1024)).max(20).default([]),
    })
    .optional(),
});

export type NewTicketInput = z.output<typeof newTicketBody>;

export interface StartConversationDeps {
  database: Database;
  config: PonteConfig;
  channels: ChannelDirectory;
  events: TicketEvents;
  clock: Clock;
}

export interface StartedConversation {
  ticket: Ticket;
  messageId: string;
  contactId: string;
  contactCreated: boolean;
  recipient: Address;
  channelId: string;
}

export async function startConversation(
  deps: StartConversationDeps,
  agent: { id: string },
  body: NewTicketInput,
): Promise<StartedConversation> {
  const db = deps.database.kysely;
  const entry = deps.channels.get(body.channel);
  if (!entry || !entry.capabilities.canSend)
    throw new ValidationError('invalid body', [
      { path: 'body.channel', message: entry ? 'this channel cannot send' : 'no such channel (GET /api/channels lists them)' },
    ]);
  if (entry.capabilities.threading === 'email' && !body.subject)
    throw new ValidationError('invalid body', [{ path: 'body.subject', message: 'an email needs a subject' }]);
  const now = deps.clock.now();
  const result = await db.transaction().execute(async (trx) => {
    let contactId: string;
    let recipient: Address | undefined;
    let contactCreated = false;
    if ('contactId' in body.to) {
      contactId = body.to.contactId;
      const ids = await identitiesOf(trx, contactId);
      if (!(await trx.selectFrom('contacts').select('id').where('id', '=', contactId).executeTakeFirst()))
        throw new ValidationError('invalid body', [{ path: 'body.to.contactId', message: 'no such contact' }]);
      for (const kind of entry.capabilities.deliversTo) {
        const i = ids.find((x) => x.kind === kind);
        if (i) {
          recipient = { kind, address: i.address };
          break;
        }
      }
      if (!recipient)
        throw new ConflictError(
          `the contact has no identity channel ${entry.id} can reach (${entry.capabilities.deliversTo.join(', ')})`,
          'no_route',
        );
    } else {
      const all = identityLookups(body.to.address, phoneAliasesOf(deps.channels));
      const typedOk = all[0]!.kind === 'email' ? /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(all[0]!.address) : /^\+\d{8,15}$/.test(all[0]!.address);
      const lookups = all.filter((a) => entry.capabilities.deliversTo.includes(a.kind));
      if (lookups.length === 0 || !typedOk) {
        throw new ValidationError('invalid body', [
          {
            path: 'body.to.address',
            message: `an address channel ${entry.id} can deliver to (${entry.capabilities.deliversTo.join(', ')})`,
          },
        ]);
      }
      const owners = await findContactIdsByIdentities(trx, lookups);
      const owner = lookups.map((l) => owners.get(`${l.kind}:${l.address}`)).find(Boolean) ?? [...owners.values()][0];
      recipient = lookups[0]!;
      if (owner) contactId = owner;
      else {
        contactId = await createContact(trx, { name: body.to.name }, now);
        await addIdentities(trx, contactId, [recipient], now);
        contactCreated = true;
      }
    }
    const id = newId(now);
    const number = await nextTicketNumber(trx, deps.config.tickets.numberStart);
    const row = {
      id,
      number,
      subject: (body.subject ?? body.body.split('\n')[0]!).slice(0, 500),
      status: 'pending',
      priority: 'normal',
      category: null,
      reference: null,
      origin: 'agent',
      custom_fields: '{}',
      requester_id: contactId,
      assignee_id: agent.id,
      origin_channel_id: entry.id,
      last_customer_channel_id: entry.id,
      locale: deps.config.tickets.defaultLocale,
      mentioned_ticket_number: null,
      follow_up_of: null,
      created_at: now,
      updated_at: now,
      first_response_at: now,
      solved_at: null,
      closed_at: null,
      status_changed_at: now,
      last_customer_message_at: null,
      last_agent_reply_at: now,
      first_response_due_at: null,
      next_response_due_at: null,
    };
    await insertTicket(trx, row);
    const ticket = toTicket(row);
    await recordEvent(trx, id, 'created', null, 'pending', { type: 'agent', id: agent.id }, now);
    const { messageId } = await queueOutbound(
      trx,
      {
        ticket,
        route: { channelId: entry.id, recipient },
        text: body.body,
        subject: body.subject,
        purpose: 'reply',
        visibility: 'public',
        authorType: 'agent',
        authorAgentId: agent.id,
        ...(body.template ? { metadata: { template: body.template } } : {}),
      },
      now,
    );
    await recordAudit(
      trx,
      { type: 'agent', id: agent.id },
      'ticket.started',
      { type: 'ticket', id },
      { number, channel: entry.id, recipientKind: recipient.kind, contactId, contactCreated },
      now,
    );
    await recordWebhookEvent(trx, 'ticket.created', id, { ticket: ticketPayload(ticket), startedBy: { type: 'agent', id: agent.id } }, now);
    await deps.events.emit(trx, 'reply.queued', {
      ticket,
      messageId,
      agentId: agent.id,
      visibility: 'public',
      fromBusinessDevice: false,
      now,
    });
    return { ticket, messageId, contactId, contactCreated, recipient };
  });
  return { ...result, channelId: entry.id };
}
