/**
 * Databases for core integration tests: a temporary SQLite file, or a fresh PostgreSQL database
 * (created and dropped per use) when PONTE_TEST_POSTGRES_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDatabase, type Database } from '../../src/db/database.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';

export type DbKind = 'sqlite' | 'postgres';

/** The databases to run a suite against: SQLite always, PostgreSQL when configured (loud skip otherwise). */
export function databaseKinds(): DbKind[] {
  return serviceAvailable('postgresql', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL not set') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * `describe.each` over both databases, where a PostgreSQL variant that cannot run is registered
 * as skipped (counted as skipped in the summary, with the reason listed), never as passed.
 * With PONTE_TEST_REQUIRE_SERVICES=1 a missing PostgreSQL fails instead.
 */
export function describeEachDatabase(title: string, fn: (kind: DbKind) => void): void {
  const available = databaseKinds();
  for (const kind of ['sqlite', 'postgres'] as const) {
    (available.includes(kind) ? describe : describe.skip)(title.replace('%s', kind), () => fn(kind));
  }
}

let counter = 0;

export interface ScratchDatabase {
  database: Database;
  /** The config block for createApp / startTestApp pointing at the same database. */
  config: { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string; poolSize: number };
  drop(): Promise<void>;
}

/** An empty database (no migrations run). */
export async function scratchDatabase(kind: DbKind): Promise<ScratchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-core-'));
    const path = join(dir, 'ponte.db');
    const database = createDatabase({ driver: 'sqlite', path });
    return {
      database,
      config: { driver: 'sqlite', path },
      async drop() {
        await database.destroy().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = postgresUrl()!;
  const name = `ponte_core_${process.pid}_${Date.now()}_${counter++}`;
  const admin = createDatabase({ driver: 'postgres', url, poolSize: 1 });
  await sql.raw(`CREATE DATABASE ${name}`).execute(admin.kysely);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = createDatabase({ driver: 'postgres', url: u.toString(), poolSize: 4 });
  return {
    database,
    config: { driver: 'postgres', url: u.toString(), poolSize: 4 },
    async drop() {
      await database.destroy().catch(() => {});
      // Let closing pools finish first: FORCE on a connection still closing is an unhandled client error.
      for (let i = 0; i < 40; i++) {
        const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`.execute(admin.kysely);
        if (r.rows[0]?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await sql
        .raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        .execute(admin.kysely)
        .catch(() => {});
      await admin.destroy();
    },
  };
}
