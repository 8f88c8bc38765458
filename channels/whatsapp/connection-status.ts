/**
 * What the Baileys source reports: its health (needs_pairing, connecting, connected,
 * backing_off, logged_out, passkey_required, undecryptable, stopped) and the pairing view (QR,
 * pairing code). The transitions are pure and exported; `createConnectionStatus` holds the
 * current values.
 */
import type { ChannelHealth, ChannelHealthState, PairingInfo } from '../../src/channel/contract.js';
import type { DecryptionHealth } from './decryption-health.js';

export type HealthExtra = Partial<Pick<ChannelHealth, 'lastError' | 'detail'>>;

/** The next health: last activity carries over, the last error too unless `extra` says otherwise. */
export function nextHealth(prev: ChannelHealth, state: ChannelHealthState, extra: HealthExtra = {}): ChannelHealth {
  return {
    state,
    lastActivityAt: prev.lastActivityAt,
    lastError: 'lastError' in extra ? extra.lastError : prev.lastError,
    detail: extra.detail,
  };
}

/** A QR/pairing code stays visible while we still wait for the scan; any other state replaces it. */
export function nextPairing(prev: PairingInfo | undefined, state: ChannelHealthState, now: number): PairingInfo | undefined {
  return state === 'needs_pairing' && prev?.state === 'needs_pairing' ? prev : { state, updatedAt: now };
}

/**
 * Connected, but are messages being lost to decryption failures? The change to make, if any:
 * flag the number `undecryptable` (again when the count moved), or clear the flag.
 */
export function decryptionTransition(
  health: ChannelHealth,
  decision: DecryptionHealth,
  account: string | undefined,
): { state: 'undecryptable' | 'connected'; extra: HealthExtra } | undefined {
  if (health.state !== 'connected' && health.state !== 'undecryptable') return undefined;
  const detail = {
    ...(account ? { account } : {}),
    ...(decision.undecryptable ? { undecryptable: decision.count, undecryptableSince: new Date(decision.since!).toISOString() } : {}),
  };
  if (decision.undecryptable) {
    if (health.state === 'undecryptable' && health.detail?.undecryptable === decision.count) return undefined;
    return { state: 'undecryptable', extra: { lastError: decision.explanation, detail } };
  }
  if (health.state !== 'undecryptable') return undefined;
  return { state: 'connected', extra: { lastError: undefined, detail: Object.keys(detail).length ? detail : undefined } };
}

export interface ConnectionStatus {
  health(): ChannelHealth;
  /** A copy callers may keep. */
  snapshot(): ChannelHealth;
  set(state: ChannelHealthState, extra?: HealthExtra): void;
  markActivity(): void;
  pairing(): PairingInfo | undefined;
  setPairing(pairing: PairingInfo | undefined): void;
}

export function createConnectionStatus(now: () => number): ConnectionStatus {
  let health: ChannelHealth = { state: 'stopped' };
  let pairing: PairingInfo | undefined;
  return {
    health: () => health,
    snapshot: () => ({ ...health, ...(health.detail ? { detail: { ...health.detail } } : {}) }),
    set(state, extra = {}) {
      health = nextHealth(health, state, extra);
      pairing = nextPairing(pairing, state, now());
    },
    markActivity() {
      health = { ...health, lastActivityAt: now() };
    },
    pairing: () => pairing,
    setPairing(p) {
      pairing = p;
    },
  };
}
