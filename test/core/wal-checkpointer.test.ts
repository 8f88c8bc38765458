/**
 * WAL checkpoints in a worker thread (src/db/wal-checkpointer.ts): once the app has started,
 * what it commits reaches the SQLite database file itself without its own connection copying it
 * (the copy used to run on the main thread, in the middle of requests), and nothing is lost.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { createDatabase, type Database } from '../../src/db/database.js';
import { startTestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

/** Rows of `table` in the database file alone, as a copy without its -wal file sees them (-1: no such table there yet). */
function rowsInMainFile(path: string, table: string, dir: string): number {
  const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(path, copy);
  const db = new SQLite(copy, { readonly: true });
  try {
    const found = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table);
    return found ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : -1;
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('WAL checkpoints in the background', () => {
  let dir: string;
  let database: Database | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ponte-ckpt-'));
  });
  afterEach(async () => {
    await database?.destroy();
    database = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed rows into the database file while the connection goes on writing', async () => {
    const path = join(dir, 'ponte.db');
    database = createDatabase({ driver: 'sqlite', path });
    const db = database.kysely;
    await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(db);
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    for (let i = 0; i < 20; i++) await sql`INSERT INTO notes (body) VALUES (${`before ${i}`})`.execute(db);
    // Without the worker, a small log stays in the -wal file: the file alone has none of the rows.
    await new Promise((r) => setTimeout(r, 400));
    expect(rowsInMainFile(path, 'notes', dir)).toBe(0);

    const errors: Error[] = [];
    database.checkpointInBackground!((err) => errors.push(err));
    for (let i = 0; i < 20; i++) await sql`INSERT INTO notes (body) VALUES (${`after ${i}`})`.execute(db);
    expect(await until(() => rowsInMainFile(path, 'notes', dir) === 40)).toBe(true);
    // The app's connection sees every row, and a backstop keeps its own checkpoints far apart.
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM notes`.execute(db)).rows[0]!.n).toBe(40);
    expect((await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db)).rows[0]!.wal_autocheckpoint).toBe(10_000);
    expect(errors).toEqual([]);
  });

  it('once the database is closed, nothing touches its folder any more (the worker ended first)', async () => {
    const path = join(dir, 'ponte.db');
    database = createDatabase({ driver: 'sqlite', path });
    await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(database.kysely);
    database.checkpointInBackground!(() => undefined);
    await sql`INSERT INTO notes (body) VALUES ('one')`.execute(database.kysely);
    expect(await until(() => rowsInMainFile(path, 'notes', dir) === 1)).toBe(true);
    // The worker's connection used to close after destroy() had returned: the last to close, it
    // folded the log and removed the -wal/-shm files while the caller was already removing the
    // folder (ENOTEMPTY in CI).
    await database.destroy();
    database = undefined;
    const changes: string[] = [];
    const watcher = watch(dir, (event, name) => changes.push(`${event} ${name}`));
    try {
      await new Promise((r) => setTimeout(r, 600));
    } finally {
      watcher.close();
    }
    expect({ changes, files: readdirSync(dir).filter((f) => !f.startsWith('copy-')) }).toEqual({ changes: [], files: ['ponte.db'] });
  });

  it('is started by the app: a ticket created through it reaches the database file', async () => {
    const mail = createTestChannelDefinition('test', 'email');
    const t = await startTestApp({ definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }] });
    try {
      const outcome = await t.app.ingest('mail', {
        message: {
          externalId: 'ckpt-1',
          from: { kind: 'email', address: 'ana@example.com' },
          text: 'Meu pedido não chegou',
          subject: 'Pedido',
        },
      });
      expect(outcome.status).toBe('created');
      const path = join(t.dataDir, 'ponte.db');
      expect(await until(() => rowsInMainFile(path, 'tickets', dir) === 1)).toBe(true);
    } finally {
      await t.stop();
    }
  });
});
