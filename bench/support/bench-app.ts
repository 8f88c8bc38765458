/** The whole app as the benchmarks build it: SQLite in a temp dir, loopback, silent, loops off. */
import { join } from 'node:path';
import pino from 'pino';
import { createApp, type PonteApp } from '../../src/app.js';
import type { ChannelDefinition } from '../../src/channel/contract.js';
import { parseConfig } from '../../src/config/loader.js';

export function createBenchApp(options: {
  dir: string;
  dbPath?: string;
  definitions: ReadonlyArray<ChannelDefinition<any>>;
  channels: Array<Record<string, unknown>>;
  config?: Record<string, unknown>;
}): PonteApp {
  const loaded = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      database: { driver: 'sqlite', path: options.dbPath ?? join(options.dir, 'ponte.db') },
      storage: { blobsDir: join(options.dir, 'blobs') },
      security: { secret: 'bench-secret-0123456789abcdef' },
      logging: { level: 'silent' },
      ...options.config,
      channels: options.channels,
    },
    { env: {}, definitions: options.definitions },
  );
  return createApp(loaded, { definitions: options.definitions, logger: pino({ level: 'silent' }), loops: false });
}
