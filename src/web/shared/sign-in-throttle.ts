/**
 * Sign-in rate limits, a pure decision over a stored counter (per account and per IP, kept in
 * the database so every gateway process counts the same attempts). Failures in a window lock
 * the key for a while; a success clears the account's counter (not the IP's).
 */
export interface AttemptRecord {
  windowStart: number;
  failures: number;
  lockedUntil: number | null;
}

export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
export const IP_POLICY: ThrottlePolicy = { maxFailures: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/** Milliseconds until the key may try again, or 0 when it may try now. */
export function retryAfterMs(record: AttemptRecord | undefined, now: number): number {
  if (!record?.lockedUntil || record.lockedUntil <= now) return 0;
  return record.lockedUntil - now;
}

/** The record after one more failure. */
export function afterFailure(record: AttemptRecord | undefined, policy: ThrottlePolicy, now: number): AttemptRecord {
  const fresh = !record || now - record.windowStart >= policy.windowMs || (record.lockedUntil !== null && record.lockedUntil <= now);
  const failures = fresh ? 1 : record.failures + 1;
  const windowStart = fresh ? now : record.windowStart;
  return { windowStart, failures, lockedUntil: failures >= policy.maxFailures ? now + policy.lockMs : null };
}
