/**
 * Token buckets per key (client IP, form id). Pure apart from the Map it owns; time comes
 * from the caller. A bucket holds `perMinute` tokens and refills continuously, so a burst of
 * `perMinute` is allowed and then one request per 60/perMinute seconds.
 *
 * Memory is bounded: at most `maxKeys` buckets, least recently used evicted first. Evicting a
 * bucket forgets that key's debt, so an attacker rotating through more than `maxKeys` addresses
 * can reset buckets; the per-form bucket still caps the whole form.
 */
import type { RateDecision, SharedRateLimits } from '../../src/channel/contract.js';

export type { RateDecision } from '../../src/channel/contract.js';

export interface RateLimiterOptions {
  perMinute: number;
  maxKeys?: number;
}

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

/** The two limits of one form: per client address, then for the whole form. */
export interface FormLimits {
  take(ip: string, nowMs: number): Promise<RateDecision>;
}

/**
 * In memory for one process; through `shared` (the database) when several gateway processes
 * serve the same form, so the limit holds across all of them instead of per process.
 */
export function createFormLimits(
  formId: string,
  limits: { perIpPerMinute: number; perFormPerMinute: number },
  shared: SharedRateLimits | undefined,
  maxKeys = 10_000,
): FormLimits {
  if (shared) {
    return {
      async take(ip, nowMs) {
        const byIp = await shared.take(`webform:${formId}:ip:${ip}`, limits.perIpPerMinute, nowMs);
        return byIp.allowed ? shared.take(`webform:${formId}:form`, limits.perFormPerMinute, nowMs) : byIp;
      },
    };
  }
  const perIp = createRateLimiter({ perMinute: limits.perIpPerMinute, maxKeys });
  const perForm = createRateLimiter({ perMinute: limits.perFormPerMinute, maxKeys: 1 });
  return {
    async take(ip, nowMs) {
      const byIp = perIp.take(ip, nowMs);
      return byIp.allowed ? perForm.take('form', nowMs) : byIp;
    },
  };
}
