import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';
import { insertRow } from '../precompiled.js';

export type Actor = { type: 'customer' | 'agent' | 'system'; id?: string | null | undefined };

export async function recordEvent(
  db: Executor,
  ticketId: string,
  type: string,
  from: string | null,
  to: string | null,
  actor: Actor,
  now: number,
): Promise<void> {
  await insertRow(db, 'ticket_events', {
    id: newId(now),
    ticket_id: ticketId,
    type,
    from_value: from,
    to_value: to,
    actor_type: actor.type,
    actor_id: actor.id ?? null,
    created_at: now,
  });
}

export async function eventsOf(db: Executor, ticketId: string) {
  return db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
}
