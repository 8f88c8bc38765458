/**
 * Two gateway processes for one WhatsApp number, on a real database (SQLite file and
 * PostgreSQL): the first stalls (stops renewing), its lease runs out, the second takes the
 * number at a higher epoch and writes its keys; the first wakes up, and its late key and
 * credential writes are refused by the fence, so it cannot overwrite the new holder's session,
 * and it drops its socket. Real Baileys credentials and cacheable key store, fake transport.
 */
import pino from 'pino';
import { baileysAuthToolkit } from '../../channels/whatsapp/baileys-socket.js';
import { createWhatsappChannelDefinition, type WhatsappRuntime } from '../../channels/whatsapp/index.js';
import type { ChannelContext, LeaseManager } from '../../src/channel/contract.js';
import { createChannelDirectory } from '../../src/channel/directory.js';
import { createChannelContext } from '../../src/channel/runtime.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseReady } from './core-harness.js';
import { createFakeSocketFactory, ME } from './fake-socket.js';
import { waitFor } from './harness.js';

const silent = pino({ level: 'silent' });
const TTL = 1_000;

interface Gateway {
  ctx: ChannelContext;
  runtime: WhatsappRuntime;
  factory: ReturnType<typeof createFakeSocketFactory>;
}

function gateway(t: TestApp, holder: string, leases?: (real: LeaseManager) => LeaseManager): Gateway {
  const factory = createFakeSocketFactory();
  const definition = createWhatsappChannelDefinition({
    makeSocket: factory.makeSocket,
    authToolkit: baileysAuthToolkit,
    random: () => 0.5,
  });
  const config = definition.configSchema.parse({ id: 'wa', kind: 'whatsapp', locale: 'pt-BR', leaseTtlMs: TTL });
  const directory = createChannelDirectory([config], [definition]);
  const deps = {
    database: t.app.database,
    directory,
    blobs: t.app.blobs,
    clock: { now: () => Date.now() },
    logger: silent,
    secret: 'fencing-test-secret',
    ingest: t.app.ingest,
    signal: new AbortController().signal,
  };
  const real = createChannelContext(directory.get('wa')!, deps, holder);
  const ctx = leases ? { ...real, leases: leases(real.leases) } : real;
  return { ctx, runtime: definition.create(config, ctx), factory };
}

async function connect(g: Gateway): Promise<void> {
  await g.runtime.source.start();
  await waitFor(() => g.factory.sockets.length === 1, 2000, 'the socket');
  g.factory.latest().open();
  await g.runtime.connection.idle();
}

const epochOf = async (t: TestApp) => {
  const row = await t.app.database.kysely
    .selectFrom('leases')
    .select(['holder', 'epoch'])
    .where('name', '=', 'whatsapp:wa')
    .executeTakeFirstOrThrow();
  return { holder: row.holder, epoch: Number(row.epoch) };
};

const stored = async (t: TestApp, key: string) =>
  (
    await t.app.database.kysely
      .selectFrom('channel_state')
      .select('value')
      .where('channel_id', '=', 'wa')
      .where('key', '=', key)
      .executeTakeFirst()
  )?.value;

describe.each(['sqlite', 'postgres'] as const)('WhatsApp number lease fencing (%s)', (db) => {
  test('a gateway that lost the number cannot overwrite the new holder keys, and stops its socket', async () => {
    if (!databaseReady(db)) return;
    const t = await startTestApp({ database: db });
    // Gateway A stalls on demand: its renewals wait until the test lets them go.
    let stalled = false;
    let unstall: () => void = () => undefined;
    const stall = new Promise<void>((r) => {
      unstall = r;
    });
    const a = gateway(t, 'gw-a', (real) => ({
      ...real,
      take: async (name, ttl) => {
        if (stalled) await stall;
        return real.take(name, ttl);
      },
    }));
    const b = gateway(t, 'gw-b');
    try {
      await connect(a);
      expect(a.runtime.source.health().state).toBe('connected');
      const first = await epochOf(t);
      expect(first.holder).toBe('gw-a');
      const sockA = a.factory.latest();
      await sockA.options.auth.keys.set({ session: { '5511987654321.0': new Uint8Array([1, 1, 1]) } });
      expect(await stored(t, 'auth:key:session:5511987654321.0')).toBeDefined();

      // A stops renewing; its lease runs out; B takes the number with a higher epoch.
      stalled = true;
      await new Promise((r) => setTimeout(r, TTL + 300));
      await connect(b);
      expect(b.runtime.source.health().state).toBe('connected');
      const second = await epochOf(t);
      expect(second.holder).toBe('gw-b');
      expect(second.epoch).toBeGreaterThan(first.epoch);
      const sockB = b.factory.latest();
      await sockB.options.auth.keys.set({ session: { '5511987654321.0': new Uint8Array([2, 2, 2]) } });
      sockB.emit('creds.update', { me: ME, registered: true });
      await b.runtime.connection.idle();
      const keyOfB = await stored(t, 'auth:key:session:5511987654321.0');
      const credsOfB = await stored(t, 'auth:creds');

      // A wakes up and writes what its stale session computed: refused, nothing lands.
      expect(sockA.ended).toBe(false);
      const refused = await sockA.options.auth.keys.set({ session: { '5511987654321.0': new Uint8Array([9, 9, 9]) } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({ code: 'lease_lost' });
      await waitFor(() => sockA.ended, 2000, 'the stale socket to end');
      sockA.emit('creds.update', { registered: false, me: { id: '5511000000000:1@s.whatsapp.net' } });
      await a.runtime.connection.idle();
      expect(await stored(t, 'auth:key:session:5511987654321.0')).toBe(keyOfB);
      expect(await stored(t, 'auth:creds')).toBe(credsOfB);
      expect(a.runtime.source.health()).toMatchObject({ state: 'backing_off', lastError: 'another gateway process holds this number' });
      expect(a.runtime.connection.connected()).toBeUndefined();
      // B is untouched: still connected, still the holder at its epoch.
      expect(b.runtime.source.health().state).toBe('connected');
      expect(await epochOf(t)).toEqual(second);
    } finally {
      unstall();
      await a.runtime.source.stop();
      await b.runtime.source.stop();
      if (db === 'postgres') {
        await t.app.stop();
        await new Promise((r) => setTimeout(r, 100));
      }
      await t.stop();
    }
  });
});
