/**
 * Step 3, facts: what the matcher needs to know, read in the transaction. Is the sender an
 * agent (and proven)? Which tickets does the message point at (thread references, our signed
 * numbers, numbers typed in the subject or, on chats and from agents, in the text), and is the
 * sender one of their people? Which open or recently closed ticket has this contact on this
 * channel?
 */
import type { Executor } from '../../db/database.js';
import { type Agent, findAgentByAddresses } from '../../db/repositories/agent.repository.js';
import {
  findExistingRequest,
  getTicketById,
  getTicketsByNumbers,
  latestClosedTicketOnChannel,
  latestOpenTicketOnChannel,
  participantTicketIds,
  ticketsByExternalIds,
} from '../../db/repositories/ticket.repository.js';
import { recipientTicketIds } from '../../db/repositories/trust.repository.js';
import type { Ticket } from '../../domain/ticket.js';
import { type AgentCommand, parseAgentCommand } from '../../tickets/agent-commands.js';
import { type AgentProof, agentProof } from '../../trust/agent-proof.js';
import type { TicketFact } from '../match.js';
import { numbersInSubject, numbersInText } from '../ticket-tokens.js';
import type { Arrival } from './arrival.js';
import type { Sender } from './contact.step.js';

export interface AgentFacts {
  /** A registered agent owns the sender's address (proven or not). */
  candidate?: Agent | undefined;
  proof?: AgentProof | undefined;
  command?: AgentCommand | undefined;
}

/**
 * An agent's out-of-office answering a notification is automatic mail, not their reply:
 * relaying it would send the customer "I'm on holiday" (and loop with their auto-responder).
 * So only a customer-classified message from someone else's device, on a channel that takes
 * agent commands, is looked up.
 */
export async function agentFacts(trx: Executor, a: Arrival, sender: Sender): Promise<AgentFacts> {
  const m = a.message;
  if (m.fromBusiness || m.classification !== 'customer' || !m.agentCommands) return {};
  const emails = sender.identities.filter((i) => i.kind === 'email').map((i) => i.address);
  const phones = [...sender.identities, ...sender.lookupAlso].filter((i) => i.kind === 'phone').map((i) => i.address);
  const candidate = await findAgentByAddresses(trx, emails, phones);
  if (!candidate) return {};
  return { candidate, proof: agentProof(candidate, m.proof, emails, phones), command: parseAgentCommand(m.replyText ?? m.text) };
}

export interface TicketFacts {
  referenced: Ticket[];
  signed: Ticket[];
  numbered: Ticket[];
  /** Numbers typed in the subject or text, in order, de-duplicated. */
  typedNumbers: number[];
  existing?: Ticket | undefined;
  openOnChannel?: Ticket | undefined;
  closedOnChannel?: Ticket | undefined;
  /** The matcher's view of one of the tickets above. */
  fact(t: Ticket): TicketFact;
}

export async function ticketFacts(trx: Executor, a: Arrival, sender: Sender, agent: AgentFacts, subjectRe: RegExp): Promise<TicketFacts> {
  const m = a.message;
  const chat = a.channel.capabilities.threading === 'chat';
  const referenced = await ticketsByExternalIds(trx, [a.channelId], m.threadHints.references);
  const signedNumbers = m.threadHints.signedTicketNumbers;
  const typedNumbers = [
    ...new Set([
      ...numbersInSubject(m.subject, subjectRe),
      ...(chat || agent.candidate ? numbersInText(m.replyText ?? m.text) : []),
      ...(agent.command?.ticketNumber ? [agent.command.ticketNumber] : []),
    ]),
  ];
  const claimTicket = sender.provenClaim ? await getTicketById(trx, sender.provenClaim.ticketId) : undefined;
  const signed = [...(claimTicket ? [claimTicket] : []), ...(await getTicketsByNumbers(trx, signedNumbers))];
  const numbered = await getTicketsByNumbers(trx, typedNumbers);
  // Who may join a ticket: its requester, a participant, or someone who received one of its
  // messages (a Cc'd colleague). Anyone else quoting the thread starts their own ticket.
  // The requester of a ticket needs no lookup (a reply to one's own ticket, the common case).
  const candidateIds = [
    ...new Set([...referenced, ...signed, ...numbered].filter((t) => t.requesterId !== sender.contactId).map((t) => t.id)),
  ];
  const participantOf = await participantTicketIds(trx, sender.contactId, candidateIds);
  const recipientOf = await recipientTicketIds(trx, sender.identities, candidateIds);
  const fields = m.ticketFields;
  const existing = fields?.matchExistingRequest
    ? await findExistingRequest(trx, sender.contactId, fields.category ?? null, fields.reference ?? null)
    : undefined;
  const openOnChannel = chat ? await latestOpenTicketOnChannel(trx, sender.contactId, a.channelId) : undefined;
  const closedOnChannel = chat && !openOnChannel ? await latestClosedTicketOnChannel(trx, sender.contactId, a.channelId) : undefined;
  return {
    referenced,
    signed,
    numbered,
    typedNumbers,
    existing,
    openOnChannel,
    closedOnChannel,
    fact: (t) => ({
      id: t.id,
      number: t.number,
      status: t.status,
      closedAt: t.closedAt,
      senderIsParticipant: t.requesterId === sender.contactId || participantOf.has(t.id) || recipientOf.has(t.id),
    }),
  };
}
