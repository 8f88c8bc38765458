/**
 * Boots the whole app in-process on a temporary SQLite file (or PostgreSQL when asked and
 * PONTE_TEST_POSTGRES_URL is set), on 127.0.0.1 with a random port. Loops are off by default:
 * tests drive the outbox with `drainOutbox()` so nothing races the assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { sql } from 'kysely';
import { createApp, type PonteApp } from '../../src/app.js';
import type { ChannelContext, ChannelDefinition, Clock } from '../../src/channel/contract.js';
import { parseConfig } from '../../src/config/loader.js';
import { createAgent } from '../../src/db/repositories/agent.repository.js';
import { getTicketByNumber } from '../../src/db/repositories/ticket.repository.js';
import { ticketDetail } from '../../src/tickets/ticket-view.js';
import { statusLabelsFor } from '../../src/config/schema.js';
import type { DispatchResult } from '../../src/outbox/dispatcher.js';

export interface TestAppOptions {
  definitions?: ReadonlyArray<ChannelDefinition<any>>;
  channels?: Array<Record<string, unknown>>;
  config?: Record<string, unknown>;
  database?: 'sqlite' | 'postgres';
  clock?: Clock;
  loops?: boolean;
  logger?: Logger;
  env?: Record<string, string>;
}

export interface TestApp {
  app: PonteApp;
  baseUrl: string;
  adminToken: string;
  adminId: string;
  dataDir: string;
  createAgent(input: {
    name: string;
    email?: string;
    phone?: string;
    role?: 'agent' | 'admin';
    notifyChannelId?: string;
  }): Promise<{ id: string; token: string }>;
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  getTicket(number: number): Promise<Awaited<ReturnType<typeof ticketDetail>>>;
  drainOutbox(): Promise<DispatchResult>;
  context(channelId: string): ChannelContext;
  stop(): Promise<void>;
}

let pgCounter = 0;

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ponte-test-'));
  let database: Record<string, unknown> = { driver: 'sqlite', path: join(dataDir, 'ponte.db') };
  let pgSchema: string | undefined;
  let pgAdmin: import('../../src/db/database.js').Database | undefined;
  if (options.database === 'postgres') {
    const url = process.env.PONTE_TEST_POSTGRES_URL;
    if (!url) throw new Error('PONTE_TEST_POSTGRES_URL is not set');
    // A fresh database per test app keeps suites independent.
    pgSchema = `ponte_t_${process.pid}_${Date.now()}_${pgCounter++}`;
    const { createDatabase } = await import('../../src/db/database.js');
    const adminDb = createDatabase({ driver: 'postgres', url });
    await sql.raw(`CREATE DATABASE ${pgSchema}`).execute(adminDb.kysely);
    pgAdmin = adminDb;
    const u = new URL(url);
    u.pathname = `/${pgSchema}`;
    database = { driver: 'postgres', url: u.toString(), poolSize: 4 };
  }
  const raw = {
    server: { host: '127.0.0.1', port: 0 },
    database,
    storage: { blobsDir: join(dataDir, 'blobs') },
    security: { secret: 'test-secret-0123456789abcdef' },
    logging: { level: 'silent' },
    ...options.config,
    channels: options.channels ?? [],
  };
  const loaded = parseConfig(raw, { env: options.env ?? {}, definitions: options.definitions ?? [] });
  const app = createApp(loaded, {
    definitions: options.definitions ?? [],
    ...(options.clock ? { clock: options.clock } : {}),
    logger: options.logger ?? pino({ level: 'silent' }),
    loops: options.loops ?? false,
  });
  const { url } = await app.start({ host: '127.0.0.1', port: 0 });
  const now = () => (options.clock ?? { now: () => Date.now() }).now();
  const admin = await createAgent(app.database.kysely, { name: 'Admin', email: 'admin@loja.example', role: 'admin' }, now());

  const t: TestApp = {
    app,
    baseUrl: url,
    adminToken: admin.token,
    adminId: admin.agent.id,
    dataDir,
    async createAgent(input) {
      const r = await createAgent(app.database.kysely, input, now());
      return { id: r.agent.id, token: r.token };
    },
    async api(method, path, body, token) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token ?? admin.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
    async getTicket(number) {
      const ticket = await getTicketByNumber(app.database.kysely, number);
      if (!ticket) throw new Error(`ticket #${number} not found`);
      return ticketDetail(app.database.kysely, ticket, statusLabelsFor(loaded.config, ticket.locale));
    },
    drainOutbox: () => app.dispatcher.drain(),
    context(channelId) {
      const c = app.running.find((x) => x.entry.id === channelId);
      if (!c) throw new Error(`channel ${channelId} is not running`);
      return c.context;
    },
    async stop() {
      await app.stop();
      if (pgSchema && pgAdmin) {
        // The admin connection that created the database drops it.
        await sql
          .raw(`DROP DATABASE IF EXISTS ${pgSchema} WITH (FORCE)`)
          .execute(pgAdmin.kysely)
          .catch(() => {});
        await pgAdmin.destroy();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
