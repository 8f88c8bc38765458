/**
 * Editing a ticket (the API's PATCH): status, priority, assignee, category, reference, custom
 * fields, in one transaction with an audit event per change and the ticket events
 * (`status.changed`, `assignee.changed`). An assignee must be an active agent.
 */
import type { Clock } from '../channel/contract.js';
import type { Database } from '../db/database.js';
import type { Actor } from '../db/repositories/event.repository.js';
import { getAgent } from '../db/repositories/agent.repository.js';
import { getTicketByNumber } from '../db/repositories/ticket.repository.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { Ticket } from '../domain/ticket.js';
import { applyPatch, type TicketPatch } from './ticket-changes.js';
import type { TicketEvents } from './ticket-events.js';

export interface PatchDeps {
  database: Database;
  events: TicketEvents;
  clock: Clock;
}

/** `assigneePath` names the field in errors (`body.assignee` for the API). */
export async function patchTicket(
  deps: PatchDeps,
  number: number,
  patch: TicketPatch,
  actor: Actor,
  assigneePath = 'body.assignee',
): Promise<Ticket> {
  const now = deps.clock.now();
  return deps.database.kysely.transaction().execute(async (trx) => {
    const t = await getTicketByNumber(trx, number);
    if (!t) throw new NotFoundError('ticket', `#${number}`);
    if (patch.assigneeId) {
      const assignee = await getAgent(trx, patch.assigneeId);
      if (!assignee)
        throw new ValidationError('invalid body', [{ path: assigneePath, message: 'no agent with this id (GET /api/agents lists them)' }]);
      if (!assignee.active) throw new ValidationError('invalid body', [{ path: assigneePath, message: 'this agent is disabled' }]);
    }
    return applyPatch(trx, deps.events, t, patch, actor, now);
  });
}
