/**
 * Composition root: `createApp(loaded)` builds everything (database, blob store, ingest, outbox,
 * channels, HTTP) with no side effects until `start()`. Tests boot and stop the whole app.
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AutomationHooks } from './automation/hooks.js';
import type { ChannelDefinition, Clock } from './channel/contract.js';
import { createChannelDirectory, type ChannelDirectory } from './channel/directory.js';
import { buildChannels, type RunningChannel, startChannels, type StartReport, stopChannels } from './channel/runtime.js';
import type { LoadedConfig } from './config/loader.js';
import { createDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { createAutomation, type Automation } from './automation/automation.js';
import { createDispatcher, type Dispatcher } from './outbox/dispatcher.js';
import { createHttpApp } from './http/server.js';
import { createIngest, type IngestFn } from './ingest/pipeline.js';
import { sanitizeEmailHtml } from './ingest/sanitize-html.js';
import { createLogger } from './logger.js';
import { resolveServerSecret } from './config/secret.js';
import { createBlobStore } from './storage/blob-store.js';
import type { BlobStore } from './channel/contract.js';

export interface AppOptions {
  definitions: ReadonlyArray<ChannelDefinition<any>>;
  clock?: Clock;
  logger?: Logger;
  /** Run the outbox and timer loops (off in tests that drive them by hand). */
  loops?: boolean;
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
  /** Migrates, starts channel sources, the outbox and the HTTP server. */
  start(listen?: { host?: string; port?: number }): Promise<{ url: string; report: StartReport }>;
  stop(): Promise<void>;
}

export function createApp(loaded: LoadedConfig, options: AppOptions): PonteApp {
  const config = loaded.config;
  const clock = options.clock ?? { now: () => Date.now() };
  const logger = options.logger ?? createLogger({ level: config.logging.level, secrets: loaded.secrets });
  const database = createDatabase(
    config.database.driver === 'postgres' ? { ...config.database, onIdleError: (err) => logger.warn({ err }, 'idle database connection lost') } : config.database,
  );
  const blobs = createBlobStore(config.storage.blobsDir, config.storage.maxAttachmentBytes);
  const channels = createChannelDirectory(loaded.channels, options.definitions);
  const automation = createAutomation({ database, channels, config, clock, logger: logger.child({ part: 'automation' }) });
  const hooks: AutomationHooks = automation.hooks;
  const ingest = createIngest({ database, clock, config, channels, hooks, logger: logger.child({ part: 'ingest' }), sanitizeHtml: sanitizeEmailHtml });
  const wakeOnIngest: IngestFn = async (channelId, env) => {
    const outcome = await ingest(channelId, env);
    if (outcome.status === 'created' || outcome.status === 'appended') dispatcher.wake();
    return outcome;
  };
  const abort = new AbortController();
  const secret = resolveServerSecret(config);
  const running = buildChannels({ database, directory: channels, blobs, clock, logger, secret, ingest: wakeOnIngest, signal: abort.signal });
  const senders = new Map(running.filter((c) => c.runtime.sender).map((c) => [c.entry.id, c.runtime.sender!]));
  const dispatcher = createDispatcher({ database, channels, senders, clock, logger: logger.child({ part: 'outbox' }), config, onSent: (row, message) => automation.onSent(row, message) });
  const http = createHttpApp({ database, config, channels, running: () => running, hooks, blobs, clock, wakeOutbox: () => dispatcher.wake(), uploadKey: createHmac('sha256', secret).update('ponte:uploads').digest(), webKey: createHmac('sha256', secret).update('ponte:web').digest(), logger, trustProxy: config.server.trustProxy });
  let server: Server | undefined;

  return {
    database,
    blobs,
    channels,
    running,
    dispatcher,
    automation,
    ingest: wakeOnIngest,
    logger,
    async start(listen) {
      const migrated = await migrateToLatest(database);
      if (migrated.error) throw migrated.error;
      server = await new Promise<Server>((resolve, reject) => {
        const s = http.listen(listen?.port ?? config.server.port, listen?.host ?? config.server.host, () => resolve(s));
        s.once('error', reject);
      });
      const report = await startChannels(running, logger);
      if (options.loops !== false) {
        dispatcher.start();
        automation.start();
      }
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return { url: `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${addr.port}`, report };
    },
    async stop() {
      abort.abort();
      await stopChannels(running, logger);
      await dispatcher.stop();
      await automation.stop();
      if (server) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await database.destroy();
    },
  };
}
