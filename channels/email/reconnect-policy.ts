/**
 * Reconnect timing (pure): capped exponential backoff with full jitter, so a mail server
 * that comes back is not hit by every mailbox at the same instant. A connection that stayed
 * up for `stableAfterMs` resets the attempt count.
 */
export interface ReconnectPolicyOptions {
  baseMs: number;
  maxMs: number;
  factor: number;
  /** 0 = no jitter; 1 = full jitter (uniform between half and all of the step). */
  jitter: number;
  stableAfterMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicyOptions = { baseMs: 1_000, maxMs: 5 * 60_000, factor: 2, jitter: 1, stableAfterMs: 60_000 };

/** Delay before reconnect attempt number `attempt` (1-based). `random` in [0,1). */
export function reconnectDelay(attempt: number, options: ReconnectPolicyOptions = DEFAULT_RECONNECT, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const step = Math.min(options.maxMs, options.baseMs * Math.pow(options.factor, Math.min(n - 1, 60)));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  const delay = step * (1 - jitter / 2) + step * (jitter / 2) * random();
  return Math.round(Math.min(options.maxMs, Math.max(0, delay)));
}

/** The attempt number to use after a connection ends: reset when it had been stable. */
export function nextAttempt(previousAttempt: number, connectedForMs: number | undefined, options: ReconnectPolicyOptions = DEFAULT_RECONNECT): number {
  if (connectedForMs !== undefined && connectedForMs >= options.stableAfterMs) return 1;
  return previousAttempt + 1;
}
