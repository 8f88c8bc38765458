/**
 * Builds each configured channel with its own ChannelContext and starts/stops the sources.
 * Starting many channels is a result object: one broken mailbox never stops the others.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { linkIdentities } from '../db/repositories/contact.repository.js';
import { deleteStatePrefix, getState, putState, stateKeys } from '../db/repositories/channel-state.repository.js';
import { advanceDelivery, findMessageByExternalId } from '../db/repositories/message.repository.js';
import { updateMessageContent } from '../db/repositories/message-update.repository.js';
import { getTicketById } from '../db/repositories/ticket.repository.js';
import { newId } from '../domain/ids.js';
import type { IngestFn } from '../ingest/pipeline.js';
import { createSharedRateLimits } from '../cluster/shared-rate-limits.js';
import { withSourceLease } from '../cluster/source-lease.js';
import { createChannelLeases } from './channel-leases.js';
import type { BlobStore, ChannelContext, ChannelHealth, ChannelRuntime, Clock, MessageUpdate } from './contract.js';
import type { ChannelDirectory, ChannelEntry } from './directory.js';

export interface RunningChannel {
  entry: ChannelEntry;
  context: ChannelContext;
  runtime: ChannelRuntime;
  startError?: string | undefined;
}

export interface ChannelRuntimeDeps {
  database: Database;
  directory: ChannelDirectory;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  secret: string;
  ingest: IngestFn;
  signal: AbortSignal;
  /** Lease period for pull sources shared by several gateways (cluster.leaseMs). */
  leaseMs?: number;
}

export function createChannelContext(entry: ChannelEntry, deps: ChannelRuntimeDeps, holder: string): ChannelContext {
  const db = deps.database.kysely;
  const channelId = entry.id;
  return {
    channelId,
    logger: deps.logger.child({ channel: channelId, kind: entry.kind }),
    clock: deps.clock,
    signal: deps.signal,
    blobs: deps.blobs,
    deriveKey: (purpose) => createHmac('sha256', deps.secret).update(`ponte:${channelId}:${purpose}`).digest(),
    state: {
      get: async <T>(key: string) => (await getState(db, channelId, [key])).get(key) as T | undefined,
      getMany: async <T>(keys: string[]) => (await getState(db, channelId, keys)) as Map<string, T>,
      set: (key, value) => putState(db, channelId, key, value, deps.clock.now()),
      setMany: (entries) =>
        db.transaction().execute(async (trx) => {
          for (const [k, v] of entries) await putState(trx, channelId, k, v, deps.clock.now());
        }),
      delete: (key) => putState(db, channelId, key, null, deps.clock.now()),
      keys: (prefix) => stateKeys(db, channelId, prefix),
      deletePrefix: (prefix) => deleteStatePrefix(db, channelId, prefix),
    },
    leases: createChannelLeases(channelId, holder, deps),
    ...(deps.database.dialect === 'postgres' ? { rateLimits: createSharedRateLimits(() => db) } : {}),
    ingest: (envelope, options) => deps.ingest(channelId, envelope, options?.raw ? { raw: options.raw } : undefined),
    updateMessage: (update) => applyMessageUpdate(deps.database, channelId, update),
    updateDelivery: (u) =>
      advanceDelivery(db, channelId, u.externalId, u.status, u.at, { code: u.errorCode, message: u.errorMessage }, deps.clock.now()),
    findOutbound: async (externalId) => {
      const m = await findMessageByExternalId(db, channelId, externalId);
      if (!m || m.direction !== 'out') return undefined;
      const t = await getTicketById(db, m.ticket_id);
      return { messageId: m.id, ticketNumber: t?.number ?? 0, text: m.text, externalId, createdAt: Number(m.created_at) };
    },
    saveCheckpoint: (key, value) => putState(db, channelId, key, value, deps.clock.now()),
    linkIdentities: (addresses) => db.transaction().execute((trx) => linkIdentities(trx, addresses, deps.clock.now())),
  };
}

/** Edits, revokes and reactions change the message they target; they never create or reopen a ticket. */
export async function applyMessageUpdate(database: Database, channelId: string, update: MessageUpdate): Promise<boolean> {
  return database.kysely.transaction().execute((trx) => updateMessageContent(trx, channelId, update));
}

export function buildChannels(deps: ChannelRuntimeDeps): RunningChannel[] {
  const holder = `${process.pid}:${newId().slice(-10)}`;
  const out: RunningChannel[] = [];
  for (const entry of deps.directory.list()) {
    if (!entry.config.enabled) continue;
    const context = createChannelContext(entry, deps, holder);
    try {
      const leased = { database: deps.database, logger: deps.logger, leaseMs: deps.leaseMs ?? 15_000, holder };
      out.push({ entry, context, runtime: withSourceLease(entry, context, leased, (ctx) => entry.definition.create(entry.config, ctx)) });
    } catch (err) {
      deps.logger.error({ channel: entry.id, err }, 'channel could not be built');
      out.push({ entry, context, runtime: {}, startError: (err as Error).message });
    }
  }
  return out;
}

export interface StartReport {
  started: string[];
  failed: Array<{ channelId: string; error: string }>;
}

export async function startChannels(channels: RunningChannel[], logger: Logger): Promise<StartReport> {
  const report: StartReport = { started: [], failed: [] };
  await Promise.all(
    channels.map(async (c) => {
      if (c.startError) {
        report.failed.push({ channelId: c.entry.id, error: c.startError });
        return;
      }
      try {
        await c.runtime.source?.start();
        report.started.push(c.entry.id);
      } catch (err) {
        c.startError = (err as Error).message;
        logger.error({ channel: c.entry.id, err }, 'channel failed to start');
        report.failed.push({ channelId: c.entry.id, error: c.startError });
      }
    }),
  );
  return report;
}

export async function stopChannels(channels: RunningChannel[], logger: Logger): Promise<void> {
  await Promise.all(
    channels.map(async (c) => {
      try {
        await c.runtime.source?.stop();
        await c.runtime.sender?.close?.();
      } catch (err) {
        logger.warn({ channel: c.entry.id, err }, 'channel stop failed');
      }
    }),
  );
}

export function channelHealth(c: RunningChannel): ChannelHealth {
  if (c.startError) return { state: 'error', lastError: c.startError };
  if (c.runtime.source) return c.runtime.source.health();
  return { state: 'ok' };
}

/**
 * Logs one info line each time a channel's state changes (connected, backing off, auth
 * failed …), read from the sources' `health()` on a short interval: adapters keep their own
 * state, the core reports its changes. Returns a stop function.
 */
export function watchChannelStates(channels: RunningChannel[], logger: Logger, intervalMs = 1000): () => void {
  const last = new Map<string, string>();
  const check = () => {
    for (const c of channels) {
      const h = channelHealth(c);
      const previous = last.get(c.entry.id);
      if (previous === h.state) continue;
      last.set(c.entry.id, h.state);
      const line = {
        channel: c.entry.id,
        kind: c.entry.kind,
        from: previous ?? null,
        to: h.state,
        ...(h.lastError ? { lastError: h.lastError } : {}),
      };
      if (h.state === 'auth_failed' || h.state === 'error' || h.state === 'logged_out') logger.warn(line, 'channel state changed');
      else logger.info(line, 'channel state changed');
    }
  };
  check();
  const timer = setInterval(check, intervalMs);
  timer.unref?.();
  return () => {
    clearInterval(timer);
    check();
  };
}
