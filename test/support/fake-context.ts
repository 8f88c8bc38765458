/**
 * An in-memory ChannelContext for adapter unit tests: records every call, keeps state in a Map,
 * and stores blobs in a real temporary blob store. Integration tests use the real core instead
 * (test/support/app.ts).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ChannelContext, DeliveryUpdate, IngestOutcome, MessageUpdate, StoredOutbound } from '../../src/channel/contract.js';
import type { Address } from '../../src/domain/model.js';
import { inboundEnvelopeSchema, type InboundEnvelope } from '../../src/domain/envelope.js';
import { createBlobStore } from '../../src/storage/blob-store.js';

export interface FakeContext extends ChannelContext {
  ingested: InboundEnvelope[];
  updates: MessageUpdate[];
  deliveries: DeliveryUpdate[];
  stateMap: Map<string, unknown>;
  outbound: Map<string, StoredOutbound>;
  links: Address[][];
  abort(): void;
  setNow(ms: number): void;
}

export function createFakeContext(channelId = 'test', options: { now?: number } = {}): FakeContext {
  let now = options.now ?? Date.UTC(2026, 4, 18, 17, 2, 11);
  const controller = new AbortController();
  const stateMap = new Map<string, unknown>();
  const seen = new Set<string>();
  const ingested: InboundEnvelope[] = [];
  const leases = new Set<string>();
  const epochs = new Map<string, number>();
  const ctx: FakeContext = {
    channelId,
    logger: pino({ level: 'silent' }),
    clock: { now: () => now },
    signal: controller.signal,
    blobs: createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-blobs-'))),
    ingested,
    updates: [],
    deliveries: [],
    stateMap,
    outbound: new Map(),
    links: [],
    abort: () => controller.abort(),
    setNow: (ms) => {
      now = ms;
    },
    deriveKey: (purpose) => createHmac('sha256', 'test-secret').update(purpose).digest(),
    state: {
      get: async <T>(k: string) => stateMap.get(k) as T | undefined,
      getMany: async <T>(keys: string[]) => {
        const m = new Map<string, T>();
        for (const k of keys) if (stateMap.has(k)) m.set(k, stateMap.get(k) as T);
        return m;
      },
      set: async (k, v) => void stateMap.set(k, v),
      setMany: async (entries) => {
        for (const [k, v] of entries) v == null ? stateMap.delete(k) : stateMap.set(k, v);
      },
      delete: async (k) => void stateMap.delete(k),
      keys: async (prefix) => [...stateMap.keys()].filter((k) => k.startsWith(prefix)),
      deletePrefix: async (prefix) => {
        let n = 0;
        for (const k of [...stateMap.keys()]) if (k.startsWith(prefix)) stateMap.delete(k), n++;
        return n;
      },
    },
    leases: {
      acquire: async (name) => {
        leases.add(name);
        return true;
      },
      take: async (name) => {
        if (!leases.has(name)) epochs.set(name, (epochs.get(name) ?? 0) + 1);
        leases.add(name);
        return { held: true, epoch: epochs.get(name)! };
      },
      // One process: the fence holds until the lease passes to a new epoch (tests may answer `take` themselves).
      fence: (name, epoch) => {
        const check = () => {
          if (epochs.has(name) && epochs.get(name) !== epoch) throw Object.assign(new Error(`lease ${name} lost`), { code: 'lease_lost' });
        };
        const write =
          <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
          async (...a: A): Promise<R> => {
            check();
            return f(...a);
          };
        return {
          state: {
            ...ctx.state,
            set: write(ctx.state.set),
            setMany: write(ctx.state.setMany),
            delete: write(ctx.state.delete),
            deletePrefix: write(ctx.state.deletePrefix),
          },
          saveCheckpoint: write(ctx.saveCheckpoint),
          ingest: write((env) => ctx.ingest(env)),
        };
      },
      release: async (name) => void leases.delete(name),
    },
    async ingest(input, options): Promise<IngestOutcome> {
      const env = inboundEnvelopeSchema.parse(input);
      // As the core: a raw payload handed over is stored and named by the envelope's rawKey.
      if (options?.raw) env.rawKey = (await ctx.blobs.put(options.raw, { raw: true })).key;
      if (env.checkpoint) stateMap.set(env.checkpoint.key, env.checkpoint.value);
      const key = env.message.externalId;
      if (seen.has(key)) return { status: 'duplicate' };
      seen.add(key);
      ingested.push(env);
      if (env.ignore) return { status: 'ignored', reason: env.ignore.reason };
      return {
        status: 'created',
        ticketId: 't',
        ticketNumber: 10000 + ingested.length,
        ticketStatus: 'new',
        messageId: `m${ingested.length}`,
        matchedBy: 'new_ticket',
      };
    },
    async updateMessage(u) {
      ctx.updates.push(u);
      return true;
    },
    async updateDelivery(u) {
      ctx.deliveries.push(u);
      return true;
    },
    async findOutbound(id) {
      return ctx.outbound.get(id);
    },
    async linkIdentities(addresses) {
      ctx.links.push(addresses);
      return undefined;
    },
    async saveCheckpoint(k, v) {
      stateMap.set(k, v);
    },
  };
  return ctx;
}
