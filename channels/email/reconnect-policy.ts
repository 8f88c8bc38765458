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
export function reconnectDelay(
  attempt: number,
  options: ReconnectPolicyOptions = DEFAULT_RECONNECT,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  const step = Math.min(options.maxMs, options.baseMs * options.factor ** Math.min(n - 1, 60));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  const delay = step * (1 - jitter / 2) + step * (jitter / 2) * random();
  return Math.round(Math.min(options.maxMs, Math.max(0, delay)));
}

/** The attempt number to use after a connection ends: reset when it had been stable. */
export function nextAttempt(
  previousAttempt: number,
  connectedForMs: number | undefined,
  options: ReconnectPolicyOptions = DEFAULT_RECONNECT,
): number {
  if (connectedForMs !== undefined && connectedForMs >= options.stableAfterMs) return 1;
  return previousAttempt + 1;
}

/**
 * The server refused our credentials. Retrying every few seconds locks Gmail and Microsoft 365
 * accounts and fills their security logs, and a wrong password does not fix itself: wait
 * long, growing intervals (5 min, 15 min, 45 min … up to 6 h) until an admin fixes the
 * configuration and restarts, or the password starts working again.
 */
export interface AuthBackoffOptions {
  baseMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_AUTH_BACKOFF: AuthBackoffOptions = { baseMs: 5 * 60_000, factor: 3, maxMs: 6 * 60 * 60_000 };

/** Delay after the `failures`-th consecutive authentication failure (1-based). No jitter needed: one account, one server. */
export function authFailureDelay(failures: number, options: AuthBackoffOptions = DEFAULT_AUTH_BACKOFF): number {
  const n = Math.max(1, Math.floor(failures));
  return Math.min(options.maxMs, options.baseMs * options.factor ** Math.min(n - 1, 30));
}

/** Marks an error as "the server refused the credentials" (set by the only module that talks to the IMAP library). */
export class ImapAuthError extends Error {
  readonly code = 'imap_auth_failed' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ImapAuthError';
  }
}
