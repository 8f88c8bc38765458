/** Ticket status rules. Pure. */
import type { TicketStatus } from './model.js';

/** A customer wrote: pending/solved/closed (when reopening) become open; new stays new. */
export function statusAfterCustomerMessage(status: TicketStatus): TicketStatus {
  return status === 'new' ? 'new' : 'open';
}

/** An agent's public reply waits for the customer; replies on solved/closed tickets don't reopen them. */
export function statusAfterAgentReply(status: TicketStatus): TicketStatus {
  return status === 'new' || status === 'open' ? 'pending' : status;
}

/**
 * Manual changes (API, `#solved` commands). Closed is final: the customer's next message
 * reopens within the window or starts a follow-up. Nothing goes back to `new`.
 */
export function canChangeStatus(from: TicketStatus, to: TicketStatus): { ok: true } | { ok: false; reason: string } {
  if (from === to) return { ok: true };
  if (from === 'closed')
    return { ok: false, reason: 'a closed ticket cannot change; a new customer message reopens it or starts a follow-up' };
  if (to === 'new') return { ok: false, reason: 'a ticket cannot go back to new' };
  return { ok: true };
}

/** Timestamps to set when a status changes. */
export function statusTimestamps(to: TicketStatus, now: number): { solved_at?: number | null; closed_at?: number | null } {
  if (to === 'solved') return { solved_at: now, closed_at: null };
  if (to === 'closed') return { closed_at: now };
  if (to === 'open' || to === 'pending' || to === 'new') return { solved_at: null, closed_at: null };
  return {};
}
