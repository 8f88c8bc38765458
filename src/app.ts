/**
 * Composition root: `createApp(loaded)` builds everything (database, blob store, ingest, outbox,
 * channels, HTTP) with no side effects until `start()`: no file or folder is created, no
 * database is opened, no socket or timer exists before it (it may read the secret file).
 * `start()` writes a generated secret, opens and migrates the database, listens, starts the
 * channels and the loops. Tests boot and stop the whole app (test/core/app-lifecycle.test.ts).
 */
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ChannelDefinition, Clock } from './channel/contract.js';
import { createChannelDirectory, type ChannelDirectory } from './channel/directory.js';
import {
  buildChannels,
  type RunningChannel,
  startChannels,
  type StartReport,
  stopChannels,
  watchChannelStates,
} from './channel/runtime.js';
import type { LoadedConfig } from './config/loader.js';
import { createDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { createAutomation, type Automation } from './automation/automation.js';
import { createDispatcher, type Dispatcher } from './outbox/dispatcher.js';
import { createHttpApp } from './http/server.js';
import { createLimitedServer } from './http/server-limits.js';
import { createIngest, type IngestFn } from './ingest/pipeline.js';
import { sanitizeEmailHtml } from './ingest/sanitize-html.js';
import { createLogger } from './logger.js';
import { loadServerSecret } from './config/secret.js';
import { createConfiguredBlobStore, type ConfiguredBlobStore } from './storage/create-blob-store.js';
import { createSendHealth } from './observability/health-summary.js';
import { createMetrics, type PonteMetrics } from './observability/metrics.js';
import { listenForEventLog } from './observability/event-log.js';
import { createTicketEvents } from './tickets/ticket-events.js';
import type { BlobStore } from './channel/contract.js';
import { createIntegrations, type Integrations } from './webhooks/integrations.js';
import { readUploadForm } from '../channels/webform/upload-form.js';

export interface AppOptions {
  definitions: ReadonlyArray<ChannelDefinition<any>>;
  clock?: Clock;
  logger?: Logger;
  /** Run the outbox and timer loops (off in tests that drive them by hand). */
  loops?: boolean;
  /** Node process metrics (memory, event loop) in /metrics: on for `serve`. */
  processMetrics?: boolean;
}

/** The HTTP port cannot be bound: said in one line, before any channel starts. */
export class ListenError extends Error {
  readonly code = 'listen_failed' as const;
  constructor(
    readonly reason: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(
      reason === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use: stop the other program or set server.port`
        : reason === 'EACCES'
          ? `no permission to listen on port ${port} on ${host}: use a port above 1023 or a reverse proxy`
          : `cannot listen on ${host}:${port} (${reason}): check server.host`,
    );
    this.name = 'ListenError';
  }
}

/** Files Ponte created before 0600/0700 were the rule (an older install) become private. */
function tightenPermissions(config: LoadedConfig['config']): void {
  const files =
    config.database.driver === 'sqlite' && config.database.path !== ':memory:'
      ? [config.database.path, `${config.database.path}-wal`, `${config.database.path}-shm`]
      : [];
  for (const f of [...files, config.security.secretFile]) {
    try {
      if (existsSync(f)) chmodSync(f, 0o600);
    } catch {
      /* not ours to change (another owner): leave it */
    }
  }
}

/** A BlobStore whose backend exists from start() on; used before that, it says so. */
function forwardBlobs(current: () => BlobStore | undefined): BlobStore {
  const store = (): BlobStore => {
    const s = current();
    if (!s) throw new Error('the blob store is opened by start(): the app is not started');
    return s;
  };
  return {
    put: async (source, options) => store().put(source, options),
    get: (key) => store().get(key),
    read: async (key) => store().read(key),
    exists: async (key) => store().exists(key),
    size: async (key) => store().size(key),
    delete: async (key) => store().delete(key),
    get local() {
      return current()?.local;
    },
  };
}

export interface PonteApp {
  database: Database;
  blobs: BlobStore;
  channels: ChannelDirectory;
  running: RunningChannel[];
  dispatcher: Dispatcher;
  automation: Automation;
  ingest: IngestFn;
  logger: Logger;
  metrics: PonteMetrics;
  integrations: Integrations;
  /** The express app the server runs (tests walk its routes against the OpenAPI document). */
  http: Express;
  /**
   * Opens what commands need without serving: writes a generated secret, builds the blob store,
   * migrates the database. No HTTP server, no channel source, no loop (`ponte email sync`,
   * `ponte whatsapp pair` run a channel's context this way). `start()` begins with it.
   */
  open(): Promise<void>;
  /** Opens (above), then starts channel sources, the outbox and the HTTP server. */
  start(listen?: { host?: string; port?: number }): Promise<{ url: string; report: StartReport }>;
  stop(): Promise<void>;
}

export function createApp(loaded: LoadedConfig, options: AppOptions): PonteApp {
  const config = loaded.config;
  const clock = options.clock ?? { now: () => Date.now() };
  // Known before the logger so that the logger can mask it; a generated one is written in start().
  const serverSecret = loadServerSecret(config);
  const secret = serverSecret.value;
  const logger = options.logger ?? createLogger({ level: config.logging.level, secrets: [...loaded.secrets, secret], pretty: 'auto' });
  const database = createDatabase(
    config.database.driver === 'postgres'
      ? { ...config.database, onIdleError: (err) => logger.warn({ err }, 'idle database connection lost') }
      : config.database,
  );
  // The local store creates its folder when built: built in start(), held behind a forwarder until then.
  let blobStore: ConfiguredBlobStore | undefined;
  const blobs = forwardBlobs(() => blobStore?.blobs);
  const channels = createChannelDirectory(loaded.channels, options.definitions);
  // Typed ticket events: the automations listen first, then webhook events, then the event log.
  const ticketEvents = createTicketEvents();
  const automation = createAutomation({
    database,
    channels,
    config,
    clock,
    logger: logger.child({ part: 'automation' }),
    events: ticketEvents,
  });
  const events = logger.child({ part: 'events' });
  const integrations = createIntegrations({ database, config, clock, logger: logger.child({ part: 'webhooks' }), blobs });
  integrations.listen(ticketEvents);
  listenForEventLog(ticketEvents, events);
  const ingest = createIngest({
    database,
    clock,
    config,
    channels,
    events: ticketEvents,
    logger: logger.child({ part: 'ingest' }),
    sanitizeHtml: sanitizeEmailHtml,
    rawPayloads: { blobs, inlineMaxBytes: config.storage.inlineMaxBytes },
  });
  let running: RunningChannel[] = [];
  const metrics = createMetrics({ database, running: () => running, clock, processMetrics: options.processMetrics ?? false });
  const sendHealth = createSendHealth();
  // One info line and one metric per ingest outcome; the outbox wakes for new work.
  const observedIngest: IngestFn = async (channelId, env, options) => {
    const started = performance.now();
    try {
      const outcome = await ingest(channelId, env, options);
      metrics.messageIn(channelId, outcome.status, (performance.now() - started) / 1000);
      if (outcome.status === 'created' || outcome.status === 'appended') {
        events.info(
          {
            channel: channelId,
            ticket: outcome.ticketNumber,
            messageId: outcome.messageId,
            matchedBy: outcome.matchedBy,
            status: outcome.ticketStatus,
            ...(outcome.asAgent ? { agent: outcome.asAgent.agentId } : {}),
          },
          outcome.status === 'created' ? 'ticket created' : 'message received',
        );
        dispatcher.wake();
      } else if (outcome.status === 'duplicate') {
        events.debug({ channel: channelId, ticket: outcome.ticketNumber }, 'message already received (duplicate)');
      } else {
        events.info(
          { channel: channelId, outcome: outcome.status, reason: 'reason' in outcome ? outcome.reason : undefined },
          `message ${outcome.status}`,
        );
      }
      return outcome;
    } catch (err) {
      metrics.messageIn(channelId, 'error', (performance.now() - started) / 1000);
      throw err;
    }
  };
  const abort = new AbortController();
  running = buildChannels({
    database,
    directory: channels,
    blobs,
    clock,
    logger,
    secret,
    ingest: observedIngest,
    signal: abort.signal,
    leaseMs: config.cluster.leaseMs,
  });
  const senders = new Map(running.filter((c) => c.runtime.sender).map((c) => [c.entry.id, c.runtime.sender!]));
  const observe = {
    sent: (channelId: string) => {
      sendHealth.sent(channelId);
      metrics.send(channelId, 'sent');
    },
    failed: (channelId: string, code: string, message: string, final: boolean) => {
      sendHealth.failed(channelId, clock.now(), code, message);
      metrics.send(channelId, final ? 'failed' : 'retry');
    },
  };
  const dispatcher = createDispatcher({
    database,
    channels,
    senders,
    clock,
    logger: logger.child({ part: 'outbox' }),
    config,
    onSent: async (row) => {
      await integrations.onReplySent(row.message_id);
    },
    onFailed: (row) => integrations.onReplyFailed(row.message_id),
    observe,
  });
  const http = createHttpApp({
    database,
    config,
    channels,
    running: () => running,
    events: ticketEvents,
    sendClaimCode: automation.sendClaimCode,
    blobs,
    clock,
    wakeOutbox: () => dispatcher.wake(),
    uploadKey: createHmac('sha256', secret).update('ponte:uploads').digest(),
    webKey: createHmac('sha256', secret).update('ponte:web').digest(),
    logger,
    trustProxy: config.server.trustProxy,
    metrics,
    sendHealth,
    ingest: observedIngest,
    readUploadForm,
  });
  let server: Server | undefined;
  let stopWatching: (() => void) | undefined;

  let opened: Promise<void> | undefined;
  function open(): Promise<void> {
    opened ??= (async () => {
      serverSecret.persist();
      blobStore ??= createConfiguredBlobStore(config.storage, database);
      const migrated = await migrateToLatest(database);
      if (migrated.error) throw migrated.error;
      tightenPermissions(config);
    })();
    return opened;
  }

  return {
    database,
    blobs,
    channels,
    running,
    dispatcher,
    automation,
    ingest: observedIngest,
    logger,
    metrics,
    integrations,
    http,
    open,
    async start(listen) {
      await open();
      database.checkpointInBackground?.((err) =>
        logger.warn({ err }, 'WAL checkpoint worker stopped: the app connection checkpoints alone (every 10,000 pages)'),
      );
      await integrations.prepare();
      // The port first: a busy port stops start-up before any channel logs in or sends.
      const port = listen?.port ?? config.server.port;
      const bindHost = listen?.host ?? config.server.host;
      server = await new Promise<Server>((resolve, reject) => {
        const s = createLimitedServer(http, config.server.limits);
        s.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
              ? new ListenError(err.code, bindHost, port)
              : err,
          ),
        );
        s.listen(port, bindHost, () => resolve(s));
      });
      const report = await startChannels(running, logger);
      stopWatching = watchChannelStates(running, logger.child({ part: 'channels' }));
      if (options.loops !== false) {
        dispatcher.start();
        automation.start();
        integrations.start();
      }
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return { url: `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${addr.port}`, report };
    },
    async stop() {
      abort.abort();
      await stopChannels(running, logger);
      stopWatching?.();
      await dispatcher.stop();
      await automation.stop();
      await integrations.stop();
      if (server) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      blobStore?.close();
      await database.destroy();
    },
  };
}
