/**
 * Durable hand-off between the webhook answer and the processing.
 *
 * Decision: answer fast, never lose a message. A verified POST is first written to the blob
 * store (content-addressed: Meta's byte-identical redelivery lands on the same key) and marked
 * pending in the channel state; only then does the router answer 200. Processing runs after, one
 * body at a time in arrival order. The pending mark is removed when every action of the body
 * was applied; a failure retries the whole body later (processing is idempotent), and `start()`
 * resumes whatever a crash or shutdown left pending. Meta's own retries stay a second line of
 * defence only for the few milliseconds before the 200.
 */
import type { ChannelContext, ChannelHealth } from '../../src/channel/contract.js';
import type { WhatsappCloudConfig } from './config.js';
import type { GraphClient } from './graph-client.js';
import { stateKeys } from './cloud-sender.js';
import { processWebhookBody } from './webhook-processor.js';

export interface PendingRecord {
  receivedAt: number;
  attempts: number;
  lastError?: string | undefined;
  /** Set when every attempt failed; retried again on the next start. */
  gaveUpAt?: number | undefined;
}

export interface InboxOptions {
  /** Wait before attempt n+1 (ms); its length bounds the attempts. */
  retryDelaysMs?: number[];
}

export interface WebhookInbox {
  /** Stores the raw body and queues it. Resolves once it is durable: then answer 200. */
  accept(raw: Buffer): Promise<{ blobKey: string }>;
  /** Resumes bodies left pending by an earlier run. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (retries waiting on a timer do not count). */
  idle(): Promise<void>;
  health(): ChannelHealth;
}

export const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000];

export function createWebhookInbox(
  ctx: ChannelContext,
  config: WhatsappCloudConfig,
  graph: GraphClient,
  options: InboxOptions = {},
): WebhookInbox {
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const maxAttempts = delays.length + 1;
  let tail: Promise<void> = Promise.resolve();
  let running = 0;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const failing = new Set<string>();
  let lastActivityAt: number | undefined;
  let lastError: string | undefined;
  let lastAlert: { message: string; code?: number | undefined; at: number } | undefined;

  function enqueue(blobKey: string): void {
    running++;
    tail = tail
      .then(() => (stopped ? undefined : processOne(blobKey)))
      .catch((err: unknown) => {
        ctx.logger.error({ blobKey, err: err instanceof Error ? err.message : String(err) }, 'webhook inbox bookkeeping failed');
      })
      .finally(() => {
        running--;
      });
  }

  async function processOne(blobKey: string): Promise<void> {
    const key = stateKeys.pending(blobKey);
    const record = await ctx.state.get<PendingRecord>(key);
    if (!record) return; // already processed (a duplicate body queued twice)
    const attempt = record.attempts + 1;
    try {
      const raw = await ctx.blobs.read(blobKey);
      const body = JSON.parse(raw.toString('utf8')) as unknown;
      const summary = await processWebhookBody(body, ctx, config, graph, { rawKey: blobKey, finalAttempt: attempt >= maxAttempts });
      await ctx.state.delete(key);
      failing.delete(blobKey);
      lastActivityAt = ctx.clock.now();
      if (summary.lastAlert) lastAlert = { ...summary.lastAlert, at: lastActivityAt };
      ctx.logger.debug({ blobKey, ...summary }, 'webhook processed');
    } catch (err) {
      const message = err instanceof Error ? err.message.slice(0, 500) : String(err);
      lastError = message;
      failing.add(blobKey);
      const gaveUp = attempt >= maxAttempts;
      await ctx.state.set(key, { ...record, attempts: attempt, lastError: message, ...(gaveUp ? { gaveUpAt: ctx.clock.now() } : {}) });
      if (gaveUp) {
        ctx.logger.error({ blobKey, attempts: attempt, err: message }, 'webhook body still failing; kept pending until the next start');
        return;
      }
      const delay = delays[attempt - 1]!;
      ctx.logger.warn({ blobKey, attempt, retryInMs: delay, err: message }, 'webhook processing failed; will retry');
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopped) enqueue(blobKey);
      }, delay);
      timer.unref();
      timers.add(timer);
    }
  }

  return {
    async accept(raw) {
      const { key } = await ctx.blobs.put(raw, { maxBytes: config.webhookMaxBytes, raw: true });
      const pendingKey = stateKeys.pending(key);
      const existing = await ctx.state.get<PendingRecord>(pendingKey);
      if (!existing) await ctx.state.set(pendingKey, { receivedAt: ctx.clock.now(), attempts: 0 } satisfies PendingRecord);
      if (!stopped) enqueue(key);
      return { blobKey: key };
    },
    async start() {
      stopped = false;
      const keys = await ctx.state.keys(stateKeys.pendingPrefix);
      const records = await ctx.state.getMany<PendingRecord>(keys);
      const ordered = [...records.entries()].sort((a, b) => a[1].receivedAt - b[1].receivedAt);
      for (const [key, record] of ordered) {
        // A fresh start gives bodies that had given up a new round of attempts.
        if (record.gaveUpAt) await ctx.state.set(key, { receivedAt: record.receivedAt, attempts: 0 } satisfies PendingRecord);
        enqueue(key.slice(stateKeys.pendingPrefix.length));
      }
      if (ordered.length > 0) ctx.logger.info({ count: ordered.length }, 'resuming webhook bodies left pending');
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await tail;
    },
    async idle() {
      // Bounded: each round waits for the current tail; new work only comes from accept/timers.
      for (let i = 0; i < 1000 && running > 0; i++) await tail;
    },
    health() {
      return {
        state: failing.size > 0 ? 'degraded' : stopped ? 'stopped' : 'ok',
        lastActivityAt,
        lastError,
        detail: { failingBodies: failing.size, queued: running, ...(lastAlert ? { lastMetaError: lastAlert } : {}) },
      };
    },
  };
}
