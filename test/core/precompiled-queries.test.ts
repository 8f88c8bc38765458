/**
 * Queries compiled once per shape and database (src/db/precompiled.ts, issue 15): one process can
 * hold a SQLite and a PostgreSQL database at once (a migration, a test run, an export), and each
 * must get SQL of its own dialect; a value is bound, never built into the SQL; a list of another
 * length is another shape.
 */
import { migrateToLatest } from '../../src/db/migrator.js';
import type { Executor } from '../../src/db/database.js';
import { insertRow, runShaped } from '../../src/db/precompiled.js';
import { findKnownMessage, insertReceipts } from '../../src/db/repositories/receipt.repository.js';
import { databaseKinds, type ScratchDatabase, scratchDatabase } from './db-fixtures.js';

describe('precompiled queries', () => {
  const dbs: ScratchDatabase[] = [];

  beforeAll(async () => {
    for (const kind of databaseKinds()) {
      const s = await scratchDatabase(kind);
      const migrated = await migrateToLatest(s.database);
      if (migrated.error) throw migrated.error;
      dbs.push(s);
    }
  });
  afterAll(async () => {
    for (const s of dbs) await s.drop();
  });

  it('runs the same shapes on every open database, each with its own values', async () => {
    for (const [i, s] of dbs.entries()) {
      const db = s.database.kysely;
      await insertReceipts(db, 'mail', [`<a-${i}@x>`], { outcome: 'ignored', ticketId: null, messageId: null, reason: `r${i}` }, 1000 + i);
    }
    for (const [i, s] of dbs.entries()) {
      const db = s.database.kysely;
      const known = await findKnownMessage(db, 'mail', [`<a-${i}@x>`], `<a-${i}@x>`, 'no-such-hash');
      expect(known).toEqual({ receipt: { ticketId: null, messageId: null }, erased: false, stored: undefined });
      // The other database's receipt is not here: the values were bound per call.
      const other = await findKnownMessage(db, 'mail', [`<a-${1 - i}@x>`], `<a-${1 - i}@x>`, 'no-such-hash');
      expect(other.receipt).toBeUndefined();
      const rows = await db.selectFrom('inbound_receipts').select(['external_id', 'reason', 'received_at']).execute();
      expect(rows).toEqual([{ external_id: `<a-${i}@x>`, reason: `r${i}`, received_at: 1000 + i }]);
    }
  });

  it("puts each value of a row in its own column, whatever the order of the row's keys", async () => {
    // insertRow reuses a table's last insert shape: rows with the same columns in another order, or
    // fewer columns, must not bind one value (a reason someone typed) into another's column.
    for (const s of dbs) {
      const db = s.database.kysely;
      await insertRow(db, 'inbound_receipts', {
        channel_id: 'form',
        external_id: 'k-1',
        outcome: 'ignored',
        reason: 'first',
        received_at: 1,
      });
      await insertRow(db, 'inbound_receipts', {
        reason: 'second',
        received_at: 2,
        external_id: 'k-2',
        outcome: 'ignored',
        channel_id: 'form',
      });
      await insertRow(db, 'inbound_receipts', { external_id: 'k-3', channel_id: 'mail', received_at: 3, outcome: 'duplicate' });
      await insertRow(db, 'inbound_receipts', {
        channel_id: 'form',
        external_id: 'k-4',
        outcome: 'ignored',
        reason: 'fourth',
        received_at: 4,
      });
      const rows = await db
        .selectFrom('inbound_receipts')
        .select(['channel_id', 'external_id', 'outcome', 'reason', 'received_at'])
        .where('external_id', 'like', 'k-%')
        .orderBy('external_id')
        .execute();
      expect(rows).toEqual([
        { channel_id: 'form', external_id: 'k-1', outcome: 'ignored', reason: 'first', received_at: 1 },
        { channel_id: 'form', external_id: 'k-2', outcome: 'ignored', reason: 'second', received_at: 2 },
        { channel_id: 'mail', external_id: 'k-3', outcome: 'duplicate', reason: null, received_at: 3 },
        { channel_id: 'form', external_id: 'k-4', outcome: 'ignored', reason: 'fourth', received_at: 4 },
      ]);
    }
  });

  it('treats a list of another length as another shape', async () => {
    for (const s of dbs) {
      const db = s.database.kysely;
      await insertRow(db, 'erasure_tombstones', { hash: 'h-1', created_at: 1 });
      await insertRow(db, 'erasure_tombstones', { hash: "h-2'); drop table messages; --", created_at: 2 });
      const find = (hashes: string[]) =>
        runShaped<{ hash: string }>(
          db,
          `test-tombstones:${hashes.length}`,
          (p) =>
            db
              .selectFrom('erasure_tombstones')
              .select('hash')
              .where(
                'hash',
                'in',
                hashes.map((_, i) => p(`h${i}`)),
              )
              .orderBy('hash'),
          Object.fromEntries(hashes.map((h, i) => [`h${i}`, h])),
        );
      expect((await find(['h-1'])).rows).toEqual([{ hash: 'h-1' }]);
      expect((await find(['h-1', "h-2'); drop table messages; --"])).rows.map((r) => r.hash)).toEqual([
        'h-1',
        "h-2'); drop table messages; --",
      ]);
      expect((await find(['nothing'])).rows).toEqual([]);
      // The quoted value went in as a value: the table is still there.
      await expect(db.selectFrom('messages').select('id').execute()).resolves.toEqual([]);
    }
  });

  it('refuses a call that leaves a value out, and writes nothing', async () => {
    for (const s of dbs) {
      const db = s.database.kysely;
      const run = () =>
        runShaped(
          db,
          'test-insert-tombstone',
          (p) => db.insertInto('erasure_tombstones').values({ hash: p('hash'), created_at: p('at') }),
          {
            hash: 'h-missing',
          },
        );
      await expect(run()).rejects.toThrow('no value for at');
      const rows = await db.selectFrom('erasure_tombstones').select('hash').where('hash', '=', 'h-missing').execute();
      expect(rows).toEqual([]);
    }
  });

  it('inside a transaction, writes and reads its own rows, rolls them back with it, and refuses the transaction once it ended', async () => {
    for (const [i, s] of dbs.entries()) {
      const db = s.database.kysely;
      let ended: Executor | undefined;
      await db.transaction().execute(async (trx) => {
        ended = trx;
        await insertRow(trx, 'erasure_tombstones', { hash: `kept-${i}`, created_at: 1 });
        const seen = await findKnownMessage(trx, 'mail', ['<none@x>'], '<none@x>', `kept-${i}`);
        expect(seen.erased).toBe(true);
      });
      await expect(
        db.transaction().execute(async (trx) => {
          await insertRow(trx, 'erasure_tombstones', { hash: `undone-${i}`, created_at: 1 });
          throw new Error('abandon');
        }),
      ).rejects.toThrow('abandon');
      const hashes = (await db.selectFrom('erasure_tombstones').select('hash').where('hash', 'like', '%ne-%').execute()).map((r) => r.hash);
      expect(hashes).not.toContain(`undone-${i}`);
      expect((await findKnownMessage(db, 'mail', ['<none@x>'], '<none@x>', `kept-${i}`)).erased).toBe(true);
      // A transaction object kept past its end writes nothing anywhere.
      await expect(insertRow(ended!, 'erasure_tombstones', { hash: `late-${i}`, created_at: 1 })).rejects.toThrow(/already committed/);
      expect(await db.selectFrom('erasure_tombstones').select('hash').where('hash', '=', `late-${i}`).execute()).toEqual([]);
    }
  });
});
