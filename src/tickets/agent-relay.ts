/**
 * The agent relay: an agent answering a ticket from email or WhatsApp. A proven agent's reply
 * goes to the customer (or stays a note with `#note`), with their status command; their
 * out-of-office is kept as a note; a message from an agent's address without proof is kept as
 * an "unverified" note. Runs inside the ingest transaction; the caller writes the receipt with
 * the returned reason.
 */
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { ChannelDirectory } from '../channel/directory.js';
import type { Agent } from '../db/repositories/agent.repository.js';
import { recordEvent } from '../db/repositories/event.repository.js';
import { updateTicket } from '../db/repositories/ticket.repository.js';
import { agentSentSameTextSince } from '../db/repositories/trust.repository.js';
import type { DB } from '../db/tables.js';
import type { Address, MatchedBy } from '../domain/model.js';
import type { Ticket } from '../domain/ticket.js';
import { looksLikeAgentAutoReply, REPEAT_MIN_CHARS } from './agent-auto-reply.js';
import type { AgentCommand } from './agent-commands.js';
import { queueOutbound, storeInternal } from './outbound-queue.js';
import { resolveCustomerRoute } from './reply-route.js';
import { changeStatus } from './ticket-changes.js';
import type { TicketEvents } from './ticket-events.js';

export interface RelayDeps {
  channels: ChannelDirectory;
  events: TicketEvents;
  logger: Logger;
}

/** The inbound message the agent wrote, as the relay needs it. */
export interface AgentInbound {
  channelId: string;
  externalId: string;
  subject?: string | undefined;
  text: string;
  attachments: Array<{ blobKey: string; filename: string; contentType: string; size: number }>;
  /** The sender's identity as it arrived (for the unverified note). */
  from: Address;
}

export interface RelayResult {
  ticket: Ticket;
  messageId: string;
  visibility: 'public' | 'internal';
  /** The receipt's reason: agent_message, agent_auto_reply or unverified_agent_message. */
  reason: 'agent_message' | 'agent_auto_reply' | 'unverified_agent_message';
  /** Set when the agent acted as one (their reply or note); unset for an unverified message. */
  agentId?: string | undefined;
}

type Trx = Transaction<DB>;

/** The agent's out-of-office (its phrases, or the very text this agent already sent) is no answer. */
export async function agentAutoReply(
  trx: Trx,
  agentId: string,
  subject: string | undefined,
  body: string,
  now: number,
): Promise<string | undefined> {
  const byText = looksLikeAgentAutoReply(subject, body);
  if (byText) return byText;
  if (body.trim().length >= REPEAT_MIN_CHARS && (await agentSentSameTextSince(trx, agentId, body, now - 7 * 24 * 3600_000)))
    return 'the same text again';
  return undefined;
}

/** Kept for the team as an internal note; nothing reaches the customer, no command runs. */
export async function recordAgentAutoReply(
  trx: Trx,
  deps: RelayDeps,
  a: { agent: Agent; ticket: Ticket; inbound: AgentInbound; text: string; reason: string; now: number },
): Promise<RelayResult> {
  const messageId = await storeInternal(
    trx,
    {
      ticket: a.ticket,
      text: a.text,
      authorType: 'agent',
      authorAgentId: a.agent.id,
      purpose: 'note',
      metadata: { inboundExternalId: a.inbound.externalId, agentAutoReply: a.reason },
    },
    a.now,
  );
  deps.logger.info(
    { ticket: a.ticket.number, agentId: a.agent.id, reason: a.reason },
    'agent auto-reply kept as an internal note, not relayed',
  );
  return { ticket: a.ticket, messageId, visibility: 'internal', reason: 'agent_auto_reply', agentId: a.agent.id };
}

/**
 * A message from an agent's address without proof (a forged From:, a form, a token for another
 * ticket): stored for the team as an "unverified" internal note; never relayed, no command.
 */
export async function recordUnverifiedAgentMessage(
  trx: Trx,
  deps: RelayDeps,
  a: { agent: Agent; reason: string; ticket: Ticket; inbound: AgentInbound; now: number },
): Promise<RelayResult> {
  const { inbound } = a;
  const messageId = await storeInternal(
    trx,
    {
      ticket: a.ticket,
      text: inbound.text,
      authorType: 'system',
      purpose: 'note',
      metadata: {
        unverified: true,
        unverifiedReason: a.reason,
        claimedAgentId: a.agent.id,
        from: inbound.from.address,
        fromKind: inbound.from.kind,
        inboundExternalId: inbound.externalId,
        subject: inbound.subject ?? null,
      },
      attachments: inbound.attachments,
    },
    a.now,
  );
  await recordEvent(trx, a.ticket.id, 'unverified_message', null, messageId, { type: 'system' }, a.now);
  deps.logger.warn(
    { ticket: a.ticket.number, claimedAgentId: a.agent.id, reason: a.reason },
    'message from an agent address without proof kept as an unverified internal note',
  );
  return { ticket: a.ticket, messageId, visibility: 'internal', reason: 'unverified_agent_message' };
}

/** A proven agent's reply or note, relayed to the customer when public and a channel reaches them. */
export async function recordAgentMessage(
  trx: Trx,
  deps: RelayDeps,
  a: { agent: Agent; command: AgentCommand; ticket: Ticket; inbound: AgentInbound; now: number },
): Promise<RelayResult> {
  const { agent, command, now } = a;
  let ticket = a.ticket;
  const attachments = a.inbound.attachments;
  const meta = { via: a.inbound.channelId, inboundExternalId: a.inbound.externalId };
  const actor = { type: 'agent' as const, id: agent.id };
  let messageId: string;
  let visibility: 'public' | 'internal' = command.internal ? 'internal' : 'public';
  if (command.body === '' && attachments.length === 0) {
    // Only a status command: nothing to relay.
    visibility = 'internal';
    messageId = await storeInternal(
      trx,
      { ticket, text: `(${command.status ?? 'empty'})`, authorType: 'agent', authorAgentId: agent.id, purpose: 'note', metadata: meta },
      now,
    );
  } else if (visibility === 'internal') {
    messageId = await storeInternal(
      trx,
      { ticket, text: command.body, authorType: 'agent', authorAgentId: agent.id, purpose: 'note', metadata: meta, attachments },
      now,
    );
  } else {
    const route = await resolveCustomerRoute(trx, deps.channels, ticket);
    if (!route) {
      visibility = 'internal';
      messageId = await storeInternal(
        trx,
        {
          ticket,
          text: command.body,
          authorType: 'agent',
          authorAgentId: agent.id,
          purpose: 'note',
          metadata: { ...meta, undeliverable: 'no_route_to_customer' },
          attachments,
        },
        now,
      );
    } else {
      messageId = (
        await queueOutbound(
          trx,
          {
            ticket,
            route,
            text: command.body,
            purpose: 'reply',
            visibility: 'public',
            authorType: 'agent',
            authorAgentId: agent.id,
            attachments,
            metadata: meta,
          },
          now,
        )
      ).messageId;
      await updateTicket(trx, ticket.id, {
        updated_at: now,
        last_agent_reply_at: now,
        ...(ticket.firstResponseAt ? {} : { first_response_at: now }),
      });
      if (!command.status && (ticket.status === 'new' || ticket.status === 'open')) {
        ticket = await changeStatus(trx, deps.events, ticket, 'pending', actor, now, { withReply: true });
      }
    }
  }
  if (command.status && command.status !== ticket.status) {
    ticket = await changeStatus(trx, deps.events, ticket, command.status, actor, now, {
      force: ticket.status !== 'closed',
      withReply: visibility === 'public',
    });
  }
  await deps.events.emit(trx, visibility === 'public' ? 'reply.queued' : 'note.added', {
    ticket,
    messageId,
    agentId: agent.id,
    visibility,
    fromBusinessDevice: false,
    now,
  });
  return { ticket, messageId, visibility, reason: 'agent_message', agentId: agent.id };
}
