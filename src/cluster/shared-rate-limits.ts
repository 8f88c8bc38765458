/**
 * Rate limits counted in the database, so that a limit holds across every gateway process
 * (PostgreSQL). A bucket idle for a minute is full again, so idle rows are swept now and then
 * (at most once per `sweepEveryMs`), never on the caller's time.
 *
 * Reservations (issue 15): one shared row per form was taken by every request of every gateway,
 * two autocommitted statements per submission queued on the same row locks and WAL flushes, and
 * a cluster served fewer forms than one process. A busy process now takes a small block of
 * tokens in one statement and spends it locally. Tokens are taken from the shared bucket before
 * they are spent, so the tolerance is one-sided and bounded:
 * - a process holds at most `floor(perMinute / 100)` unspent tokens of a key (1% of the
 *   limit); limits under 200 a minute are counted one token at a time, exactly as before;
 * - in any window, all processes together admit at most the bucket's own allowance plus what
 *   they held in reserve when it began: over by at most N × 1% of the per-minute limit for N
 *   gateways; a reserve an idle process still holds makes the others refuse that much sooner.
 * The block grows (doubling) while reserves run out within a second and shrinks when they last
 * longer, so a quiet key goes back to one token per take.
 */
import type { RateDecision, SharedRateLimits } from '../channel/contract.js';
import type { Executor } from '../db/database.js';
import { deleteIdleBuckets, takeTokens } from '../db/repositories/rate-bucket.repository.js';

/** Largest reserve per process and key: 1% of the per-minute limit. */
export const maxReserve = (perMinute: number): number => Math.max(1, Math.floor(perMinute / 100));

interface KeyState {
  /** Tokens taken from the shared bucket and not yet spent here. */
  reserve: number;
  /** Size of the next block. */
  block: number;
  /** When the last block was taken (the caller's clock). */
  takenAt: number;
  /** Tokens left in the shared bucket at the last take. */
  shared: number;
  /** The take in flight for this key: callers arriving meanwhile wait for it instead of asking too. */
  pending?: Promise<RateDecision> | undefined;
}

const REFILL_FAST_MS = 1000;
/** Keys remembered per process before the empty ones are forgotten (one per client address). */
const MAX_KEYS = 10_000;

export function createSharedRateLimits(
  db: () => Executor,
  options: { sweepEveryMs?: number; onError?: (err: unknown) => void } = {},
): SharedRateLimits {
  const sweepEvery = options.sweepEveryMs ?? 60_000;
  let lastSweep = 0;
  const keys = new Map<string, KeyState>();

  /** One statement: a block of tokens (this caller's one among them) or a refusal. */
  async function refill(key: string, s: KeyState, perMinute: number, nowMs: number): Promise<RateDecision> {
    const cap = maxReserve(perMinute);
    // Spent within a second: the key is busy, ask for more next time; else for less.
    s.block = Math.min(cap, nowMs - s.takenAt < REFILL_FAST_MS ? s.block * 2 : Math.max(1, Math.floor(s.block / 2)));
    const t = await takeTokens(db(), key, perMinute, s.block, nowMs);
    s.takenAt = nowMs;
    s.shared = t.tokens;
    if (t.granted >= 1) {
      s.reserve += t.granted - 1;
      return { allowed: true, remaining: Math.floor(t.tokens + s.reserve) };
    }
    s.block = 1;
    const perMs = perMinute / 60_000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - t.tokens) / perMs / 1000)) };
  }

  /** Keys with nothing reserved cost nothing to forget (the bucket lives in the database). */
  function forgetEmpty(): void {
    for (const [k, v] of keys) if (v.reserve === 0 && !v.pending) keys.delete(k);
  }

  return {
    async take(key, perMinute, nowMs): Promise<RateDecision> {
      if (nowMs - lastSweep >= sweepEvery) {
        lastSweep = nowMs;
        // A full bucket refills in one minute: anything idle for two is safe to forget.
        void deleteIdleBuckets(db(), nowMs - 120_000).catch((err) => options.onError?.(err));
      }
      let s = keys.get(key);
      if (!s) {
        s = { reserve: 0, block: 1, takenAt: Number.NEGATIVE_INFINITY, shared: perMinute };
        keys.set(key, s);
      }
      for (;;) {
        if (s.reserve >= 1) {
          s.reserve--;
          return { allowed: true, remaining: Math.floor(s.shared + s.reserve) };
        }
        if (!s.pending) break;
        // Someone is asking for this key: share its answer when it was a refusal, else its block.
        const answer = await s.pending.catch(() => undefined);
        if (answer && !answer.allowed) return answer;
      }
      const state = s;
      const asking = refill(key, state, perMinute, nowMs);
      state.pending = asking;
      try {
        return await asking;
      } finally {
        if (state.pending === asking) state.pending = undefined;
        if (keys.size > MAX_KEYS) forgetEmpty();
      }
    },
  };
}
