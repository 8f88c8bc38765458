/**
 * The database handle: kysely over better-sqlite3 (embedded default) or pg. Callers use
 * `db.kysely`; `dialect` is only for the few queries that must differ (row locking).
 *
 * Creating a handle does no I/O: the SQLite file (and its folder) is opened on the first query,
 * the pg pool connects on the first query. `createApp` relies on this to keep its promise of no
 * side effects before `start()`.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { type CompiledQuery, Kysely, PostgresDialect, type QueryResult, SqliteDialect, type Transaction } from 'kysely';
import { translate } from './search-fold.js';
import type { DB } from './tables.js';
import { BACKSTOP_PAGES, type Checkpointer, startCheckpointer } from './wal-checkpointer.js';

export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  kysely: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  destroy(): Promise<void>;
  /**
   * PostgreSQL only: LISTEN on `channel` over a dedicated connection outside the pool. `onEnd`
   * is called once when that connection breaks (not after `close()`); listen again to resume.
   */
  listen?(channel: string, onNotify: (payload: string) => void, onEnd: (err?: Error) => void): Promise<NotificationListener>;
  /**
   * SQLite file only, once opened (the app calls it in start()): WAL checkpoints from now on run
   * in a worker thread, not on the committing connection (wal-checkpointer.ts). Ended by destroy().
   */
  checkpointInBackground?(onError: (err: Error) => void): void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { driver: 'sqlite'; path: string }
  | { driver: 'postgres'; url: string; poolSize?: number; onIdleError?: (err: Error) => void };

type DirectRun = <R>(query: CompiledQuery<R>) => QueryResult<R>;
/** Per kysely adapter (a Kysely and its transactions share one): the SQLite connection's statements. */
const directRuns = new WeakMap<object, { run: DirectRun; inTransaction: () => boolean }>();

/**
 * SQLite, inside a transaction only: `query` run at once on the transaction's connection, as
 * kysely's SQLite driver runs it (same statement cache, same result shape), without kysely's
 * connection provider and its promise chain around every statement (issue 15: that chain cost the
 * form intake more JS than its SQL). Only a transaction: it owns the one connection, so nothing
 * else can be running on it; outside one, kysely's connection lock is what keeps a query out of
 * another caller's open transaction. Undefined elsewhere (PostgreSQL): use `executeQuery`.
 */
export function directRunOf(db: Executor): DirectRun | undefined {
  if (!db.isTransaction) return undefined;
  const direct = directRuns.get(db.getExecutor().adapter);
  // A transaction object used after its end (no transaction open on the connection) goes
  // through kysely, which refuses it ("already committed").
  return direct?.inTransaction() ? direct.run : undefined;
}

/**
 * PostgreSQL returns bigint (int8) as strings; our bigints are epoch ms and counters, safely
 * numbers. pg keeps type parsers in one process-wide table, so this is set when the first
 * PostgreSQL handle is created (not at import) and setting it again changes nothing.
 */
function parseBigintsAsNumbers(pg: PgModule): void {
  pg.types.setTypeParser(20, (v) => Number(v));
}

type PgModule = typeof import('pg');
/** Loaded when a PostgreSQL handle is created: a gateway on SQLite (the default) does not carry pg (about 10 MB of memory). */
const loadPg = (): PgModule => createRequire(import.meta.url)('pg');

/**
 * Kysely's SQLite driver prepares every query anew; preparing cost more than running the query on
 * the ingest hot path (bench/ingest.bench.ts). The generated SQL strings repeat, so keep their
 * prepared statements (bounded, least recently used out). One connection runs one statement at a
 * time, so a cached statement is never in use twice.
 */
function withStatementCache(
  db: SQLite.Database,
  onClose: () => void,
  max = 1000,
): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close: () => {
      cache.clear();
      db.close();
      onClose();
    },
  };
}

export function createDatabase(config: DatabaseConfig): Database {
  if (config.driver === 'sqlite') {
    const path = config.path;
    let handle: SQLite.Database | undefined;
    let statements: ReturnType<typeof withStatementCache> | undefined;
    let checkpointer: Checkpointer | undefined;
    const stopCheckpointer = async (): Promise<void> => {
      const running = checkpointer;
      checkpointer = undefined;
      await running?.stop();
    };
    // Kysely calls this once, on the first query.
    const open = async () => {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const sqlite = new SQLite(path);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
      // PostgreSQL's translate(), so one search query folds accents on both databases (search-fold.ts).
      sqlite.function('translate', { deterministic: true }, (s: unknown, from: unknown, to: unknown) =>
        translate(s === null ? null : String(s), String(from), String(to)),
      );
      handle = sqlite;
      statements = withStatementCache(sqlite, () => void stopCheckpointer());
      return statements;
    };
    const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: open }) });
    directRuns.set(kysely.getExecutor().adapter, {
      inTransaction: () => handle?.inTransaction === true,
      run: <R>(query: CompiledQuery<R>): QueryResult<R> => {
        const stmt = statements!.prepare(query.sql);
        if (stmt.reader) return { rows: stmt.all(query.parameters) as R[] };
        const { changes, lastInsertRowid } = stmt.run(query.parameters);
        return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
      },
    });
    const checkpointInBackground = (onError: (err: Error) => void) => {
      if (!handle?.open || handle.memory || checkpointer) return;
      checkpointer = startCheckpointer(path, { onError });
      handle.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    };
    // The checkpoint worker ends (its connection closed) before the app's connection closes: the
    // last connection to close folds the log into the file, and no file is touched afterwards.
    const destroy = async () => {
      await stopCheckpointer();
      await kysely.destroy();
    };
    return { kysely, dialect: 'sqlite', destroy, checkpointInBackground };
  }
  const pg = loadPg();
  parseBigintsAsNumbers(pg);
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10 });
  // An idle client whose server connection ends (restart, admin termination) emits 'error' on the
  // pool; unhandled, that would kill the process. The next query simply gets a new connection.
  pool.on('error', (err) => {
    config.onIdleError?.(err);
  });
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const listen = async (
    channel: string,
    onNotify: (payload: string) => void,
    onEnd: (err?: Error) => void,
  ): Promise<NotificationListener> => {
    const client = new pg.Client({ connectionString: config.url });
    let over = false;
    const end = (err?: Error) => {
      if (over) return;
      over = true;
      void client.end().catch(() => undefined);
      onEnd(err);
    };
    client.on('notification', (n) => {
      if (n.channel === channel) onNotify(n.payload ?? '');
    });
    client.on('error', (err) => end(err));
    client.on('end', () => end());
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      over = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    return {
      close: async () => {
        over = true;
        await client.end().catch(() => undefined);
      },
    };
  };
  return { kysely, dialect: 'postgres', destroy: () => kysely.destroy(), listen };
}
