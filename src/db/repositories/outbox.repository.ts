import { sql, type Transaction } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { Database, Executor } from '../database.js';
import type { DB, OutboxRow } from '../tables.js';
import { claimDueRows } from './claim.repository.js';

export async function enqueue(db: Executor, input: { messageId: string; channelId: string; dueAt: number }, now: number): Promise<string> {
  const id = newId(now);
  await db
    .insertInto('outbox')
    .values({
      id,
      message_id: input.messageId,
      channel_id: input.channelId,
      status: 'pending',
      attempts: 0,
      next_attempt_at: input.dueAt,
      claimed_by: null,
      claim_expires_at: null,
      last_error_code: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/**
 * Claims due rows for this worker in the caller's transaction: pending rows whose time has
 * come, and rows whose previous claim expired (a worker died mid-send). Each claim counts as an
 * attempt.
 */
export async function claimDueOutbox(
  trx: Transaction<DB>,
  dialect: Database['dialect'],
  worker: string,
  now: number,
  limit: number,
  claimTtlMs: number,
): Promise<OutboxRow[]> {
  return claimDueRows(trx, dialect, 'outbox', {
    worker,
    now,
    limit,
    ttlMs: claimTtlMs,
    due: (eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'sending'), eb('claim_expires_at', '<', now)]),
      ]),
    orderBy: 'next_attempt_at',
    set: { status: 'sending', attempts: sql`attempts + 1`, updated_at: now },
  });
}

export async function markSent(db: Executor, id: string, worker: string, now: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'sent', claimed_by: null, claim_expires_at: null, updated_at: now })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function markRetry(
  db: Executor,
  id: string,
  worker: string,
  nextAt: number,
  code: string,
  error: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status: 'pending',
      next_attempt_at: nextAt,
      claimed_by: null,
      claim_expires_at: null,
      last_error_code: code,
      last_error: error,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function markFailed(db: Executor, id: string, worker: string, code: string, error: string, now: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'failed', claimed_by: null, claim_expires_at: null, last_error_code: code, last_error: error, updated_at: now })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function nextDueAt(db: Executor): Promise<number | undefined> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('due'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return r?.due == null ? undefined : Number(r.due);
}
