/**
 * One gateway process owns a WhatsApp number: a database lease (`whatsapp:<channelId>`) keeps a
 * second process from connecting the same session (two clients on one session kick each other
 * out with 440, forever). The lease is renewed a few times per TTL while held.
 *
 * The lease carries a fencing epoch that grows with each new holder. Everything the number's
 * session writes (Baileys credentials and signal keys, the LID map, pending stubs, ingest) goes
 * through `fenced(ctx)`: a write lands only while the lease row still names this process at
 * the epoch it acquired, checked inside the writing transaction. A process that stalled past
 * its TTL, while another took the number and moved the keys on, wakes up to a refused write
 * instead of overwriting the new holder's keys (which would break both sessions' ratchets).
 *
 * The lease is lost, and `onLost` called once per loss, when a renewal fails or is refused,
 * when a renewal comes back with another epoch (someone held the number in between), or when
 * the database refuses a fenced write.
 */
import type { ChannelContext, ChannelState, FencedWrites, LeaseManager } from '../../src/channel/contract.js';

/** Renew well before the TTL runs out (three chances per TTL), never more than twice a second. */
export function renewIntervalMs(ttlMs: number): number {
  return Math.max(500, Math.floor(ttlMs / 3));
}

export function leaseName(channelId: string): string {
  return `whatsapp:${channelId}`;
}

/** The error code of a write the lease's fence refused (the core's LeaseLostError). */
export const LEASE_LOST = 'lease_lost';

export const isLeaseLost = (err: unknown): boolean => (err as { code?: unknown } | null | undefined)?.code === LEASE_LOST;

export class NumberLeaseLostError extends Error {
  readonly code = LEASE_LOST;
  constructor(channelId: string) {
    super(`this process does not hold the number of ${channelId}`);
    this.name = 'NumberLeaseLostError';
  }
}

export interface NumberLeaseDeps {
  leases: LeaseManager;
  channelId: string;
  ttlMs: number;
  /** Another process holds the number now (renewal failed, epoch moved, or a write was refused). */
  onLost(): Promise<void>;
}

export interface NumberLease {
  /** Acquires (a new holder gets a new epoch and fence) or renews; a failing lease store counts as not held. */
  acquire(): Promise<boolean>;
  /** True while still held at the same epoch; otherwise the lease is lost (`onLost`). */
  renew(): Promise<boolean>;
  /** The epoch this process holds the number at, if it does. */
  epoch(): number | undefined;
  /** Keeps renewing until `stopRenewing` (replaces any earlier renewal loop). */
  keepRenewing(isRunning: () => boolean): void;
  stopRenewing(): void;
  /** Stops renewing and gives the number up (errors ignored: the TTL frees it anyway). */
  release(): Promise<void>;
  /** `ctx` with its state writes, checkpoints and ingest fenced by the epoch held at the time of each write. */
  fenced(ctx: ChannelContext): ChannelContext;
}

export function createNumberLease({ leases, channelId, ttlMs, onLost }: NumberLeaseDeps): NumberLease {
  const name = leaseName(channelId);
  let renewTimer: NodeJS.Timeout | undefined;
  let held: { epoch: number; writes: FencedWrites } | undefined;

  const stopRenewing = (): void => {
    if (renewTimer) clearInterval(renewTimer);
    renewTimer = undefined;
  };
  const take = () => leases.take(name, ttlMs).catch(() => undefined);
  const lose = async (): Promise<void> => {
    if (!held) return;
    held = undefined;
    stopRenewing();
    await onLost();
  };
  const renew = async (): Promise<boolean> => {
    if (!held) return false;
    const epoch = held.epoch;
    const grant = await take();
    if (grant?.held && grant.epoch === epoch) return true;
    if (held?.epoch === epoch) await lose();
    return false;
  };
  /** The fence of the moment; a refusal by the database means the lease is gone. */
  const writes = (): FencedWrites => {
    if (!held) throw new NumberLeaseLostError(channelId);
    return held.writes;
  };
  const guard =
    <A extends unknown[], R>(write: (w: FencedWrites) => (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await write(writes())(...args);
      } catch (err) {
        if (isLeaseLost(err)) void lose();
        throw err;
      }
    };

  return {
    async acquire() {
      const grant = await take();
      if (!grant?.held) return false;
      if (held?.epoch !== grant.epoch) held = { epoch: grant.epoch, writes: leases.fence(name, grant.epoch) };
      return true;
    },
    renew,
    epoch: () => held?.epoch,
    keepRenewing(isRunning) {
      stopRenewing();
      renewTimer = setInterval(() => {
        if (isRunning()) void renew();
      }, renewIntervalMs(ttlMs));
      renewTimer.unref?.();
    },
    stopRenewing,
    async release() {
      stopRenewing();
      held = undefined;
      await leases.release(name).catch(() => undefined);
    },
    fenced(ctx) {
      const state: ChannelState = {
        get: (key) => ctx.state.get(key),
        getMany: (keys) => ctx.state.getMany(keys),
        keys: (prefix) => ctx.state.keys(prefix),
        set: guard((w) => w.state.set),
        setMany: guard((w) => w.state.setMany),
        delete: guard((w) => w.state.delete),
        deletePrefix: guard((w) => w.state.deletePrefix),
      };
      return { ...ctx, state, saveCheckpoint: guard((w) => w.saveCheckpoint), ingest: guard((w) => w.ingest) };
    },
  };
}
