/**
 * Two gateways in this process on one PostgreSQL database: a pulled channel has one owner and
 * its writes are fenced by the lease epoch; a web form's rate limit holds across both; a change
 * made through one reaches a console live-feed subscriber of the other without waiting for the
 * poll period.
 */
import { z } from 'zod';
import { webformChannel } from '../../channels/webform/index.js';
import { defineChannel, type ChannelContext } from '../../src/channel/contract.js';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { createAgent } from '../../src/db/repositories/agent.repository.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword } from '../web/browser-harness.js';
import { consoleClient } from '../web/console-http.js';
import {
  channelStates,
  createSharedPostgres,
  startGateway,
  waitFor,
  type InProcessGateway,
  type SharedPostgres,
} from './cluster-harness.js';

const run = serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set');
const d = run ? describe : describe.skip;

const SITE = 'https://loja.example.com.br';
const LEASE_MS = 900;

/** A pull channel whose sources count their starts and stops, per gateway. */
function pullDefinition(label: string, log: Array<{ gw: string; event: 'start' | 'stop' }>, contexts: Map<string, ChannelContext>) {
  const schema = baseChannelConfigSchema.extend({ kind: z.literal('pull') });
  return defineChannel<z.infer<typeof schema>>({
    kind: 'pull',
    configSchema: schema,
    capabilities: () => ({ inbound: 'pull', canSend: false, threading: 'email', deliversTo: [] }),
    replyVia: () => 'support',
    create(_config, ctx) {
      contexts.set(label, ctx);
      let running = false;
      return {
        source: {
          async start() {
            running = true;
            log.push({ gw: label, event: 'start' });
          },
          async stop() {
            running = false;
            log.push({ gw: label, event: 'stop' });
          },
          health: () => ({ state: running ? 'ok' : 'stopped' }),
        },
      };
    },
  });
}

d('two gateways on one PostgreSQL database', () => {
  let pg: SharedPostgres;
  let a: InProcessGateway;
  let b: InProcessGateway;
  const log: Array<{ gw: string; event: 'start' | 'stop' }> = [];
  const contexts = new Map<string, ChannelContext>();
  const support = createTestChannelDefinition();
  const channels = [
    { id: 'support', kind: 'test' },
    { id: 'box', kind: 'pull' },
    {
      id: 'contato',
      kind: 'webform',
      mode: 'public',
      origin: 'site form',
      replyVia: 'support',
      allowedOrigins: [SITE],
      fields: { nome: 'name', email: 'email', mensagem: 'message' },
      rateLimit: { perIpPerMinute: 3, perFormPerMinute: 100 },
    },
  ];
  // The poll fallback is a minute: anything seen sooner came through NOTIFY.
  const config = { cluster: { leaseMs: LEASE_MS }, console: { livePollMs: 60_000 } };

  beforeAll(async () => {
    pg = await createSharedPostgres();
    a = await startGateway({
      url: pg.url,
      definitions: [support.definition, webformChannel, pullDefinition('A', log, contexts)],
      channels,
      config,
    });
    b = await startGateway({
      url: pg.url,
      definitions: [support.definition, webformChannel, pullDefinition('B', log, contexts)],
      channels,
      config,
    });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await pg?.drop();
  });

  const starts = (gw: string) => log.filter((e) => e.gw === gw && e.event === 'start').length;
  const stops = (gw: string) => log.filter((e) => e.gw === gw && e.event === 'stop').length;

  test('a pulled channel runs in one gateway; the other shows standby; a stale owner’s checkpoint and ingest are fenced off', async () => {
    expect(starts('A') + starts('B')).toBe(1);
    const [owner, other] = starts('A') === 1 ? ['A', 'B'] : ['B', 'A'];
    const gw = (n: string) => (n === 'A' ? a : b);
    expect((await channelStates(gw(owner).baseUrl)).box).toBe('ok');
    expect((await channelStates(gw(other).baseUrl)).box).toBe('standby');
    const ctx = contexts.get(owner)!;
    await ctx.saveCheckpoint('cursor', 1);

    // The owner stalls; meanwhile its lease passes to a third process ("ghost") with a new epoch.
    const row = await pg.db.kysely.selectFrom('leases').selectAll().where('name', '=', 'source:box').executeTakeFirstOrThrow();
    await pg.db.kysely
      .updateTable('leases')
      .set({ holder: 'ghost', epoch: Number(row.epoch) + 1, expires_at: Date.now() + 3_600_000 })
      .where('name', '=', 'source:box')
      .execute();
    await expect(ctx.saveCheckpoint('cursor', 2)).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await ctx.state.get('cursor')).toBe(1);
    // At its next renewal the owner sees it lost the lease and stops its source; then it refuses to ingest.
    await waitFor(() => stops(owner) === 1, 10 * LEASE_MS, 'the stale owner to stop its source');
    expect((await channelStates(gw(owner).baseUrl)).box).toBe('standby');
    await expect(
      ctx.ingest({ message: { externalId: 'late', from: { kind: 'email', address: 'x@example.com' }, text: 'late' } } as never),
    ).rejects.toMatchObject({ code: 'lease_lost' });
    expect(starts('A') + starts('B')).toBe(1);

    // The ghost dies: one of the two takes over with the next epoch, and only one.
    await pg.db.kysely.updateTable('leases').set({ expires_at: 0 }).where('name', '=', 'source:box').execute();
    await waitFor(() => starts('A') + starts('B') === 2, 10 * LEASE_MS, 'a takeover');
    await new Promise((r) => setTimeout(r, LEASE_MS));
    expect(starts('A') + starts('B')).toBe(2);
    const after = await pg.db.kysely.selectFrom('leases').selectAll().where('name', '=', 'source:box').executeTakeFirstOrThrow();
    expect(Number(after.epoch)).toBe(Number(row.epoch) + 2);
  });

  test('a form’s rate limit per address holds across both gateways', async () => {
    const post = (gw: InProcessGateway, i: number) =>
      fetch(`${gw.baseUrl}/hooks/forms/contato`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SITE },
        body: JSON.stringify({ nome: `Cliente ${i}`, email: `c${i}@example.com`, mensagem: `Pedido ${i}` }),
      });
    const statuses: number[] = [];
    for (const [i, gw] of [a, b, a, b, a].entries()) statuses.push((await post(gw, i)).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const tickets = await pg.db.kysely.selectFrom('tickets').select('number').where('origin', '=', 'site form').execute();
    expect(tickets).toHaveLength(3);
  });

  test('a change made through one gateway reaches a live-feed subscriber of the other at once', async () => {
    const agent = await createAgent(pg.db.kysely, { name: 'Ana', email: 'ana@loja.example', role: 'admin' }, Date.now());
    await givePassword(pg.db.kysely, agent.agent.id, 'ana-password-123');
    const c = consoleClient(b.baseUrl);
    await c.get('/login');
    expect((await c.post('/login', { email: 'ana@loja.example', password: 'ana-password-123' })).status).toBe(303);
    const abort = new AbortController();
    const res = await fetch(`${b.baseUrl}/events`, {
      headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = text.match(pattern);
        if (m) return m;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no live event matching ${pattern} within ${timeoutMs} ms: ${text}`);
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), left)))]);
        clearTimeout(timer);
        if (chunk?.value) text += new TextDecoder().decode(chunk.value);
      }
    };
    try {
      await readUntil(/retry: \d+/, 5_000);
      // B listens on its own connection before A writes.
      await waitFor(
        async () => {
          const r = await pg.db.kysely
            .selectFrom('pg_stat_activity' as never)
            .select('pid' as never)
            .where('datname' as never, '=', pg.name as never)
            .where('query' as never, 'ilike', 'LISTEN%' as never)
            .execute();
          return r.length > 0;
        },
        5_000,
        'gateway B to LISTEN',
      );
      const outcome = await a.app.ingest('support', {
        message: {
          externalId: 'live-1',
          from: { kind: 'email', address: 'maria@example.com', displayName: 'Maria' },
          subject: 'Onde está meu pedido?',
          text: 'Ainda não chegou.',
        },
      });
      expect(outcome.status).toBe('created');
      const number = (outcome as { ticketNumber: number }).ticketNumber;
      await readUntil(new RegExp(`event: tickets\\ndata: .*"number":${number}`), 10_000);
    } finally {
      abort.abort();
    }
  });
});
