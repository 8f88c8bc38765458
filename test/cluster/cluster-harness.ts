/**
 * Several gateways on one PostgreSQL database: a fresh database per suite, gateways in this
 * process (createApp, like test/support/app.ts but without the per-app database and admin), and
 * real `ponte serve` processes that can be killed without a goodbye.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { createApp, type PonteApp } from '../../src/app.js';
import type { ChannelDefinition } from '../../src/channel/contract.js';
import { parseConfig } from '../../src/config/loader.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { postgresUrl } from '../support/services.js';

export interface SharedPostgres {
  url: string;
  name: string;
  /** A connection of the test's own to the shared database. */
  db: Database;
  drop(): Promise<void>;
}

let counter = 0;

export async function createSharedPostgres(baseUrl?: string): Promise<SharedPostgres> {
  const base = baseUrl ?? postgresUrl();
  if (!base) throw new Error('PONTE_TEST_POSTGRES_URL is not set');
  const name = `ponte_cluster_${process.pid}_${Date.now()}_${counter++}`;
  const admin = createDatabase({ driver: 'postgres', url: base });
  await sql.raw(`CREATE DATABASE ${name}`).execute(admin.kysely);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDatabase({ driver: 'postgres', url, poolSize: 2 });
  return {
    url,
    name,
    db,
    async drop() {
      await db.destroy();
      await sql
        .raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        .execute(admin.kysely)
        .catch(() => undefined);
      await admin.destroy();
    },
  };
}

export interface InProcessGateway {
  app: PonteApp;
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startGateway(o: {
  url: string;
  definitions: ReadonlyArray<ChannelDefinition<any>>;
  channels: Array<Record<string, unknown>>;
  config?: Record<string, unknown>;
}): Promise<InProcessGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ponte-cluster-'));
  const load = () =>
    parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        database: { driver: 'postgres', url: o.url, poolSize: 4 },
        storage: { blobsDir: join(dataDir, 'blobs') },
        security: { secret: 'test-secret-0123456789abcdef' },
        logging: { level: 'silent' },
        ...o.config,
        channels: o.channels,
      },
      { env: {}, definitions: o.definitions },
    );
  let loaded: ReturnType<typeof parseConfig>;
  try {
    loaded = load();
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${JSON.stringify((err as { issues?: unknown }).issues)}`, { cause: err });
  }
  const app = createApp(loaded, { definitions: o.definitions, logger: pino({ level: 'silent' }), loops: false });
  const { url } = await app.start({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl: url,
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface GatewayProcess {
  pid: number;
  url: string;
  /** SIGKILL: no release, no goodbye (a crash). */
  kill(): Promise<void>;
  /** SIGTERM and wait (a clean stop). */
  stop(): Promise<void>;
  output(): string;
}

const ROOT = process.cwd();

/** Starts `ponte serve` (node with the tsx loader: one process, so a kill is the gateway's death) with this configuration and waits until /healthz answers. */
export async function spawnGateway(config: Record<string, unknown>, port: number, timeoutMs = 60_000): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ponte-gw-'));
  const file = join(dir, 'ponte.yaml');
  writeFileSync(file, JSON.stringify({ ...config, server: { host: '127.0.0.1', port }, storage: { blobsDir: join(dir, 'blobs') } }));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file, 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: dir },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early: ${out.slice(-2000)}`);
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not come up in ${timeoutMs} ms: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return { pid: child.pid!, url, kill: () => end('SIGKILL'), stop: () => end('SIGTERM'), output: () => out };
}

/** The channel states a gateway reports in /healthz. */
export async function channelStates(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/healthz`);
  return ((await res.json()) as { channels: Record<string, string> }).channels;
}

/**
 * Established TCP connections to 127.0.0.1:`port` per process id, as the kernel sees them
 * (`ss -tnp`): how many IMAP sessions each gateway holds open.
 */
export function connectionsByPid(port: number): Map<number, number> {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  const counts = new Map<number, number>();
  for (const m of out.matchAll(/pid=(\d+)/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return counts;
}

/** Polls `check` every 50 ms until it returns a truthy value or the time runs out. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
