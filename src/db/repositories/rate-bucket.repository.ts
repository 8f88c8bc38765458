/**
 * Token buckets in the database, shared by every gateway process (PostgreSQL). One statement
 * refills, takes and answers under the row lock of INSERT … ON CONFLICT DO UPDATE, so two
 * processes taking at once never both spend the last token. `allowed` holds the number of
 * tokens the last take was granted.
 */
import { sql } from 'kysely';
import type { Executor } from '../database.js';

export interface BucketTake {
  /** Tokens handed out by this take: 0 (refused) up to `want`. */
  granted: number;
  /** Tokens left in the bucket after this take (fractional). */
  tokens: number;
}

/**
 * Takes up to `want` whole tokens (at least one, or none) from `key`'s bucket of `capacity`
 * tokens refilled over a minute. PostgreSQL only (LEAST/GREATEST, typed parameters); every
 * SET expression reads the row as it was before the update.
 */
export async function takeTokens(db: Executor, key: string, capacity: number, want: number, nowMs: number): Promise<BucketTake> {
  const perMs = capacity / 60_000;
  const n = Math.max(1, Math.min(Math.floor(want), capacity));
  const refill = sql`least(${capacity}::double precision, rate_buckets.tokens + greatest(0, ${nowMs}::bigint - rate_buckets.at) * ${perMs}::double precision)`;
  const grant = sql`(case when ${refill} >= 1 then least(${n}::double precision, floor(${refill})) else 0 end)`;
  const res = await sql<{ tokens: number; allowed: number }>`
    insert into rate_buckets (key, tokens, at, allowed) values (${key}, ${capacity - n}::double precision, ${nowMs}::bigint, ${n}::integer)
    on conflict (key) do update set
      tokens = ${refill} - ${grant},
      allowed = ${grant}::integer,
      at = greatest(rate_buckets.at, ${nowMs}::bigint)
    returning tokens, allowed`.execute(db);
  const row = res.rows[0]!;
  return { granted: Number(row.allowed), tokens: Number(row.tokens) };
}

/** Buckets untouched since `before` are full again, the same as absent: drop them. */
export async function deleteIdleBuckets(db: Executor, before: number): Promise<number> {
  const res = await db.deleteFrom('rate_buckets').where('at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
