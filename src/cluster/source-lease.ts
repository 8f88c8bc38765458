/**
 * One owner per pulled mailbox: with several gateway processes on one PostgreSQL database, a
 * pull source (IMAP) runs in one process at a time, the holder of the lease `source:<channel>`.
 * Providers cap connections per account, and N processes fetching the same mailbox cost N
 * times the load for the same messages.
 *
 * - The owner renews three times per period; a process without the lease keeps the source
 *   stopped (health `standby`) and asks again at the same pace, so a dead owner is replaced
 *   within two periods.
 * - The lease's epoch fences the owner's writes through `ctx.leases.fence(name, epoch)`: each
 *   ingest checks, first inside its own transaction, that the lease row still names this process
 *   at its epoch (share-locked until commit, so a takeover waits for it and then sees it), and
 *   the IMAP checkpoint rides in that same transaction; `saveCheckpoint` is fenced the same way.
 *   A stale owner (paused, then resumed after another took over) is refused, writes nothing, and
 *   its source is stopped at once. Before that, `ingest` refuses once the local validity ran out.
 * - An IMAP source cannot start twice: every new ownership builds a fresh runtime from the
 *   channel definition (no I/O at build) and keeps only its source.
 *
 * On SQLite one process owns the database file, so its sources are never leased.
 */
import type { Logger } from 'pino';
import type { ChannelContext, ChannelHealth, ChannelRuntime, FencedWrites, InboundSource } from '../channel/contract.js';
import type { ChannelEntry } from '../channel/directory.js';
import type { Database } from '../db/database.js';
import { POSTGRES_NOW, releaseLease, takeLease } from '../db/repositories/lease.repository.js';
import { nextAttemptInMs, nextLeaseStep, renewEveryMs, type LeaseAttempt, type LeaseView } from './lease-policy.js';

export class LeaseLostError extends Error {
  readonly code = 'lease_lost' as const;
  constructor(readonly lease: string) {
    super(`this process no longer holds ${lease}; another gateway fetches this channel`);
    this.name = 'LeaseLostError';
  }
}

export interface SourceLeaseDeps {
  database: Database;
  logger: Logger;
  /** Lease period (cluster.leaseMs). */
  leaseMs: number;
  /** This process's name in the leases table. */
  holder: string;
}

export const sourceLeaseName = (channelId: string): string => `source:${channelId}`;

/** Builds the channel's runtime; for a pull channel on PostgreSQL its source is run under the lease. */
export function withSourceLease(
  entry: ChannelEntry,
  context: ChannelContext,
  deps: SourceLeaseDeps,
  build: (ctx: ChannelContext) => ChannelRuntime,
): ChannelRuntime {
  if (deps.database.dialect !== 'postgres' || entry.capabilities.inbound !== 'pull') return build(context);
  const name = sourceLeaseName(entry.id);
  const db = deps.database.kysely;
  const log = deps.logger.child({ channel: entry.id, lease: name });
  let view: LeaseView = { role: 'standby' };
  const ownsNow = () => view.role === 'owner' && performance.now() < view.validUntil;
  /** The fenced writes of the current ownership (its epoch); a refusal stops the source at once. */
  const underFence = async <T>(write: (f: FencedWrites) => Promise<T>): Promise<T> => {
    if (!ownsNow() || view.role !== 'owner') throw new LeaseLostError(name);
    try {
      return await write(context.leases.fence(name, view.epoch));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'lease_lost') {
        log.warn('a fenced write was refused: another process holds the lease; asking now');
        kick();
      }
      throw err;
    }
  };

  const fenced: ChannelContext = {
    ...context,
    ingest: (envelope) => underFence((f) => f.ingest(envelope)),
    saveCheckpoint: (key, value) => underFence((f) => f.saveCheckpoint(key, value)),
  };

  const first = build(fenced);
  if (!first.source) return first;
  let unused: InboundSource | undefined = first.source;
  const freshSource = (): InboundSource => {
    if (unused) {
      const s = unused;
      unused = undefined;
      return s;
    }
    const again = build(fenced);
    void again.sender?.close?.().catch(() => undefined);
    if (!again.source) throw new Error(`channel ${entry.id} built no source`);
    return again.source;
  };

  let current: InboundSource | undefined;
  let started = false;
  let stopping = false;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  const every = renewEveryMs(deps.leaseMs);

  /** Time left on another holder's lease (database clock) at the last refused attempt, and when that answer came. */
  let otherExpires: { inMs: number; at: number } | undefined;

  async function attempt(): Promise<void> {
    const sentAt = performance.now();
    let a: LeaseAttempt;
    otherExpires = undefined;
    let guard: NodeJS.Timeout | undefined;
    try {
      // A database that does not answer must not hold the decision past the lease's validity.
      const s = await Promise.race([
        takeLease(db, name, deps.holder, POSTGRES_NOW, deps.leaseMs),
        new Promise<never>((_, reject) => {
          guard = setTimeout(() => reject(new Error('lease renewal timed out')), every);
          guard.unref?.();
        }),
      ]);
      a = { ok: true, held: s.held, epoch: s.epoch, holder: s.holder, sentAt, at: performance.now() };
      if (!s.held && s.holder) otherExpires = { inMs: s.expiresAt - s.dbNow, at: a.at };
    } catch (err) {
      a = { ok: false, error: (err as Error).message, sentAt, at: performance.now() };
    } finally {
      clearTimeout(guard);
    }
    if (stopping) {
      // Stopped while asking: a lease just won is given back, or the others would wait a period.
      if (a.ok && a.held && view.role === 'standby') await releaseLease(db, name, deps.holder).catch(() => undefined);
      return;
    }
    const wasOwner = view.role === 'owner';
    const step = nextLeaseStep(view, a, deps.leaseMs);
    view = step.view;
    if (step.action === 'start_source') {
      log.info({ epoch: view.role === 'owner' ? view.epoch : undefined }, 'source lease acquired: this process fetches the channel');
      current = freshSource();
      try {
        await current.start();
        lastError = undefined;
      } catch (err) {
        lastError = (err as Error).message;
        log.error({ err }, 'channel source failed to start under its lease');
      }
    } else if (step.action === 'stop_source') {
      log.warn({ reason: step.reason }, 'source lease lost: stopping the channel source');
      const c = current;
      current = undefined;
      await c?.stop().catch((err) => log.warn({ err }, 'channel source stop failed'));
    } else if (!wasOwner && !a.ok) {
      lastError = a.error;
    }
  }

  /** One attempt at a time; the next is scheduled from when this one started. */
  function run(): void {
    timer = undefined;
    const began = performance.now();
    inFlight = attempt().finally(() => {
      inFlight = undefined;
      const now = performance.now();
      const expiresInMs = otherExpires ? otherExpires.inMs - (now - otherExpires.at) : undefined;
      schedule(kicked ? 0 : nextAttemptInMs({ everyMs: every, sinceStartMs: now - began, expiresInMs }));
      kicked = false;
    });
  }

  function schedule(delayMs: number): void {
    if (stopping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, delayMs);
    timer.unref?.();
  }

  /** Ask at once (a fenced write was refused): the source stops without waiting for its turn. */
  let kicked = false;
  function kick(): void {
    if (stopping) return;
    if (inFlight) kicked = true;
    else schedule(0);
  }

  const source: InboundSource = {
    async start() {
      if (started) return;
      started = true;
      // The first attempt inside start(): a lone process fetches as soon as start() returns.
      run();
      await inFlight;
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await inFlight?.catch(() => undefined);
      const c = current;
      current = undefined;
      await c?.stop();
      if (view.role === 'owner') await releaseLease(db, name, deps.holder).catch((err) => log.warn({ err }, 'source lease release failed'));
      view = { role: 'standby' };
    },
    health(): ChannelHealth {
      if (!started || stopping) return { state: 'stopped' };
      if (view.role === 'owner' && current) {
        const h = current.health();
        return { ...h, detail: { ...h.detail, lease: { epoch: view.epoch } } };
      }
      if (view.role === 'owner') return { state: 'starting', ...(lastError ? { lastError } : {}) };
      return {
        state: 'standby',
        detail: { lease: { ownedElsewhere: !!view.holder, periodMs: deps.leaseMs } },
        ...(lastError ? { lastError } : {}),
      };
    },
  };
  return { ...first, source };
}
