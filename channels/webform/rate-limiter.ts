/**
 * Token buckets per key (client IP, form id). Pure apart from the Map it owns; time comes
 * from the caller. A bucket holds `perMinute` tokens and refills continuously, so a burst of
 * `perMinute` is allowed and then one request per 60/perMinute seconds.
 *
 * Memory is bounded: at most `maxKeys` buckets, least recently used evicted first. Evicting a
 * bucket forgets that key's debt, so an attacker rotating through more than `maxKeys` addresses
 * can reset buckets; the per-form bucket still caps the whole form.
 */
export interface RateLimiterOptions {
  perMinute: number;
  maxKeys?: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string, nowMs: number): RateDecision;
  /** Buckets currently held. */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const capacity = options.perMinute;
  const maxKeys = options.maxKeys ?? 10_000;
  const perMs = capacity / 60_000;
  const buckets = new Map<string, Bucket>();

  return {
    take(key, nowMs) {
      const previous = buckets.get(key);
      let tokens = capacity;
      if (previous) {
        const elapsed = Math.max(0, nowMs - previous.at);
        tokens = Math.min(capacity, previous.tokens + elapsed * perMs);
        buckets.delete(key); // re-inserted below: Map order is our LRU order
      }
      let decision: RateDecision;
      if (tokens >= 1) {
        tokens -= 1;
        decision = { allowed: true, remaining: Math.floor(tokens) };
      } else {
        decision = { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
      }
      buckets.set(key, { tokens, at: nowMs });
      while (buckets.size > maxKeys) {
        const oldest = buckets.keys().next().value as string;
        buckets.delete(oldest);
      }
      return decision;
    },
    size: () => buckets.size,
  };
}
