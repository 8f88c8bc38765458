/**
 * Rate limits counted in the database, so that a limit holds across every gateway process
 * (PostgreSQL). A bucket idle for a minute is full again, so idle rows are swept now and then
 * (at most once per `sweepEveryMs`), never on the caller's time.
 */
import type { RateDecision, SharedRateLimits } from '../channel/contract.js';
import type { Executor } from '../db/database.js';
import { deleteIdleBuckets, takeToken } from '../db/repositories/rate-bucket.repository.js';

export function createSharedRateLimits(
  db: () => Executor,
  options: { sweepEveryMs?: number; onError?: (err: unknown) => void } = {},
): SharedRateLimits {
  const sweepEvery = options.sweepEveryMs ?? 60_000;
  let lastSweep = 0;
  return {
    async take(key, perMinute, nowMs): Promise<RateDecision> {
      if (nowMs - lastSweep >= sweepEvery) {
        lastSweep = nowMs;
        // A full bucket refills in one minute: anything idle for two is safe to forget.
        void deleteIdleBuckets(db(), nowMs - 120_000).catch((err) => options.onError?.(err));
      }
      const t = await takeToken(db(), key, perMinute, nowMs);
      if (t.allowed) return { allowed: true, remaining: Math.floor(t.tokens) };
      const perMs = perMinute / 60_000;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - t.tokens) / perMs / 1000)) };
    },
  };
}
