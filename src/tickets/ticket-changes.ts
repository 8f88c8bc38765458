/**
 * Changing a ticket's fields with an audit event for each change. Both run inside the caller's
 * transaction (they take a `Transaction`) and emit `status.changed` / `assignee.changed`.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../db/tables.js';
import { type Actor, recordEvent } from '../db/repositories/event.repository.js';
import { updateTicket } from '../db/repositories/ticket.repository.js';
import type { Ticket } from '../domain/ticket.js';
import { ConflictError } from '../domain/errors.js';
import type { Priority, TicketStatus } from '../domain/model.js';
import { canChangeStatus, statusTimestamps } from '../domain/ticket-status.js';
import type { TicketEvents } from './ticket-events.js';

export async function changeStatus(
  db: Transaction<DB>,
  events: TicketEvents,
  ticket: Ticket,
  to: TicketStatus,
  actor: Actor,
  now: number,
  options: { force?: boolean; withReply?: boolean } = {},
): Promise<Ticket> {
  if (ticket.status === to) return ticket;
  if (!options.force) {
    const check = canChangeStatus(ticket.status, to);
    if (!check.ok)
      throw new ConflictError(
        `ticket #${ticket.number}: cannot change status from ${ticket.status} to ${to}: ${check.reason}`,
        'status_transition',
      );
  }
  const stamps = statusTimestamps(to, now);
  await updateTicket(db, ticket.id, { status: to, status_changed_at: now, updated_at: now, ...stamps });
  await recordEvent(db, ticket.id, 'status', ticket.status, to, actor, now);
  const updated: Ticket = {
    ...ticket,
    status: to,
    statusChangedAt: now,
    updatedAt: now,
    ...(stamps.solved_at !== undefined ? { solvedAt: stamps.solved_at } : {}),
    ...(stamps.closed_at !== undefined ? { closedAt: stamps.closed_at } : {}),
  };
  await events.emit(db, 'status.changed', {
    ticket: updated,
    from: ticket.status,
    to,
    actor,
    now,
    ...(options.withReply ? { withReply: true } : {}),
  });
  return updated;
}

export interface TicketPatch {
  status?: TicketStatus | undefined;
  priority?: Priority | undefined;
  assigneeId?: string | null | undefined;
  category?: string | null | undefined;
  reference?: string | null | undefined;
  fields?: Record<string, string | null> | undefined;
}

export async function applyPatch(
  db: Transaction<DB>,
  events: TicketEvents,
  ticket: Ticket,
  patch: TicketPatch,
  actor: Actor,
  now: number,
): Promise<Ticket> {
  let t = ticket;
  if (patch.status !== undefined) t = await changeStatus(db, events, t, patch.status, actor, now);
  const set: Parameters<typeof updateTicket>[2] = {};
  const changed: Partial<Ticket> = {};
  // Plain fields: [event type, ticket key, column]. Each change is audited with from/to.
  const plain = [
    ['priority', 'priority', 'priority'],
    ['assignee', 'assigneeId', 'assignee_id'],
    ['category', 'category', 'category'],
    ['reference', 'reference', 'reference'],
  ] as const;
  for (const [event, key, column] of plain) {
    const to = patch[key];
    if (to === undefined || to === t[key]) continue;
    await recordEvent(db, t.id, event, t[key], to, actor, now);
    (set as Record<string, unknown>)[column] = to;
    (changed as Record<string, unknown>)[key] = to;
  }
  let customFields = t.customFields;
  if (patch.fields) {
    customFields = { ...t.customFields };
    for (const [k, v] of Object.entries(patch.fields)) {
      if (v === null) delete customFields[k];
      else customFields[k] = v;
    }
    await recordEvent(db, t.id, 'fields', JSON.stringify(t.customFields), JSON.stringify(customFields), actor, now);
    set.custom_fields = JSON.stringify(customFields);
  }
  if (Object.keys(set).length > 0) {
    set.updated_at = now;
    await updateTicket(db, t.id, set);
  }
  if (changed.assigneeId !== undefined)
    await events.emit(db, 'assignee.changed', {
      ticket: { ...t, ...changed, customFields },
      from: t.assigneeId,
      to: changed.assigneeId,
      actor,
      now,
    });
  return { ...t, ...changed, customFields };
}
