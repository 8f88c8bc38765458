/**
 * Which ticket an inbound message belongs to. Pure: the pipeline gathers the facts, this decides.
 *
 * Order (first hit wins):
 *  1. thread references: a stored message on this channel (inbound or outbound) that the message
 *     replies to or quotes; or a ticket number proven by our own signature. Only for the
 *     requester, a participant, someone who received one of the ticket's messages, or an agent:
 *     holding a Message-ID is no proof of belonging (a stranger gets a new ticket that records
 *     the reference). Automatic mail (bounces, auto-replies) may land by reference: it never
 *     changes a status and is never relayed;
 *  2. a ticket-number token in the subject/text, only when the sender is the requester, a known
 *     participant, or an agent. Anyone else gets a new ticket that records the number it
 *     mentioned: nobody joins a stranger's ticket by typing a number;
 *  3. web forms: the requester's open ticket with the same category and reference;
 *  4. chat channels: the contact's most recent open ticket on that channel, else their most
 *     recent closed one there (the resume rule: a customer who simply writes again);
 *  5. a new ticket.
 * A matched closed ticket reopens within the window (chat: `resumeWindowHours`, one rule for all
 * chat channels; email: `reopenWindowHours`), otherwise a follow-up ticket is created and
 * linked. Solved tickets simply reopen.
 */
import type { MatchedBy, TicketStatus } from '../domain/model.js';

export interface TicketFact {
  id: string;
  number: number;
  status: TicketStatus;
  closedAt: number | null;
  /** The sender is the requester, a recorded participant, or received a message of this ticket. */
  senderIsParticipant: boolean;
}

export interface MatchFacts {
  threading: 'email' | 'chat' | 'none';
  senderIsAgent: boolean;
  /** Bounces, auto-replies, complaints, receipts: may land by thread reference (shown, never acted on). */
  automatic?: boolean | undefined;
  /** Tickets of stored messages referenced by the thread hints, most relevant first. */
  referenced: TicketFact[];
  /** Tickets proven by our signed tokens. */
  signed: TicketFact[];
  /** Tickets named by number in the subject or text (missing numbers are simply absent). */
  numbered: TicketFact[];
  /** Numbers typed that do not belong to any existing ticket. */
  unknownNumbers: number[];
  existingRequest?: TicketFact | undefined;
  openOnChannel?: TicketFact | undefined;
  /** Chat: the contact's most recently closed ticket on this channel (when none is open). */
  closedOnChannel?: TicketFact | undefined;
  now: number;
  reopenWindowHours: number;
  /** Chat channels' window (defaults to `reopenWindowHours`). */
  resumeWindowHours?: number | undefined;
}

export type MatchDecision =
  | { kind: 'append'; ticket: TicketFact; matchedBy: MatchedBy; reopen: boolean }
  | { kind: 'new'; matchedBy: 'new_ticket' | 'follow_up'; followUpOf?: TicketFact; mentionedNumber?: number };

function land(ticket: TicketFact, matchedBy: MatchedBy, facts: MatchFacts): MatchDecision {
  if (ticket.status === 'closed') {
    const hours = facts.threading === 'chat' ? (facts.resumeWindowHours ?? facts.reopenWindowHours) : facts.reopenWindowHours;
    const windowMs = hours * 3600_000;
    const closedAt = ticket.closedAt ?? 0;
    if (facts.now - closedAt <= windowMs) return { kind: 'append', ticket, matchedBy, reopen: true };
    return { kind: 'new', matchedBy: 'follow_up', followUpOf: ticket };
  }
  return { kind: 'append', ticket, matchedBy, reopen: ticket.status === 'solved' };
}

export function decideMatch(facts: MatchFacts): MatchDecision {
  const mayJoin = (t: TicketFact): boolean => facts.senderIsAgent || facts.automatic === true || t.senderIsParticipant;
  const byRef = facts.referenced.find(mayJoin);
  if (byRef) return land(byRef, 'thread_reference', facts);

  const bySigned = facts.signed.find(mayJoin);
  if (bySigned) return land(bySigned, 'signed_token', facts);

  const allowed = facts.numbered.find((t) => facts.senderIsAgent || t.senderIsParticipant);
  if (allowed) return land(allowed, 'ticket_number', facts);

  if (facts.existingRequest && facts.existingRequest.status !== 'closed' && facts.existingRequest.status !== 'solved') {
    return land(facts.existingRequest, 'existing_request', facts);
  }

  if (facts.threading === 'chat' && facts.openOnChannel) return land(facts.openOnChannel, 'open_ticket', facts);
  if (facts.threading === 'chat' && facts.closedOnChannel && facts.closedOnChannel.status === 'closed')
    return land(facts.closedOnChannel, 'open_ticket', facts);

  const mentioned = facts.referenced[0]?.number ?? facts.signed[0]?.number ?? facts.numbered[0]?.number ?? facts.unknownNumbers[0];
  return mentioned !== undefined
    ? { kind: 'new', matchedBy: 'new_ticket', mentionedNumber: mentioned }
    : { kind: 'new', matchedBy: 'new_ticket' };
}
