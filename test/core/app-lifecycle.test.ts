/**
 * `createApp` keeps its promise: building the app creates no file or folder, opens no database,
 * socket or timer; `start()` does all of it, and `stop()` leaves nothing running.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/loader.js';

/** Listening servers and sockets (jest's own timers and in-flight fs requests come and go). */
async function liveHandles(): Promise<Record<string, number>> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) if (/TCP|UDP/.test(kind)) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

/** Runs `fn` counting the timers it creates. */
function countingTimers<T>(fn: () => T): { value: T; timers: number } {
  const saved = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  let timers = 0;
  globalThis.setTimeout = ((...a: Parameters<typeof setTimeout>) => (timers++, saved.setTimeout(...a))) as typeof setTimeout;
  globalThis.setInterval = ((...a: Parameters<typeof setInterval>) => (timers++, saved.setInterval(...a))) as typeof setInterval;
  try {
    return { value: fn(), timers };
  } finally {
    Object.assign(globalThis, saved);
  }
}

describe('createApp', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ponte-app-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = () =>
    parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        database: { driver: 'sqlite', path: join(dir, 'data', 'ponte.db') },
        storage: { blobsDir: join(dir, 'data', 'blobs') },
        security: { secretFile: join(dir, 'data', 'secret') },
        logging: { level: 'silent' },
        channels: [],
      },
      { env: {}, definitions: [] },
    );

  test('creates nothing before start(); start() creates the data folder, database, blobs and secret; the secret survives a restart', async () => {
    const before = await liveHandles();
    const { value: app, timers } = countingTimers(() => createApp(load(), { definitions: [], logger: pino({ level: 'silent' }) }));
    expect(timers).toBe(0);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    expect(await liveHandles()).toEqual(before);
    await expect(app.blobs.put('x')).rejects.toThrow(/not started/);

    await app.start({ host: '127.0.0.1', port: 0 });
    for (const f of ['ponte.db', 'blobs', 'secret']) expect(existsSync(join(dir, 'data', f))).toBe(true);
    expect((statSync(join(dir, 'data', 'secret')).mode & 0o777).toString(8)).toBe('600');
    const secret = readFileSync(join(dir, 'data', 'secret'), 'utf8');
    expect(secret.trim().length).toBeGreaterThanOrEqual(16);
    expect((await app.blobs.put('hello')).size).toBe(5);
    await app.stop();
    expect(await liveHandles()).toEqual(before);

    const again = createApp(load(), { definitions: [], logger: pino({ level: 'silent' }) });
    await again.start({ host: '127.0.0.1', port: 0 });
    await again.stop();
    expect(readFileSync(join(dir, 'data', 'secret'), 'utf8')).toBe(secret);
  });

  test('open() (what CLI commands run a channel with) gives a working blob store and database, serves nothing', async () => {
    const before = await liveHandles();
    const app = createApp(load(), { definitions: [], logger: pino({ level: 'silent' }) });
    await app.open();
    await app.open(); // once is enough; a second call changes nothing
    expect((await app.blobs.put('hello')).size).toBe(5);
    expect(await app.database.kysely.selectFrom('tickets').select('id').execute()).toEqual([]);
    expect(existsSync(join(dir, 'data', 'secret'))).toBe(true);
    await app.stop();
    expect(await liveHandles()).toEqual(before);
  });

  test('an app that is built and never started stops cleanly and leaves nothing behind', async () => {
    const app = createApp(load(), { definitions: [], logger: pino({ level: 'silent' }) });
    await app.stop();
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
