/**
 * Prometheus metrics (`GET /metrics`). One registry per app (tests boot several in a process).
 * Counters are fed by the ingest wrapper and the outbox; gauges that describe stored state
 * (outbox depth and age) and channel connection states are read when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CHANNEL_HEALTH_STATES, type Clock } from '../channel/contract.js';
import type { RunningChannel } from '../channel/runtime.js';
import { channelHealth } from '../channel/runtime.js';
import type { Database } from '../db/database.js';

export interface PonteMetrics {
  registry: Registry;
  /** Ingest outcomes: created, appended, duplicate, ignored, error. */
  messageIn(channelId: string, outcome: string, seconds: number): void;
  /** Send attempts: sent, retry, failed. */
  send(channelId: string, result: 'sent' | 'retry' | 'failed'): void;
  text(): Promise<string>;
  contentType: string;
}

export function createMetrics(deps: {
  database: Database;
  running: () => RunningChannel[];
  clock: Clock;
  processMetrics?: boolean;
}): PonteMetrics {
  const registry = new Registry();
  if (deps.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'ponte_process_' });
  const messagesIn = new Counter({
    name: 'ponte_messages_in_total',
    help: 'Inbound messages by channel and ingest outcome',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  const ingestSeconds = new Histogram({
    name: 'ponte_ingest_duration_seconds',
    help: 'Time to ingest one inbound message (the one transaction)',
    labelNames: ['channel'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const sends = new Counter({
    name: 'ponte_sends_total',
    help: 'Outbound send attempts by channel and result (sent, retry, failed)',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
  });
  const db = deps.database.kysely;
  new Gauge({
    name: 'ponte_outbox_depth',
    help: 'Outbound messages waiting to be sent (pending or being sent)',
    registers: [registry],
    async collect() {
      const r = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['pending', 'sending'])
        .executeTakeFirst();
      this.set(Number(r?.n ?? 0));
    },
  });
  new Gauge({
    name: 'ponte_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbound message still waiting (0 when none)',
    registers: [registry],
    async collect() {
      const r = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.min('created_at').as('oldest'))
        .where('status', 'in', ['pending', 'sending'])
        .executeTakeFirst();
      const oldest = r?.oldest == null ? undefined : Number(r.oldest);
      this.set(oldest === undefined ? 0 : Math.max(0, (deps.clock.now() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'ponte_channel_state',
    help: 'Channel connection state (IMAP, WhatsApp …): 1 for the current state',
    labelNames: ['channel', 'kind', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of deps.running()) {
        const current = channelHealth(c).state;
        for (const state of CHANNEL_HEALTH_STATES) this.set({ channel: c.entry.id, kind: c.entry.kind, state }, state === current ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'ponte_channel_up',
    help: '1 when the channel is connected or working (ok, connected), else 0',
    labelNames: ['channel', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of deps.running()) {
        const state = channelHealth(c).state;
        this.set({ channel: c.entry.id, kind: c.entry.kind }, state === 'ok' || state === 'connected' ? 1 : 0);
      }
    },
  });
  return {
    registry,
    messageIn(channelId, outcome, seconds) {
      messagesIn.inc({ channel: channelId, outcome });
      ingestSeconds.observe({ channel: channelId }, seconds);
    },
    send: (channelId, result) => sends.inc({ channel: channelId, result }),
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
