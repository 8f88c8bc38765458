/**
 * The channel contract suite: every kind in channels/index.ts is built, started, stopped, fed
 * the same message twice and driven into send failures through its public entry points only
 * (drivers in channel-contract.ts).
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { channelDefinitions } from '../../channels/index.js';
import type { IngestOutcome } from '../../src/channel/contract.js';
import { ChannelError } from '../../src/domain/errors.js';
import { startTestApp } from '../support/app.js';
import { createFakeContext } from '../support/fake-context.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { startGraphStub } from '../whatsapp/cloud-graph-stub.js';
import { closedLoopbackPort, type ContractEnv, drivers, recordingDefinition } from './channel-contract.js';

let env: ContractEnv;
beforeAll(async () => {
  env = { closedPort: await closedLoopbackPort(), graph: await startGraphStub() };
});
afterAll(async () => {
  await env.graph.close();
});
afterEach(() => env.graph.reset());

/**
 * Records what `fn` does that counts as I/O: socket connects (net.Socket.prototype.connect, which
 * every client socket goes through), sockets left open (or a DNS lookup in flight), calls through
 * the `fs`/`net`/`tls` module objects, timers. Limit: jest binds named imports of
 * node built-ins (`import { writeFile } from 'node:fs/promises'`) before this runs, so those
 * calls are not seen; sockets are still caught by the handle count, file writes are not.
 */
async function recordIo(fn: () => unknown): Promise<string[]> {
  const seen: string[] = [];
  const restore: Array<() => void> = [];
  const patch = (owner: any, name: string, label: string) => {
    const original = owner[name];
    owner[name] = function (this: unknown, ...args: unknown[]) {
      seen.push(label);
      return original.apply(this, args);
    };
    restore.push(() => (owner[name] = original));
  };
  for (const name of ['connect', 'createConnection']) patch(net, name, `net.${name}`);
  // Every TCP/TLS client socket connects through this prototype method, named imports included.
  patch(net.Socket.prototype, 'connect', 'socket.connect');
  patch(tls, 'connect', 'tls.connect');
  for (const name of ['writeFileSync', 'appendFileSync', 'mkdirSync', 'openSync', 'createWriteStream', 'writeFile', 'mkdir', 'open'])
    patch(fs, name, `fs.${name}`);
  for (const name of ['writeFile', 'appendFile', 'mkdir', 'open']) patch(fs.promises, name, `fs.promises.${name}`);
  patch(globalThis, 'setTimeout', 'setTimeout');
  patch(globalThis, 'setInterval', 'setInterval');
  const sockets = () => process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Pipe|GetAddrInfo/.test(r)).length;
  const socketsBefore = sockets();
  try {
    await fn();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  } finally {
    for (const r of restore.reverse()) r();
  }
  const socketsAfter = sockets();
  if (socketsAfter > socketsBefore) seen.push(`${socketsAfter - socketsBefore} open socket(s)`);
  return seen;
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('the I/O recorder sees an open socket, a file write and a timer (so an empty record means something)', async () => {
  let socket: net.Socket | undefined;
  const dir = fs.mkdtempSync(join(tmpdir(), 'ponte-contract-io-'));
  const io = await recordIo(async () => {
    const { connect } = await import('node:net');
    socket = connect(Number(new URL(env.graph.baseUrl).port), '127.0.0.1');
    fs.writeFileSync(join(dir, 'x'), 'x');
    clearTimeout(setTimeout(() => undefined, 10));
  });
  socket?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
  // The handle count is a second signal only: another test's socket closing at the same moment can hide it.
  expect(io).toEqual(expect.arrayContaining(['socket.connect', 'fs.writeFileSync', 'setTimeout']));
});

test('every channel kind in channels/index.ts has a contract driver', () => {
  expect(channelDefinitions.map((d) => d.kind).sort()).toEqual(drivers.map((d) => d.kind).sort());
});

describe.each(drivers.map((d) => [d.kind, d] as const))('%s channel', (_kind, driver) => {
  const parse = (id: string) => driver.definition().configSchema.parse(driver.config(id, env));

  test('create() does no I/O: no socket, no file written, no timer', async () => {
    const definition = driver.definition();
    const config = definition.configSchema.parse(driver.config('c1', env));
    const ctx = createFakeContext('c1');
    const io = await recordIo(() => definition.create(config, ctx));
    expect(io).toEqual([]);
  });

  test('stop() returns promptly after start(), and again when never started', async () => {
    const definition = driver.definition();
    const config = definition.configSchema.parse(driver.config('c2', env));
    const ctx = createFakeContext('c2', { now: Date.now() });
    const runtime = definition.create(config, ctx);
    await within(
      5000,
      'start()',
      (runtime.source?.start() ?? Promise.resolve()).catch(() => undefined),
    );
    ctx.abort();
    await within(5000, 'stop()', runtime.source?.stop() ?? Promise.resolve());
    await within(5000, 'sender.close()', runtime.sender?.close?.() ?? Promise.resolve());
    expect(runtime.source?.health().state ?? 'stopped').not.toBe('connected');

    const idle = definition.create(config, createFakeContext('c3'));
    await within(5000, 'stop() of a channel never started', idle.source?.stop() ?? Promise.resolve());
  });

  const sends = driver.failingSends({ closedPort: 0, graph: undefined as never });
  if (sends.length === 0) {
    test('a kind that cannot send has no sender', () => {
      const config = parse('c4');
      expect(driver.definition().capabilities(config).canSend).toBe(false);
      expect(driver.definition().create(config, createFakeContext('c4')).sender).toBeUndefined();
    });
  } else {
    test.each(sends.map((s) => [s.what] as const))(
      'a failed send throws a ChannelError with a literal code and retryable: %s',
      async (what) => {
        const definition = driver.definition();
        const config = definition.configSchema.parse(driver.config('c5', env));
        const runtime = definition.create(config, createFakeContext('c5', { now: Date.now() }));
        const send = driver.failingSends(env).find((s) => s.what === what)!;
        await send.arrange?.(runtime);
        const err = await within(20_000, 'send()', runtime.sender!.send(send.message)).then(
          () => undefined,
          (e: unknown) => e,
        );
        await runtime.sender!.close?.();
        await runtime.source?.stop();
        expect(err).toBeInstanceOf(ChannelError);
        const { code, retryable } = err as ChannelError;
        expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(typeof retryable).toBe('boolean');
      },
    );
  }

  const deliverTwice = driver.deliver;
  if (deliverTwice) {
    test('the same message delivered twice is ingested once: the second answer is `duplicate`', async () => {
      const outcomes: IngestOutcome[] = [];
      const support = createTestChannelDefinition();
      const t = await startTestApp({
        definitions: [recordingDefinition(driver.definition(), outcomes), support.definition],
        channels: [{ id: 'support', kind: 'test' }, driver.config('contract', env)],
      });
      try {
        const running = t.app.running.find((c) => c.entry.id === 'contract')!;
        expect(running.startError).toBeUndefined();
        for (let round = 1; round <= 2; round++) {
          await deliverTwice({ baseUrl: t.baseUrl, runtime: running.runtime });
          for (let i = 0; i < 300 && outcomes.length < round; i++) await new Promise((r) => setTimeout(r, 10));
        }
        expect(outcomes.map((o) => o.status)).toEqual(['created', 'duplicate']);
      } finally {
        await t.stop();
      }
    });
  }
});
