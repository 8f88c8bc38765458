/**
 * Timers and automatic-send counts, stored so they survive restarts. A due timer is claimed by
 * one worker (PostgreSQL skips rows other workers hold) and completed in the transaction that
 * acts on it, conditioned on still holding the claim: it fires once even with several gateways.
 */
import type { Database, Executor } from '../db/database.js';
import type { Selectable, Transaction } from 'kysely';
import { claimDueRows } from '../db/repositories/claim.repository.js';
import type { DB, TimersTable } from '../db/tables.js';
import { newId } from '../domain/ids.js';
import type { TimerKind } from './automation-rules.js';

export type TimerRow = Selectable<TimersTable>;

export async function scheduleTimer(db: Executor, ticketId: string, kind: TimerKind, dueAt: number, now: number): Promise<void> {
  await db
    .insertInto('timers')
    .values({
      id: newId(now),
      ticket_id: ticketId,
      kind,
      due_at: dueAt,
      status: 'scheduled',
      claimed_by: null,
      claim_expires_at: null,
      created_at: now,
    })
    .execute();
}

export async function cancelTimers(db: Executor, ticketId: string, kinds: readonly TimerKind[]): Promise<void> {
  if (kinds.length === 0) return;
  await db
    .updateTable('timers')
    .set({ status: 'cancelled', claimed_by: null, claim_expires_at: null })
    .where('ticket_id', '=', ticketId)
    .where('status', '=', 'scheduled')
    .where('kind', 'in', [...kinds])
    .execute();
}

export async function scheduledTimers(db: Executor, ticketId: string): Promise<TimerRow[]> {
  return db
    .selectFrom('timers')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .where('status', '=', 'scheduled')
    .orderBy('due_at')
    .execute();
}

/** Claims due timers (and those whose claim expired: a worker died mid-run) in the caller's transaction. */
export async function claimDueTimers(
  trx: Transaction<DB>,
  dialect: Database['dialect'],
  worker: string,
  now: number,
  limit: number,
  claimTtlMs: number,
): Promise<TimerRow[]> {
  return claimDueRows(trx, dialect, 'timers', {
    worker,
    now,
    limit,
    ttlMs: claimTtlMs,
    due: (eb) =>
      eb.and([
        eb('status', '=', 'scheduled'),
        eb('due_at', '<=', now),
        eb.or([eb('claimed_by', 'is', null), eb('claim_expires_at', '<', now)]),
      ]),
    orderBy: 'due_at',
  });
}

/** Marks a claimed timer done; false when this worker no longer holds it (someone else ran it). */
export async function completeTimer(db: Executor, id: string, worker: string): Promise<boolean> {
  const r = await db
    .updateTable('timers')
    .set({ status: 'done', claimed_by: null, claim_expires_at: null })
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .where('claimed_by', '=', worker)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function releaseTimer(db: Executor, id: string, worker: string): Promise<void> {
  await db
    .updateTable('timers')
    .set({ claimed_by: null, claim_expires_at: null })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

/** Automatic sends to `address` since `since`; only of one kind when `kind` is given. */
export async function countAutomaticSends(db: Executor, address: string, since: number, kind?: string): Promise<number> {
  let q = db
    .selectFrom('automatic_sends')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('address', '=', address)
    .where('created_at', '>', since);
  if (kind) q = q.where('kind', '=', kind.slice(0, 20));
  const r = await q.executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function recordAutomaticSend(db: Executor, address: string, kind: string, now: number): Promise<void> {
  await db
    .insertInto('automatic_sends')
    .values({ id: newId(now), address: address.slice(0, 320), kind: kind.slice(0, 20), created_at: now })
    .execute();
}

export async function pruneAutomaticSends(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('automatic_sends').where('created_at', '<', before).execute();
}

/** Acknowledgements and out-of-hours replies sent to a contact's tickets since `since`. */
export async function countGreetingsToContact(db: Executor, contactId: string, since: number): Promise<number> {
  const r = await db
    .selectFrom('messages')
    .innerJoin('tickets', 'tickets.id', 'messages.ticket_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('tickets.requester_id', '=', contactId)
    .where('messages.purpose', 'in', ['auto_ack', 'out_of_hours'])
    .where('messages.created_at', '>', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The ticket's automatic greetings: whether any exists, and the `backAt` of the latest out-of-hours reply. */
export async function greetingsOfTicket(
  db: Executor,
  ticketId: string,
): Promise<{ any: boolean; lastOutOfHoursBackAt: number | undefined }> {
  const rows = await db
    .selectFrom('messages')
    .select(['purpose', 'metadata'])
    .where('ticket_id', '=', ticketId)
    .where('purpose', 'in', ['auto_ack', 'out_of_hours'])
    .orderBy('id', 'desc')
    .execute();
  const ooh = rows.find((r) => r.purpose === 'out_of_hours');
  const backAt = ooh ? (JSON.parse(ooh.metadata) as { backAt?: number }).backAt : undefined;
  return { any: rows.length > 0, lastOutOfHoursBackAt: backAt };
}

export interface DigestRow {
  id: string;
  agentId: string;
  ticketId: string;
  channelId: string;
  recipient: { kind: string; address: string };
  count: number;
  last: { text: string; senderAddress: string; channelId: string; aboutMessageId: string };
}

/** One more notification for this agent and ticket goes into the pending digest (created when none is pending). */
export async function addToDigest(
  db: Executor,
  d: {
    agentId: string;
    ticketId: string;
    channelId: string;
    recipient: { kind: string; address: string };
    last: DigestRow['last'];
    dueAt: number;
  },
  now: number,
): Promise<void> {
  const lastText = JSON.stringify(d.last);
  const existing = await db
    .selectFrom('notification_digests')
    .select(['id', 'count'])
    .where('agent_id', '=', d.agentId)
    .where('ticket_id', '=', d.ticketId)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable('notification_digests')
      .set({ count: Number(existing.count) + 1, last_text: lastText })
      .where('id', '=', existing.id)
      .execute();
    return;
  }
  await db
    .insertInto('notification_digests')
    .values({
      id: newId(now),
      agent_id: d.agentId,
      ticket_id: d.ticketId,
      channel_id: d.channelId,
      recipient_kind: d.recipient.kind,
      recipient_address: d.recipient.address,
      count: 1,
      last_text: lastText,
      first_at: now,
      due_at: d.dueAt,
    })
    .execute();
}

export async function dueDigestIds(db: Executor, now: number, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('notification_digests').select('id').where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Takes a due digest (deletes it) in the caller's transaction; undefined when another gateway took it first. */
export async function takeDigest(db: Executor, id: string): Promise<DigestRow | undefined> {
  const r = await db.selectFrom('notification_digests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  const res = await db.deleteFrom('notification_digests').where('id', '=', id).executeTakeFirst();
  if (Number(res.numDeletedRows) !== 1) return undefined;
  return {
    id: r.id,
    agentId: r.agent_id,
    ticketId: r.ticket_id,
    channelId: r.channel_id,
    recipient: { kind: r.recipient_kind, address: r.recipient_address },
    count: Number(r.count),
    last: JSON.parse(r.last_text) as DigestRow['last'],
  };
}
