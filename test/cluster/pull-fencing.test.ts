/**
 * Fencing of a pulled source's ingests and checkpoints (issue 15). A stale owner (a gateway
 * paused, then resumed after another took its mailbox) must not move the cursor back or store a
 * message under a lease it lost: the fence is checked inside the message's own transaction, and
 * a refused message writes nothing, checkpoint included.
 */
import { z } from 'zod';
import { defineChannel, type ChannelContext } from '../../src/channel/contract.js';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { describeEachDatabase, type DbKind } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import {
  channelStates,
  createSharedPostgres,
  startGateway,
  waitFor,
  type InProcessGateway,
  type SharedPostgres,
} from './cluster-harness.js';

/** A pull channel that hands its context out and records its starts and stops. */
function pullDefinition(events: string[], contexts: ChannelContext[]) {
  const schema = baseChannelConfigSchema.extend({ kind: z.literal('pull') });
  return defineChannel<z.infer<typeof schema>>({
    kind: 'pull',
    configSchema: schema,
    capabilities: () => ({ inbound: 'pull', canSend: false, threading: 'email', deliversTo: [] }),
    replyVia: () => 'support',
    create(_config, ctx) {
      contexts.push(ctx);
      let running = false;
      return {
        source: {
          async start() {
            running = true;
            events.push('start');
          },
          async stop() {
            running = false;
            events.push('stop');
          },
          health: () => ({ state: running ? 'ok' : 'stopped' }),
        },
      };
    },
  });
}

const envelope = (id: string, cursor: number) => ({
  message: { externalId: id, from: { kind: 'email' as const, address: 'maria@example.com' }, subject: `Pedido ${id}`, text: 'Oi' },
  checkpoint: { key: 'cursor', value: cursor },
});

const channels = [
  { id: 'support', kind: 'test' },
  { id: 'box', kind: 'pull' },
];

async function storedMessages(app: TestApp | InProcessGateway, externalId: string): Promise<number> {
  const rows = await app.app.database.kysely.selectFrom('messages').select('id').where('external_id', '=', externalId).execute();
  return rows.length;
}

describeEachDatabase('a lease fence on %s', (kind: DbKind) => {
  let t: TestApp;
  const events: string[] = [];
  const contexts: ChannelContext[] = [];
  beforeAll(async () => {
    t = await startTestApp({
      database: kind,
      definitions: [createTestChannelDefinition().definition, pullDefinition(events, contexts)],
      channels,
    });
  });
  afterAll(() => t?.stop());

  test('a message and its checkpoint land together under the epoch held; at a stale epoch neither does', async () => {
    const ctx = t.context('box');
    const grant = await ctx.leases.take('source:box', 60_000);
    expect(grant).toMatchObject({ held: true });
    const fence = ctx.leases.fence('source:box', grant.epoch);
    expect(await fence.ingest(envelope('m-1', 10))).toMatchObject({ status: 'created' });
    expect(await ctx.state.get('cursor')).toBe(10);

    // Another process took the lease in between (the next epoch): the old holder's write, which
    // would move the cursor back, is refused and stores no message.
    await t.app.database.kysely
      .updateTable('leases')
      .set({ holder: 'other-process', epoch: grant.epoch + 1, expires_at: Date.now() + 60_000 })
      .where('name', '=', 'source:box')
      .execute();
    await expect(fence.ingest(envelope('m-2', 5))).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await storedMessages(t, 'm-2')).toBe(0);
    expect(await ctx.state.get('cursor')).toBe(10);
    await expect(fence.saveCheckpoint('cursor', 3)).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await ctx.state.get('cursor')).toBe(10);
  });

  if (kind === 'sqlite') {
    test('on SQLite (one process) a pulled source is not leased: its ingests go straight in, with no lease row', async () => {
      expect(events).toEqual(['start']);
      // The context the source was built with is the plain one (no fence wrapper, no lease query).
      const sourceCtx = contexts[0]!;
      expect(sourceCtx).toBe(t.context('box'));
      expect(await sourceCtx.ingest(envelope('s-1', 20))).toMatchObject({ status: 'created' });
      expect(await sourceCtx.state.get('cursor')).toBe(20);
      const leases = await t.app.database.kysely.selectFrom('leases').select('name').where('name', '=', 'source:box').execute();
      // Only the row the previous test wrote by hand; the source never asked for one.
      expect(leases.map((l) => l.name)).toEqual(['source:box']);
      expect((await channelStates(t.baseUrl)).box).toBe('ok');
    });
  }
});

const run = serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set');
const d = run ? describe : describe.skip;

d('a stale owner of a pulled source on PostgreSQL (two gateways)', () => {
  let pg: SharedPostgres;
  const gws: InProcessGateway[] = [];
  const events: Array<string[]> = [[], []];
  const contexts: Array<ChannelContext[]> = [[], []];
  // A long period: within it, only the fence (not a renewal) can tell the owner it lost the lease.
  const LEASE_MS = 60_000;

  beforeAll(async () => {
    pg = await createSharedPostgres();
    for (const i of [0, 1])
      gws.push(
        await startGateway({
          url: pg.url,
          definitions: [createTestChannelDefinition().definition, pullDefinition(events[i]!, contexts[i]!)],
          channels,
          config: { cluster: { leaseMs: LEASE_MS } },
        }),
      );
  });
  afterAll(async () => {
    for (const g of gws) await g.stop();
    await pg?.drop();
  });

  test('the other gateway’s lease epoch refuses the stale owner’s message and cursor, and the stale owner stops its source at once', async () => {
    const owner = events[0]!.includes('start') ? 0 : 1;
    const other = 1 - owner;
    expect(events[owner]).toEqual(['start']);
    expect(events[other]).toEqual([]);
    const ctx = contexts[owner]!.at(-1)!;
    expect(await ctx.ingest(envelope('p-1', 100))).toMatchObject({ status: 'created' });
    expect(await ctx.state.get('cursor')).toBe(100);

    // The owner "pauses": its lease runs out and the other gateway takes it (epoch + 1) through
    // its own lease API, as its standby loop would.
    const before = await pg.db.kysely.selectFrom('leases').selectAll().where('name', '=', 'source:box').executeTakeFirstOrThrow();
    await pg.db.kysely.updateTable('leases').set({ expires_at: 0 }).where('name', '=', 'source:box').execute();
    const taken = await contexts[other]![0]!.leases.take('source:box', LEASE_MS);
    expect(taken).toEqual({ held: true, epoch: Number(before.epoch) + 1 });

    // Resumed, the stale owner still believes its lease valid (the period is long), fetches, and
    // tries to ingest with an older cursor: refused inside the transaction, nothing written.
    await expect(ctx.ingest(envelope('p-2', 50))).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await storedMessages(gws[owner]!, 'p-2')).toBe(0);
    expect(await ctx.state.get('cursor')).toBe(100);
    await expect(ctx.saveCheckpoint('cursor', 40)).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await ctx.state.get('cursor')).toBe(100);
    // The refusal stops the stale owner's source now, not at its next renewal a third of a period away.
    await waitFor(() => events[owner]!.includes('stop'), 5_000, 'the stale owner to stop its source');
    expect((await channelStates(gws[owner]!.baseUrl)).box).toBe('standby');
    await expect(ctx.ingest(envelope('p-3', 60))).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await storedMessages(gws[owner]!, 'p-3')).toBe(0);
  });
});
