/**
 * Claiming due work rows (outbox messages, automation timers) for one worker. The caller's use
 * case opens the transaction: the select and the claim happen in it, so two gateways never take
 * the same row (PostgreSQL skips rows another worker holds locked; SQLite has one writer).
 * A claim lasts `ttlMs`: rows whose claim expired (a worker died mid-run) are due again, which
 * each table's `due` condition includes.
 */
import type { Expression, ExpressionBuilder, Selectable, SqlBool, Transaction, UpdateObject } from 'kysely';
import type { Database } from '../database.js';
import type { DB } from '../tables.js';

/** Tables whose rows are claimed: they have `id`, `claimed_by` and `claim_expires_at`. */
export type ClaimableTable = 'outbox' | 'timers';

export interface ClaimRequest<T extends ClaimableTable> {
  worker: string;
  now: number;
  limit: number;
  ttlMs: number;
  /** Rows that may be claimed now (due, or their previous claim expired). */
  due: (eb: ExpressionBuilder<DB, T>) => Expression<SqlBool>;
  /** Oldest first by this column. */
  orderBy: 'next_attempt_at' | 'due_at';
  /** More columns set on the claimed rows (the outbox marks them `sending` and counts the attempt). */
  set?: UpdateObject<DB, T>;
}

export async function claimDueRows<T extends ClaimableTable>(
  trx: Transaction<DB>,
  dialect: Database['dialect'],
  table: T,
  req: ClaimRequest<T>,
): Promise<Array<Selectable<DB[T]>>> {
  // Kysely cannot check a query over a table chosen by a type parameter; the request is typed above.
  const q = trx as unknown as Transaction<any>;
  const name = table as string;
  let select = q
    .selectFrom(name)
    .select('id')
    .where(req.due as never)
    .orderBy(req.orderBy)
    .limit(req.limit);
  if (dialect === 'postgres') select = select.forUpdate().skipLocked();
  const ids = (await select.execute()).map((r: { id: string }) => r.id);
  if (ids.length === 0) return [];
  return q
    .updateTable(name)
    .set({ ...req.set, claimed_by: req.worker, claim_expires_at: req.now + req.ttlMs })
    .where('id', 'in', ids)
    .returningAll()
    .execute() as Promise<Array<Selectable<DB[T]>>>;
}
