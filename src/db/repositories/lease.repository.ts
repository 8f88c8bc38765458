import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../database.js';

/** Who holds a lease after an attempt, and its fencing epoch (grows by one per new holder). */
export interface LeaseState {
  held: boolean;
  holder: string;
  epoch: number;
  expiresAt: number;
  /** The clock `now` read when the statement ran (the database's, with POSTGRES_NOW): `expiresAt - dbNow` is the time left. */
  dbNow: number;
}

/** PostgreSQL's own clock in epoch ms: every machine judges expiry by one clock, so skew between gateways does not matter. */
export const POSTGRES_NOW: RawBuilder<number> = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Acquire or renew: succeeds when the lease is free, expired, or already ours. The epoch grows
 * when the holder changes and stays on a renewal. `now` is a time in ms, or POSTGRES_NOW.
 */
export async function takeLease(
  db: Executor,
  name: string,
  holder: string,
  now: number | RawBuilder<number>,
  ttlMs: number,
): Promise<LeaseState> {
  // A plain number is added here: PostgreSQL cannot type `$1 + $2` from two bare parameters.
  const expires = typeof now === 'number' ? now + ttlMs : sql<number>`${now} + ${ttlMs}::bigint`;
  const dbNow = (typeof now === 'number' ? sql<number>`${sql.lit(Math.floor(now))}` : now).as('db_now');
  const taken = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expires, epoch: 1 })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({
          holder,
          expires_at: expires,
          epoch: sql<number>`case when leases.holder = ${holder} then leases.epoch else leases.epoch + 1 end`,
        })
        .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now)])),
    )
    .returning(['holder', 'epoch', 'expires_at', dbNow])
    .executeTakeFirst();
  const row =
    taken ?? (await db.selectFrom('leases').select(['holder', 'epoch', 'expires_at', dbNow]).where('name', '=', name).executeTakeFirst());
  return {
    held: row?.holder === holder,
    holder: row?.holder ?? '',
    epoch: Number(row?.epoch ?? 0),
    expiresAt: Number(row?.expires_at ?? 0),
    dbNow: row ? Number(row.db_now) : typeof now === 'number' ? now : 0,
  };
}

/** Acquire or renew; true when this holder now has the lease until now+ttlMs. */
export async function acquireLease(db: Executor, name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
  return (await takeLease(db, name, holder, now, ttlMs)).held;
}

/** Gives the lease up at once. The row stays (holder '') so its epoch keeps growing. */
export async function releaseLease(db: Executor, name: string, holder: string): Promise<void> {
  await db.updateTable('leases').set({ holder: '', expires_at: 0 }).where('name', '=', name).where('holder', '=', holder).execute();
}

/**
 * The fence for a write made under a lease, inside the writing transaction (PostgreSQL): true
 * while `holder` still holds `name` at `epoch`. The row stays share-locked until the
 * transaction ends, so a takeover waits for this write and then sees it.
 */
export async function holdsLeaseForUpdate(trx: Executor, name: string, holder: string, epoch: number): Promise<boolean> {
  const row = await trx
    .selectFrom('leases')
    .select('epoch')
    .where('name', '=', name)
    .where('holder', '=', holder)
    .where('epoch', '=', epoch)
    .forShare()
    .executeTakeFirst();
  return !!row;
}

/** The same fence on SQLite: one connection, so the writing transaction already keeps a takeover out (no row lock there). */
export async function holdsLease(trx: Executor, name: string, holder: string, epoch: number): Promise<boolean> {
  const row = await trx
    .selectFrom('leases')
    .select('epoch')
    .where('name', '=', name)
    .where('holder', '=', holder)
    .where('epoch', '=', epoch)
    .executeTakeFirst();
  return !!row;
}
