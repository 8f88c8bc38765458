import { sql } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { Database, Executor } from '../database.js';
import type { OutboxRow } from '../tables.js';

export async function enqueue(db: Executor, input: { messageId: string; channelId: string; dueAt: number }, now: number): Promise<string> {
  const id = newId(now);
  await db
    .insertInto('outbox')
    .values({ id, message_id: input.messageId, channel_id: input.channelId, status: 'pending', attempts: 0, next_attempt_at: input.dueAt, claimed_by: null, claim_expires_at: null, last_error_code: null, last_error: null, created_at: now, updated_at: now })
    .execute();
  return id;
}

/**
 * Claims due rows for this worker: pending rows whose time has come, and rows whose previous
 * claim expired (a worker died mid-send). PostgreSQL skips rows other workers hold.
 */
export async function claimDue(database: Database, worker: string, now: number, limit: number, claimTtlMs: number): Promise<OutboxRow[]> {
  return database.kysely.transaction().execute(async (trx) => {
    let select = trx
      .selectFrom('outbox')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('claim_expires_at', '<', now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .limit(limit);
    if (database.dialect === 'postgres') select = select.forUpdate().skipLocked();
    const ids = (await select.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    return trx
      .updateTable('outbox')
      .set({ status: 'sending', claimed_by: worker, claim_expires_at: now + claimTtlMs, attempts: sql`attempts + 1`, updated_at: now })
      .where('id', 'in', ids)
      .returningAll()
      .execute();
  });
}

export async function markSent(db: Executor, id: string, worker: string, now: number): Promise<void> {
  await db.updateTable('outbox').set({ status: 'sent', claimed_by: null, claim_expires_at: null, updated_at: now }).where('id', '=', id).where('claimed_by', '=', worker).execute();
}

export async function markRetry(db: Executor, id: string, worker: string, nextAt: number, code: string, error: string, now: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'pending', next_attempt_at: nextAt, claimed_by: null, claim_expires_at: null, last_error_code: code, last_error: error, updated_at: now })
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
  const r = await db.selectFrom('outbox').select((eb) => eb.fn.min('next_attempt_at').as('due')).where('status', '=', 'pending').executeTakeFirst();
  return r?.due == null ? undefined : Number(r.due);
}

