/**
 * Messages that arrived as a stub (undecryptable, or an ad lead whose content is still on the
 * customer's phone) and may still come for real: WhatsApp's retry re-sends them under the same
 * id. Each stub is kept in the channel state (`pending:<id>`); if the real message does not come
 * within `timeoutMs`, its placeholder is ingested so the agent sees that something arrived.
 * When the real message comes after all, it replaces the placeholder's text.
 *
 * The decisions are pure and exported; `createPendingStubs` holds the timers and the list of
 * shown placeholders still waiting (decryption health reads it).
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';

export const PENDING_PREFIX = 'pending:';
/** A shown placeholder waits for its re-send a week at most; WhatsApp does not retry longer. */
export const PENDING_KEEP_MS = 7 * 24 * 3600_000;

export interface PendingStub {
  since: number;
  placeholder: InboundMessageInput;
  placeholderIngested?: boolean;
}

/** After a restart: wait on (schedule the placeholder), still unresolved (shown), or forget it. */
export function resumeDecision(stub: PendingStub, now: number): 'schedule' | 'unresolved' | 'expire' {
  if (!stub.placeholderIngested) return 'schedule';
  return now - stub.since > PENDING_KEEP_MS ? 'expire' : 'unresolved';
}

/** How long until the placeholder of a stub seen at `since` is due (0: now). */
export function placeholderDelay(since: number, timeoutMs: number, now: number): number {
  return Math.max(0, since + timeoutMs - now);
}

export interface PendingStubsDeps {
  ctx: Pick<ChannelContext, 'state' | 'ingest' | 'updateMessage' | 'clock' | 'logger'>;
  timeoutMs: number;
  /** Runs work in the source's event order (placeholders are ingested between events). */
  enqueue(what: string, fn: () => Promise<void>): void;
  /** The set of shown-but-unresolved placeholders changed. */
  onUnresolvedChange(): void;
}

export interface PendingStubs {
  /** start(): schedules stored stubs, forgets expired ones, lists the shown ones. */
  resume(): Promise<void>;
  /** A stub arrived: remember it (once) and schedule its placeholder. */
  await(externalId: string, placeholder: InboundMessageInput): Promise<void>;
  /** A message was ingested: if it was pending, drop the record and replace a shown placeholder. */
  settle(id: string, message: InboundMessageInput, status: string): Promise<void>;
  /** When each shown placeholder's stub arrived. */
  unresolvedSince(): number[];
  /** stop(): no placeholder fires after this. */
  cancelTimers(): void;
}

export function createPendingStubs({ ctx, timeoutMs, enqueue, onUnresolvedChange }: PendingStubsDeps): PendingStubs {
  const timers = new Map<string, NodeJS.Timeout>();
  /** Shown placeholders whose real message never came: id -> when the stub arrived. */
  const unresolved = new Map<string, number>();

  const ingestPlaceholder = async (id: string): Promise<void> => {
    timers.delete(id);
    const pending = await ctx.state.get<PendingStub>(PENDING_PREFIX + id);
    if (!pending || pending.placeholderIngested) return;
    const outcome = await ctx.ingest({ message: pending.placeholder });
    if (outcome.status === 'duplicate') {
      // The real message got in first (or the placeholder already did): nothing left to wait for.
      await ctx.state.delete(PENDING_PREFIX + id);
      return;
    }
    await ctx.state.set(PENDING_PREFIX + id, { ...pending, placeholderIngested: true });
    unresolved.set(id, pending.since);
    onUnresolvedChange();
    ctx.logger.warn({ externalId: id, outcome: outcome.status }, 'whatsapp: message still undecrypted; placeholder shown');
  };

  const schedule = (id: string, since: number): void => {
    if (timers.has(id)) return;
    const timer = setTimeout(
      () => enqueue('pending-stub', () => ingestPlaceholder(id)),
      placeholderDelay(since, timeoutMs, ctx.clock.now()),
    );
    timer.unref?.();
    timers.set(id, timer);
  };

  return {
    async resume() {
      unresolved.clear();
      const keys = await ctx.state.keys(PENDING_PREFIX);
      const rows = await ctx.state.getMany<PendingStub>(keys);
      for (const [k, v] of rows) {
        if (!v) continue;
        const id = k.slice(PENDING_PREFIX.length);
        const decision = resumeDecision(v, ctx.clock.now());
        if (decision === 'schedule') schedule(id, v.since);
        else if (decision === 'expire') await ctx.state.delete(k);
        else unresolved.set(id, v.since);
      }
    },
    async await(externalId, placeholder) {
      const key = PENDING_PREFIX + externalId;
      if (!(await ctx.state.get(key))) {
        const record: PendingStub = { since: ctx.clock.now(), placeholder };
        await ctx.state.set(key, record);
      }
      const stored = await ctx.state.get<PendingStub>(key);
      if (stored && !stored.placeholderIngested) schedule(externalId, stored.since);
    },
    async settle(id, message, status) {
      const key = PENDING_PREFIX + id;
      const pending = await ctx.state.get<PendingStub>(key);
      if (!pending) return;
      const timer = timers.get(id);
      if (timer) clearTimeout(timer);
      timers.delete(id);
      if (unresolved.delete(id)) onUnresolvedChange();
      if (pending.placeholderIngested && status === 'duplicate') {
        const replace = { text: message.text ?? '', attachments: message.attachments ?? [], at: message.sentAt ?? ctx.clock.now() };
        await ctx.updateMessage({ externalId: id, replace });
      }
      await ctx.state.delete(key);
    },
    unresolvedSince: () => [...unresolved.values()],
    cancelTimers() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
