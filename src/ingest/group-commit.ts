/**
 * Group commit (issue 15): work items that arrive together (an IMAP batch, concurrent webhook
 * or form posts) run in ONE database transaction, each inside its own savepoint, so one that
 * fails is rolled back alone and never fails its neighbours. Every caller is answered after the
 * commit, with its own result or its own error: what a caller sees is exactly what it would
 * see from a transaction of its own.
 *
 * A batch is first run without savepoints: when every item succeeds (nearly always), the result is
 * exactly what the savepoints would have given (releasing a savepoint undoes nothing), and each
 * savepoint cost SQLite a statement journal of every page the item touched (bare better-sqlite3,
 * Ponte's form rows in batches of 6: 0.52 ms CPU per ticket with a savepoint each, 0.37 without;
 * on PostgreSQL two round trips per item). When one item fails, that whole attempt is rolled back
 * (nothing of it is written) and the batch runs again, each item in its own savepoint.
 *
 * A lone item runs in a plain transaction (no savepoint). If the shared transaction itself
 * fails (the commit, a savepoint command, a lost connection), nothing of the batch is written
 * and each item is run again alone, in its own transaction.
 *
 * One batch is in flight at a time: arrivals wait for it and form the next batch (SQLite has one
 * connection anyway; on PostgreSQL this keeps one connection per gateway on the ingest path).
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { executeOn } from '../db/precompiled.js';
import type { DB } from '../db/tables.js';

export interface GroupCommit<I, O> {
  submit(item: I): Promise<O>;
}

export interface GroupCommitOptions {
  /** Most items in one transaction: bounds how long one commit holds the database. */
  maxBatch?: number;
}

// The same words on SQLite and PostgreSQL; issued as written (kysely's savepoint() builds a
// transaction object per call, which showed in the ingest profile). Every item runs on the batch's
// transaction between them.
const SAVEPOINT = CompiledQuery.raw('savepoint envelope');
const RELEASE = CompiledQuery.raw('release savepoint envelope');
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint envelope');

type Pending<I, O> = { item: I; resolve: (o: O) => void; reject: (err: unknown) => void };
type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export function createGroupCommit<I, O>(
  database: Database,
  run: (trx: Transaction<DB>, item: I) => Promise<O>,
  options: GroupCommitOptions = {},
): GroupCommit<I, O> {
  const maxBatch = Math.max(1, options.maxBatch ?? 100);
  const queue: Array<Pending<I, O>> = [];
  let draining = false;

  async function alone(p: Pending<I, O>): Promise<void> {
    try {
      p.resolve(await database.kysely.transaction().execute((trx) => run(trx, p.item)));
    } catch (err) {
      p.reject(err);
    }
  }

  async function together(batch: Array<Pending<I, O>>): Promise<void> {
    let settled: Array<Settled<O>>;
    try {
      settled = (await withoutSavepoints(batch)) ?? (await inOneTransaction(batch));
    } catch {
      // The shared transaction failed as a whole: nothing was written; each item gets its own.
      for (const p of batch) await alone(p);
      return;
    }
    batch.forEach((p, i) => {
      const s = settled[i]!;
      if (s.ok) p.resolve(s.value);
      else p.reject(s.error);
    });
  }

  /**
   * `body` on a transaction of its own: committed when it returns a result, rolled back when it
   * returns undefined or throws (the error goes on to the caller).
   */
  async function inTransaction<T>(body: (trx: Transaction<DB>) => Promise<T | undefined>): Promise<T | undefined> {
    const trx = await database.kysely.startTransaction().execute();
    try {
      const out = await body(trx);
      if (out === undefined) await trx.rollback().execute();
      else await trx.commit().execute();
      return out;
    } catch (err) {
      if (!trx.isCommitted && !trx.isRolledBack)
        await trx
          .rollback()
          .execute()
          .catch(() => {});
      throw err;
    }
  }

  /** Every item in one transaction, no savepoints; undefined (all rolled back) when one of them fails. */
  function withoutSavepoints(batch: Array<Pending<I, O>>): Promise<Array<Settled<O>> | undefined> {
    return inTransaction(async (trx) => {
      const settled: Array<Settled<O>> = [];
      for (const p of batch) {
        try {
          settled.push({ ok: true, value: await run(trx, p.item) });
        } catch {
          return undefined;
        }
      }
      return settled;
    });
  }

  /** Every item in one transaction, each in its own savepoint: one that fails is undone alone. */
  async function inOneTransaction(batch: Array<Pending<I, O>>): Promise<Array<Settled<O>>> {
    const settled = await inTransaction(async (trx) => {
      const out: Array<Settled<O>> = [];
      for (const p of batch) {
        await executeOn(trx, SAVEPOINT);
        try {
          const value = await run(trx, p.item);
          await executeOn(trx, RELEASE);
          out.push({ ok: true, value });
        } catch (error) {
          await executeOn(trx, ROLLBACK_TO);
          await executeOn(trx, RELEASE);
          out.push({ ok: false, error });
        }
      }
      return out;
    });
    return settled!;
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        if (batch.length === 1) await alone(batch[0]!);
        else await together(batch);
      }
    } finally {
      draining = false;
    }
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (draining) return;
        draining = true;
        // Let the arrivals of this turn of the event loop join the first batch.
        setImmediate(() => void drain());
      });
    },
  };
}
