/**
 * Token buckets in the database, shared by every gateway process (PostgreSQL). One statement
 * refills, takes and answers under the row lock of INSERT … ON CONFLICT DO UPDATE, so two
 * processes taking at once never both spend the last token.
 */
import { sql } from 'kysely';
import type { Executor } from '../database.js';

export interface BucketTake {
  allowed: boolean;
  /** Tokens left after this take (fractional). */
  tokens: number;
}

/** PostgreSQL only (LEAST/GREATEST, typed parameters). */
export async function takeToken(db: Executor, key: string, capacity: number, nowMs: number): Promise<BucketTake> {
  const perMs = capacity / 60_000;
  const refill = sql`least(${capacity}::double precision, rate_buckets.tokens + greatest(0, ${nowMs}::bigint - rate_buckets.at) * ${perMs}::double precision)`;
  const res = await sql<{ tokens: number; allowed: number }>`
    insert into rate_buckets (key, tokens, at, allowed) values (${key}, ${capacity - 1}::double precision, ${nowMs}::bigint, 1)
    on conflict (key) do update set
      tokens = case when ${refill} >= 1 then ${refill} - 1 else ${refill} end,
      allowed = case when ${refill} >= 1 then 1 else 0 end,
      at = greatest(rate_buckets.at, ${nowMs}::bigint)
    returning tokens, allowed`.execute(db);
  const row = res.rows[0]!;
  return { allowed: Number(row.allowed) === 1, tokens: Number(row.tokens) };
}

/** Buckets untouched since `before` are full again, the same as absent: drop them. */
export async function deleteIdleBuckets(db: Executor, before: number): Promise<number> {
  const res = await db.deleteFrom('rate_buckets').where('at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
