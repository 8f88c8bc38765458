/** Outbox retry timing. Pure: capped exponential backoff with full jitter. */
export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'permanent' | 'attempts_exhausted' };

/** `attempts` counts the attempt that just failed (1 after the first failure). */
export function decideRetry(
  policy: RetryPolicy,
  attempts: number,
  retryable: boolean,
  random: () => number = Math.random,
  retryAfterMs?: number,
): RetryDecision {
  if (!retryable) return { retry: false, reason: 'permanent' };
  if (attempts >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
  // Half fixed, half jitter: never hammers, never synchronizes many retries.
  const delay = Math.round(exp / 2 + random() * (exp / 2));
  return { retry: true, delayMs: Math.max(delay, retryAfterMs ?? 0) };
}
