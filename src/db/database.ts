/**
 * The database handle: kysely over better-sqlite3 (embedded default) or pg. Callers use
 * `db.kysely`; `dialect` is only for the few queries that must differ (row locking).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './tables.js';

export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  kysely: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  destroy(): Promise<void>;
}

export type DatabaseConfig = { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string; poolSize?: number };

// PostgreSQL returns bigint (int8) as strings; our bigints are epoch ms and counters, safely numbers.
pg.types.setTypeParser(20, (v) => Number(v));

export function createDatabase(config: DatabaseConfig): Database {
  if (config.driver === 'sqlite') {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    const sqlite = new SQLite(config.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { kysely, dialect: 'sqlite', destroy: () => kysely.destroy() };
  }
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10 });
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', destroy: () => kysely.destroy() };
}
