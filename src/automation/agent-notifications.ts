/**
 * Agent notifications: a customer's message tells the ticket's assignee (or every agent) on
 * their notification channel. Counted per agent and ticket and never dropped: past the hourly
 * cap they are batched into one digest sent when the hour is over. Part of the automations
 * (automation.ts); rows only, inside the caller's transaction (digests: one transaction each).
 */
import type { Logger } from 'pino';
import type { Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import { type PonteConfig, statusLabelsFor } from '../config/schema.js';
import type { Database, Executor } from '../db/database.js';
import { type Agent, listAgents } from '../db/repositories/agent.repository.js';
import { getContact } from '../db/repositories/contact.repository.js';
import { getTicketById } from '../db/repositories/ticket.repository.js';
import type { Address } from '../domain/model.js';
import type { Ticket } from '../domain/ticket.js';
import { queueOutbound } from '../tickets/outbound-queue.js';
import type { CustomerMessageEvent } from '../tickets/ticket-events.js';
import { agentRecipient, displayAddress, notificationTargets, underAutomaticCap } from './automation-rules.js';
import type { TemplateSet } from './templates.js';
import { addToDigest, countAutomaticSends, type DigestRow, dueDigestIds, recordAutomaticSend, takeDigest } from './timer.repository.js';

const HOUR = 3_600_000;
/** Customer text quoted in a notification (a chat message has its own limits). */
const NOTIFICATION_TEXT_MAX = 4000;

const agentsRead = new WeakMap<Executor, Promise<Agent[]>>();

/**
 * The agents, read once per transaction: every customer message notifies, and the envelopes of
 * one group commit share a transaction (src/ingest/group-commit.ts). Nothing that notifies edits
 * agents in the same transaction. Outside a transaction they are read each time.
 */
function agentsOfTransaction(db: Executor): Promise<Agent[]> {
  if (!db.isTransaction) return listAgents(db);
  let agents = agentsRead.get(db);
  if (!agents) {
    agents = listAgents(db);
    agentsRead.set(db, agents);
    // A failed read is not kept: the next notification of the transaction reads again.
    agents.catch(() => agentsRead.delete(db));
  }
  return agents;
}

export interface AgentNotifications {
  notifyAgents(db: Executor, ticket: Ticket, e: CustomerMessageEvent): Promise<void>;
  /** Sends the digests whose hour is over (at most `batch`); returns how many were sent. */
  flushDigests(batch: number): Promise<number>;
}

export function createAgentNotifications(deps: {
  database: Database;
  config: PonteConfig;
  channels: ChannelDirectory;
  clock: Clock;
  logger: Logger;
  templates: TemplateSet;
}): AgentNotifications {
  const { config, channels, clock, logger, templates } = deps;
  const cfg = config.automation;

  async function notifyAgents(db: Executor, ticket: Ticket, e: CustomerMessageEvent): Promise<void> {
    const agents = notificationTargets(await agentsOfTransaction(db), ticket.assigneeId);
    if (agents.length === 0) return;
    const contact = await getContact(db, ticket.requesterId);
    for (const agent of agents) {
      const channel = agent.notifyChannelId ? channels.get(agent.notifyChannelId) : undefined;
      const recipient = agentRecipient(
        agent,
        channel && {
          canSend: channel.capabilities.canSend,
          deliversTo: channel.capabilities.deliversTo,
          phoneAliases: channel.definition.phoneAliases,
        },
      );
      if (!channel || !recipient) continue;
      const key = `${recipient.address.toLowerCase()}#${ticket.id}`;
      const last = { text: e.text, senderAddress: e.senderAddress, channelId: e.channelId, aboutMessageId: e.messageId };
      if (!underAutomaticCap(await countAutomaticSends(db, key, e.now - HOUR), cfg.automaticMailCapPerHour)) {
        await addToDigest(
          db,
          { agentId: agent.id, ticketId: ticket.id, channelId: channel.id, recipient, last, dueAt: e.now + HOUR },
          e.now,
        );
        logger.info(
          { ticket: ticket.number, agentId: agent.id },
          'agent notification batched into the hourly digest (cap for this ticket and agent reached)',
        );
        continue;
      }
      await queueAgentNotification(
        db,
        {
          ticket,
          agentId: agent.id,
          channelId: channel.id,
          recipient,
          contactName: contact?.name,
          last,
          event: e.created ? 'new_ticket' : 'new_message',
          key,
        },
        e.now,
      );
    }
  }

  async function queueAgentNotification(
    db: Executor,
    a: {
      ticket: Ticket;
      agentId: string;
      channelId: string;
      recipient: Address;
      contactName: string | null | undefined;
      last: DigestRow['last'];
      event: 'new_ticket' | 'new_message' | { digest: number };
      key: string;
    },
    now: number,
  ): Promise<void> {
    const { ticket, last } = a;
    const locale = config.tickets.defaultLocale;
    const labels = statusLabelsFor(config, locale);
    const source = channels.get(last.channelId);
    const channel = channels.get(a.channelId);
    const n = { ticket_number: String(ticket.number) };
    const event =
      a.event === 'new_ticket'
        ? templates.render('event_new_ticket', locale, n)
        : a.event === 'new_message'
          ? templates.render('event_new_message', locale, n)
          : templates.render('event_digest', locale, { ...n, count: String(a.event.digest) });
    const text = templates.render('agent_notification', locale, {
      event,
      ticket_number: n.ticket_number,
      requester_name: a.contactName?.trim() || displayAddress(last.senderAddress, channels.phoneOf),
      requester_address: displayAddress(last.senderAddress, channels.phoneOf),
      channel: source ? `${source.id} (${source.kind})` : last.channelId,
      subject: ticket.subject,
      text: last.text.length > NOTIFICATION_TEXT_MAX ? `${last.text.slice(0, NOTIFICATION_TEXT_MAX)} […]` : last.text,
      status_label: labels[ticket.status],
      how_to_answer: templates.render(channel?.capabilities.threading === 'chat' ? 'answer_hint_chat' : 'answer_hint_email', locale, n),
    });
    await queueOutbound(
      db,
      {
        ticket,
        route: { channelId: a.channelId, recipient: a.recipient },
        text,
        purpose: 'notification',
        visibility: 'internal',
        authorType: 'system',
        metadata: {
          automation: typeof a.event === 'object' ? 'agent_digest' : 'agent_notification',
          agentId: a.agentId,
          aboutMessageId: last.aboutMessageId,
        },
      },
      now,
    );
    await recordAutomaticSend(db, a.key, 'notification', now);
  }

  /** Sends the digests whose hour is over, each once across gateways. */
  async function flushDigests(batch: number): Promise<number> {
    let sent = 0;
    for (const id of await dueDigestIds(deps.database.kysely, clock.now(), batch)) {
      const now = clock.now();
      const done = await deps.database.kysely.transaction().execute(async (trx) => {
        const d = await takeDigest(trx, id);
        if (!d) return false;
        const ticket = await getTicketById(trx, d.ticketId);
        if (!ticket) return false;
        const contact = await getContact(trx, ticket.requesterId);
        const key = `${d.recipient.address.toLowerCase()}#${ticket.id}`;
        await queueAgentNotification(
          trx,
          {
            ticket,
            agentId: d.agentId,
            channelId: d.channelId,
            recipient: d.recipient as Address,
            contactName: contact?.name,
            last: d.last,
            event: { digest: d.count },
            key,
          },
          now,
        );
        return true;
      });
      if (done) sent++;
    }
    return sent;
  }

  return { notifyAgents, flushDigests };
}
