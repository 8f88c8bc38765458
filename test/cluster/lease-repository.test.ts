/** Leases on both databases: one holder at a time, the epoch grows with each new holder and never goes back. */
import { migrateToLatest } from '../../src/db/migrator.js';
import { acquireLease, holdsLeaseForUpdate, POSTGRES_NOW, releaseLease, takeLease } from '../../src/db/repositories/lease.repository.js';
import { describeEachDatabase, scratchDatabase, type ScratchDatabase } from '../core/db-fixtures.js';

describeEachDatabase('leases on %s', (kind) => {
  let s: ScratchDatabase;
  beforeEach(async () => {
    s = await scratchDatabase(kind);
    expect((await migrateToLatest(s.database)).error).toBeUndefined();
  });
  afterEach(() => s.drop());

  test('a lease has one holder until it expires; renewals keep the epoch, each new holder gets the next one, a release does not reset it', async () => {
    const db = s.database.kysely;
    const T = 1_000_000;
    expect(await takeLease(db, 'source:box', 'a', T, 1000)).toEqual({ held: true, holder: 'a', epoch: 1, expiresAt: T + 1000, dbNow: T });
    // A refused taker learns when the holder's lease ends, on the clock it passed.
    expect(await takeLease(db, 'source:box', 'b', T + 500, 1000)).toMatchObject({
      held: false,
      holder: 'a',
      epoch: 1,
      expiresAt: T + 1000,
      dbNow: T + 500,
    });
    expect(await takeLease(db, 'source:box', 'a', T + 900, 1000)).toMatchObject({ held: true, epoch: 1, expiresAt: T + 1900 });
    // a stops renewing: after expiry b takes it with the next epoch.
    expect(await takeLease(db, 'source:box', 'b', T + 2000, 1000)).toMatchObject({ held: true, holder: 'b', epoch: 2 });
    expect(await acquireLease(db, 'source:box', 'a', T + 2100, 1000)).toBe(false);
    await releaseLease(db, 'source:box', 'b');
    expect(await takeLease(db, 'source:box', 'a', T + 2200, 1000)).toMatchObject({ held: true, holder: 'a', epoch: 3 });
  });

  if (kind === 'postgres') {
    test('on PostgreSQL the database clock judges expiry, and the fence sees only the current holder and epoch', async () => {
      const db = s.database.kysely;
      const first = await takeLease(db, 'source:box', 'a', POSTGRES_NOW, 60_000);
      expect(first).toMatchObject({ held: true, epoch: 1 });
      expect(Math.abs(first.expiresAt - (Date.now() + 60_000))).toBeLessThan(5_000);
      expect(Math.abs(first.expiresAt - first.dbNow - 60_000)).toBeLessThan(5);
      const refused = await takeLease(db, 'source:box', 'b', POSTGRES_NOW, 60_000);
      expect(refused).toMatchObject({ held: false, holder: 'a' });
      // The time left, by the database's clock, for a standby to ask again right when it ends.
      expect(refused.expiresAt - refused.dbNow).toBeGreaterThan(55_000);
      expect(refused.expiresAt - refused.dbNow).toBeLessThanOrEqual(60_000);
      expect(await db.transaction().execute((trx) => holdsLeaseForUpdate(trx, 'source:box', 'a', 1))).toBe(true);
      expect(await db.transaction().execute((trx) => holdsLeaseForUpdate(trx, 'source:box', 'a', 0))).toBe(false);
      expect(await db.transaction().execute((trx) => holdsLeaseForUpdate(trx, 'source:box', 'b', 1))).toBe(false);
    });
  }
});
