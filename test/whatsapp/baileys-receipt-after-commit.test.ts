/**
 * Issue 12, "never lose a message": WhatsApp gets a message's receipt only after our ingest
 * transaction committed. The fake socket plays the recorded fixtures the way the patched
 * Baileys handles a message node (hand over, then receipt) and records what went back to
 * WhatsApp; the test records when the core committed, on the same timeline.
 */
import { createFakeContext } from '../support/fake-context.js';
import { fromNetwork } from './fake-socket.js';
import { baileysFixtureNames, loadFixture } from './fixtures.js';
import { databaseReady, startCore } from './core-harness.js';
import { startHarness, waitFor, type Harness } from './harness.js';

const networkUpserts = baileysFixtureNames()
  .map((name) => ({ name, fx: loadFixture(name) }))
  .filter(({ fx }) => fx._fixture.event === 'messages.upsert' && fromNetwork(fx.payload));

test('every recorded message: the core commits it first, then WhatsApp gets the receipt', async () => {
  expect(networkUpserts.length).toBeGreaterThan(20);
  const ctx = createFakeContext('wa');
  const timeline: string[] = [];
  const ingest = ctx.ingest.bind(ctx);
  ctx.ingest = async (env) => {
    const outcome = await ingest(env);
    timeline.push(`committed:${env.message.externalId}`);
    return outcome;
  };
  const h = await startHarness(ctx, { pendingStubTimeoutMs: 60_000 });
  const sock = h.sock();
  sock.transport.push = (...entries: string[]) => timeline.push(...entries);
  for (const { fx } of networkUpserts) await h.play(fx);

  const ingestedIds = ctx.ingested.map((e) => e.message.externalId);
  expect(ingestedIds.length).toBeGreaterThan(15);
  for (const id of ingestedIds) {
    const committed = timeline.indexOf(`committed:${id}`);
    const receipt = timeline.indexOf(`receipt:${id}`);
    expect({ id, committedBeforeReceipt: committed >= 0 && receipt > committed }).toEqual({ id, committedBeforeReceipt: true });
  }
  // Every message got an answer: a receipt, or (decryption failure) a retry request.
  for (const { fx } of networkUpserts) {
    const id = fx.payload.messages[0].key.id;
    expect(timeline.some((t) => t === `receipt:${id}` || t === `retry:${id}`)).toBe(true);
  }
  await h.runtime.source.stop();
});

test('a crash before the commit: no receipt was sent, and the redelivered message is stored once', async () => {
  const fx = loadFixture('baileys-upsert-text-conversation');
  const ctx = createFakeContext('wa');
  const ingest = ctx.ingest.bind(ctx);
  let hang = true;
  ctx.ingest = async (env) => (hang ? new Promise<never>(() => undefined) : ingest(env));
  const first = await startHarness(ctx);
  const sock = first.sock();
  void sock.receive(structuredClone(fx.payload)); // the process "dies" inside the ingest
  await new Promise((r) => setTimeout(r, 100));
  expect(sock.transport).toEqual([]);
  expect(ctx.ingested).toEqual([]);

  // A new process: WhatsApp still holds the unacknowledged message and delivers it again.
  hang = false;
  const second = await startHarness(ctx);
  await second.play(fx);
  expect(ctx.ingested.map((e) => e.message.text)).toEqual(['Oi! Meu pedido 10482 ainda não chegou, já faz 8 dias 😕']);
  expect(second.sock().transport).toEqual(['receipt:3A864A13BD708063A0FD']);
  await second.play(fx); // a second redelivery is a duplicate, acknowledged again
  expect(ctx.ingested).toHaveLength(1);
  expect(second.sock().transport).toEqual(['receipt:3A864A13BD708063A0FD', 'receipt:3A864A13BD708063A0FD']);
  await second.runtime.source.stop();
});

test('storing fails: nothing goes back to WhatsApp, the channel reconnects and the message is stored then', async () => {
  const fx = loadFixture('baileys-upsert-image-caption');
  const ctx = createFakeContext('wa');
  const put = ctx.blobs.put.bind(ctx.blobs);
  let diskFull = true;
  ctx.blobs.put = async (...args) => {
    if (diskFull) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    return put(...args);
  };
  const h: Harness = await startHarness(ctx, { reconnectBaseMs: 50, reconnectMaxMs: 100 });
  const sock = h.sock();
  await h.play(fx);
  expect(sock.transport).toEqual(['none:3AD8B8A12D625476026B']);
  expect(sock.ended).toBe(true);
  expect(h.runtime.source.health()).toMatchObject({
    state: 'backing_off',
    lastError: 'could not store an incoming message; reconnecting so WhatsApp delivers it again',
  });

  diskFull = false;
  await waitFor(() => h.factory.sockets.length === 2, 2000, 'the reconnect');
  h.sock().open();
  await h.idle();
  await h.play(fx);
  expect(ctx.ingested.map((e) => e.message.externalId)).toEqual(['3AD8B8A12D625476026B']);
  expect(h.sock().transport).toEqual(['receipt:3AD8B8A12D625476026B']);
  expect(h.runtime.source.health().state).toBe('connected');
  await h.runtime.source.stop();
});

describe.each(['sqlite', 'postgres'] as const)('in the real app (%s)', (database) => {
  test('at the moment each receipt goes out, the message is a committed row', async () => {
    if (!databaseReady(database)) return;
    const h = await startCore({}, { database });
    try {
      const seen: Array<{ id: string; stored: boolean }> = [];
      h.sock().beforeTransport = async (entry) => {
        const [kind, id] = entry.split(':') as [string, string];
        if (kind !== 'receipt') return;
        // Another pool connection on PostgreSQL: it sees committed rows only.
        const row = await h.t.app.database.kysely.selectFrom('messages').select('id').where('external_id', '=', id).executeTakeFirst();
        seen.push({ id, stored: Boolean(row) });
      };
      const names = [
        'baileys-upsert-text-conversation',
        'baileys-upsert-image-caption',
        'baileys-upsert-offline-append',
        'baileys-upsert-text-lid-addressed',
      ];
      for (const name of names) await h.play(loadFixture(name));
      expect(seen.map((s) => s.id)).toEqual(names.map((n) => loadFixture(n).payload.messages[0].key.id));
      expect(seen.every((s) => s.stored)).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
