/**
 * The decisions behind automatic messages and timers. Pure: the caller reads the facts (counts,
 * ticket fields, the clock) and applies the result inside its transaction.
 */
import type { Classification, IdentityKind, TicketStatus } from '../domain/model.js';

const HOUR = 3_600_000;

export type TimerKind = 'pending_reminder' | 'pending_timeout' | 'solved_close';
export const TIMER_KINDS: readonly TimerKind[] = ['pending_reminder', 'pending_timeout', 'solved_close'];

export interface TimerSettings {
  pendingTimeout: { enabled: boolean; hours: number; action: 'solved' | 'closed'; reminderHours?: number | undefined };
  /** 0 leaves solved tickets solved. */
  solvedToClosedHours: number;
}

/**
 * Timers after a status change: every timer of the old status is cancelled (a customer answer
 * moves pending → open, so it cancels the pending timeout), then the new status's are set.
 * Durations are wall-clock hours ("48 h without an answer"), not business hours.
 */
export function timersForStatus(
  settings: TimerSettings,
  to: TicketStatus,
  now: number,
): { cancel: TimerKind[]; schedule: Array<{ kind: TimerKind; dueAt: number }> } {
  const schedule: Array<{ kind: TimerKind; dueAt: number }> = [];
  if (to === 'pending' && settings.pendingTimeout.enabled) {
    const p = settings.pendingTimeout;
    if (p.reminderHours !== undefined && p.reminderHours < p.hours)
      schedule.push({ kind: 'pending_reminder', dueAt: now + p.reminderHours * HOUR });
    schedule.push({ kind: 'pending_timeout', dueAt: now + p.hours * HOUR });
  }
  if (to === 'solved' && settings.solvedToClosedHours > 0)
    schedule.push({ kind: 'solved_close', dueAt: now + settings.solvedToClosedHours * HOUR });
  return { cancel: [...TIMER_KINDS], schedule };
}

/**
 * Whether a due timer still applies to the ticket as it is now. Cancellation already happens on
 * every change; this is the second lock for a timer claimed just before a change committed.
 */
export function timerApplies(
  kind: TimerKind,
  ticket: { status: TicketStatus; statusChangedAt: number; lastCustomerMessageAt: number | null },
  timerCreatedAt: number,
): boolean {
  const unchangedSince = ticket.statusChangedAt <= timerCreatedAt && (ticket.lastCustomerMessageAt ?? 0) <= timerCreatedAt;
  if (kind === 'solved_close') return ticket.status === 'solved' && unchangedSince;
  return ticket.status === 'pending' && unchangedSince;
}

export type Greeting = { kind: 'ack' | 'out_of_hours' } | { kind: 'none'; reason: string };

export interface GreetingFacts {
  created: boolean;
  classification: Classification;
  ackEnabled: boolean;
  /** Business hours are on, the out-of-hours reply is on, and the team is closed now. */
  outOfHours: boolean;
  /** The ticket already got an acknowledgement or an out-of-hours reply. */
  greetedBefore: boolean;
  /** `backAt` of the ticket's latest out-of-hours reply, if any. */
  lastOutOfHoursBackAt: number | undefined;
  now: number;
  /** Acknowledgements and out-of-hours replies to this contact in the last hour. */
  contactGreetingsLastHour: number;
  capPerContactPerHour: number;
}

/**
 * What to answer a customer message with. A new ticket gets the acknowledgement, or out of
 * hours the out-of-hours reply instead (it carries the ticket number too: one message, not
 * two). A later message out of hours gets the out-of-hours reply once per closed period.
 * Automatic mail never answers automatic mail; the per-contact cap stops a sender who opens a
 * new ticket with every message (another robot) from getting a reply to each.
 */
export function decideGreeting(f: GreetingFacts): Greeting {
  if (f.classification !== 'customer') return { kind: 'none', reason: 'not_customer' };
  let kind: 'ack' | 'out_of_hours' | undefined;
  if (f.outOfHours) {
    if (f.created ? !f.greetedBefore : f.lastOutOfHoursBackAt === undefined || f.lastOutOfHoursBackAt <= f.now) kind = 'out_of_hours';
    else return { kind: 'none', reason: f.created ? 'already_greeted' : 'out_of_hours_already_sent' };
  } else if (f.created && f.ackEnabled) {
    if (f.greetedBefore) return { kind: 'none', reason: 'already_greeted' };
    kind = 'ack';
  }
  if (!kind) return { kind: 'none', reason: f.created ? 'ack_disabled' : 'existing_ticket' };
  if (f.contactGreetingsLastHour >= f.capPerContactPerHour) return { kind: 'none', reason: 'contact_cap' };
  return { kind };
}

/** The loop breaker: automatic messages to one address within the last hour. */
export function underAutomaticCap(sentLastHour: number, capPerHour: number): boolean {
  return sentLastHour < capPerHour;
}

export interface AgentFacts {
  id: string;
  email: string | null;
  phone: string | null;
  active: boolean;
  notifyChannelId: string | null;
}

/** Who hears about a customer message: the assignee, or every active agent when none (or inactive). */
export function notificationTargets<A extends AgentFacts>(agents: readonly A[], assigneeId: string | null): A[] {
  const active = agents.filter((a) => a.active);
  const assignee = assigneeId ? active.find((a) => a.id === assigneeId) : undefined;
  return assignee ? [assignee] : active;
}

/**
 * Where an agent is notified: their chosen channel, at the address it can deliver to (email for
 * mail channels; the phone, or the identity the channel's kind knows the phone by, e.g. its
 * WhatsApp JID). Undefined when the agent has no usable notification channel.
 */
export function agentRecipient(
  agent: AgentFacts,
  channel:
    | {
        canSend: boolean;
        deliversTo: readonly IdentityKind[];
        phoneAliases?: ((e164: string) => ReadonlyArray<{ kind: IdentityKind; address: string }>) | undefined;
      }
    | undefined,
): { kind: IdentityKind; address: string } | undefined {
  if (!channel?.canSend) return undefined;
  if (agent.email && channel.deliversTo.includes('email')) return { kind: 'email', address: agent.email };
  if (agent.phone) {
    if (channel.deliversTo.includes('phone')) return { kind: 'phone', address: agent.phone };
    const alias = channel.phoneAliases?.(agent.phone).find((a) => channel.deliversTo.includes(a.kind));
    if (alias) return { kind: alias.kind, address: alias.address };
  }
  return undefined;
}

export interface SlaSettings {
  firstResponseHours?: number | undefined;
  nextResponseHours?: number | undefined;
}

/**
 * SLA due times after a customer message, in business time (`addBusinessTime`). The due fields
 * hold the deadline the team currently owes: the first response on a new ticket; after that,
 * the next response, counted from the first unanswered customer message (a second message does
 * not push the deadline out). Answering or leaving new/open clears them (see `clearedDues`).
 */
export function duesAfterCustomerMessage(
  sla: SlaSettings,
  ticket: { firstResponseAt: number | null; firstResponseDueAt: number | null; nextResponseDueAt: number | null },
  created: boolean,
  now: number,
  addBusinessTime: (t: number, ms: number) => number,
): { first_response_due_at?: number | null; next_response_due_at?: number | null } {
  if (created) return sla.firstResponseHours ? { first_response_due_at: addBusinessTime(now, sla.firstResponseHours * HOUR) } : {};
  if (ticket.firstResponseAt === null) {
    // Never answered, and the deadline was cleared (the status left new/open without a reply).
    return ticket.firstResponseDueAt === null && sla.firstResponseHours
      ? { first_response_due_at: addBusinessTime(now, sla.firstResponseHours * HOUR) }
      : {};
  }
  if (ticket.nextResponseDueAt !== null || !sla.nextResponseHours) return {};
  return { next_response_due_at: addBusinessTime(now, sla.nextResponseHours * HOUR) };
}

export const clearedDues = { first_response_due_at: null, next_response_due_at: null } as const;

/** An address as an agent reads it: one that stands for a phone (a WhatsApp phone JID, asked of the channel kinds) as that phone. */
export function displayAddress(address: string, phoneOf: (address: string) => string | undefined): string {
  return phoneOf(address) ?? address;
}
