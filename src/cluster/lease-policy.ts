/**
 * What a process does with its pull source after each lease attempt (pure). The lease is valid
 * locally until `sentAt + leaseMs` of the last successful renewal, measured on this process's
 * monotonic clock from *before* the request left: the database's expiry is never earlier, so a
 * process that cannot renew stops fetching before anyone else may take over.
 */
export type LeaseView = { role: 'standby'; holder?: string | undefined } | { role: 'owner'; epoch: number; validUntil: number };

export type LeaseAttempt =
  /** The database answered: `held` with the row's epoch, or somebody else's name. */
  | { ok: true; held: boolean; epoch: number; holder: string; sentAt: number; at: number }
  /** The database could not be asked (network, restart). */
  | { ok: false; sentAt: number; at: number; error: string };

export type LeaseAction = 'start_source' | 'stop_source' | 'none';

export interface LeaseStep {
  view: LeaseView;
  action: LeaseAction;
  /** Why the source stops (for the log line). */
  reason?: 'lost' | 'epoch_moved' | 'expired_unrenewed';
}

export function nextLeaseStep(view: LeaseView, attempt: LeaseAttempt, leaseMs: number): LeaseStep {
  if (view.role === 'standby') {
    if (attempt.ok && attempt.held && attempt.at < attempt.sentAt + leaseMs)
      return { view: { role: 'owner', epoch: attempt.epoch, validUntil: attempt.sentAt + leaseMs }, action: 'start_source' };
    return { view: { role: 'standby', holder: attempt.ok ? attempt.holder || undefined : view.holder }, action: 'none' };
  }
  if (!attempt.ok) {
    if (attempt.at >= view.validUntil) return { view: { role: 'standby' }, action: 'stop_source', reason: 'expired_unrenewed' };
    return { view, action: 'none' };
  }
  if (!attempt.held) return { view: { role: 'standby', holder: attempt.holder || undefined }, action: 'stop_source', reason: 'lost' };
  // Another holder had it in between (our id came back): what we fetched under the old epoch is fenced off.
  if (attempt.epoch !== view.epoch) return { view: { role: 'standby' }, action: 'stop_source', reason: 'epoch_moved' };
  if (attempt.at >= attempt.sentAt + leaseMs) {
    // The answer came back after the time it bought: treat it as not renewed.
    return attempt.at >= view.validUntil
      ? { view: { role: 'standby' }, action: 'stop_source', reason: 'expired_unrenewed' }
      : { view, action: 'none' };
  }
  return { view: { role: 'owner', epoch: view.epoch, validUntil: Math.max(view.validUntil, attempt.sentAt + leaseMs) }, action: 'none' };
}

/**
 * How long to wait before the next attempt. Attempts keep a fixed pace (`everyMs` from the start
 * of the last one, however long it took to answer). A standby that saw another holder's lease
 * run out in `expiresInMs` (the database's expiry minus the database's clock, less the time since
 * the answer) asks again right after it, when that is sooner: a dead owner is replaced about one
 * period after its last renewal, not up to a period plus a poll interval later (issue 15).
 */
export function nextAttemptInMs(o: { everyMs: number; sinceStartMs: number; expiresInMs?: number | undefined }): number {
  const paced = Math.max(0, o.everyMs - o.sinceStartMs);
  if (o.expiresInMs === undefined) return paced;
  // The database compares `expires_at < now`: ask just after, not at, the end.
  return Math.max(0, Math.min(paced, o.expiresInMs + EXPIRY_MARGIN_MS));
}

const EXPIRY_MARGIN_MS = 10;

/** Renew three times per period: two renewals may fail before the lease lapses. */
export function renewEveryMs(leaseMs: number): number {
  return Math.max(100, Math.floor(leaseMs / 3));
}
