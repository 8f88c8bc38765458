import type { Executor } from '../database.js';

/** Acquire or renew: succeeds when the lease is free, expired, or already ours. */
export async function acquireLease(db: Executor, name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
  const expires = now + ttlMs;
  await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expires })
        .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now)])),
    )
    .execute();
  const row = await db.selectFrom('leases').select(['holder']).where('name', '=', name).executeTakeFirst();
  return row?.holder === holder;
}

export async function releaseLease(db: Executor, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
