/**
 * One gateway process owns a WhatsApp number: a database lease (`whatsapp:<channelId>`) keeps a
 * second process from connecting the same session (two clients on one session kick each other
 * out with 440, forever). The lease is renewed a few times per TTL while held; losing it (this
 * process stalled past the TTL and another took over) calls `onLost` once per loss.
 */
import type { LeaseManager } from '../../src/channel/contract.js';

/** Renew well before the TTL runs out (three chances per TTL), never more than twice a second. */
export function renewIntervalMs(ttlMs: number): number {
  return Math.max(500, Math.floor(ttlMs / 3));
}

export function leaseName(channelId: string): string {
  return `whatsapp:${channelId}`;
}

export interface NumberLeaseDeps {
  leases: LeaseManager;
  channelId: string;
  ttlMs: number;
  /** Another process holds the number now (renewal failed). */
  onLost(): Promise<void>;
}

export interface NumberLease {
  /** Acquires or renews once; a failing lease store counts as not held. */
  acquire(): Promise<boolean>;
  /** Keeps renewing until `stopRenewing` (replaces any earlier renewal loop). */
  keepRenewing(isRunning: () => boolean): void;
  stopRenewing(): void;
  /** Stops renewing and gives the number up (errors ignored: the TTL frees it anyway). */
  release(): Promise<void>;
}

export function createNumberLease({ leases, channelId, ttlMs, onLost }: NumberLeaseDeps): NumberLease {
  const name = leaseName(channelId);
  let renewTimer: NodeJS.Timeout | undefined;
  const acquire = (): Promise<boolean> => leases.acquire(name, ttlMs).catch(() => false);
  const stopRenewing = (): void => {
    if (renewTimer) clearInterval(renewTimer);
    renewTimer = undefined;
  };
  return {
    acquire,
    keepRenewing(isRunning) {
      stopRenewing();
      renewTimer = setInterval(() => {
        void (async () => {
          if (!isRunning()) return;
          const held = await acquire();
          if (!held && isRunning()) await onLost();
        })();
      }, renewIntervalMs(ttlMs));
      renewTimer.unref?.();
    },
    stopRenewing,
    async release() {
      stopRenewing();
      await leases.release(name).catch(() => undefined);
    },
  };
}
