/**
 * Step 4, match: the pure decision (match.ts) over the facts, and what it means for a sender
 * who writes from an agent's address: a proven agent acts as one only on the ticket their
 * token names; anyone else from that address is "unverified" (kept as a note, never relayed).
 */
import type { PonteConfig } from '../../config/schema.js';
import type { Agent } from '../../db/repositories/agent.repository.js';
import type { Ticket } from '../../domain/ticket.js';
import { decideMatch, type MatchDecision } from '../match.js';
import type { Arrival } from './arrival.js';
import type { AgentFacts, TicketFacts } from './facts.step.js';

export interface Match {
  decision: MatchDecision;
  /** The ticket the message is appended to, when the decision is `append`. */
  matched?: Ticket | undefined;
  /** The sender acts as this (proven) agent. */
  agent?: Agent | undefined;
  /** Written from an agent's address without proof (or with a token for another ticket). */
  unverified?: { agent: Agent; reason: string } | undefined;
}

export function matchTicket(a: Arrival, config: PonteConfig, facts: TicketFacts, agentFacts: AgentFacts): Match {
  const { candidate, proof } = agentFacts;
  const decision = decideMatch({
    threading: a.channel.capabilities.threading,
    senderIsAgent: candidate !== undefined,
    automatic: a.message.classification !== 'customer',
    referenced: facts.referenced.map(facts.fact),
    signed: facts.signed.map(facts.fact),
    numbered: facts.typedNumbers
      .map((n) => facts.numbered.find((t) => t.number === n))
      .filter((t): t is Ticket => !!t)
      .map(facts.fact),
    unknownNumbers: facts.typedNumbers.filter((n) => !facts.numbered.some((t) => t.number === n)),
    existingRequest: facts.existing && facts.fact(facts.existing),
    openOnChannel: facts.openOnChannel && facts.fact(facts.openOnChannel),
    closedOnChannel: facts.closedOnChannel && facts.fact(facts.closedOnChannel),
    resumeWindowHours: a.channel.config.resumeWindowHours ?? config.tickets.resumeWindowHours,
    now: a.now,
    reopenWindowHours: a.channel.config.reopenWindowHours ?? config.tickets.reopenWindowHours,
  });
  const all = [
    ...facts.referenced,
    ...facts.signed,
    ...facts.numbered,
    ...(facts.existing ? [facts.existing] : []),
    ...(facts.openOnChannel ? [facts.openOnChannel] : []),
    ...(facts.closedOnChannel ? [facts.closedOnChannel] : []),
  ];
  const matched = decision.kind === 'append' ? all.find((t) => t.id === decision.ticket.id) : undefined;

  let agent = candidate && proof?.ok ? candidate : undefined;
  let unverified = candidate && proof && !proof.ok ? { agent: candidate, reason: proof.reason } : undefined;
  // A proven agent's token names one ticket: it is no proof for another.
  const tokenTicket = proof?.ok ? proof.tokenTicket : undefined;
  if (agent && matched && tokenTicket !== undefined && tokenTicket !== matched.number) {
    unverified = { agent, reason: `the reply token names #${tokenTicket}, not #${matched.number}` };
    agent = undefined;
  }
  return { decision, matched, agent, unverified };
}
