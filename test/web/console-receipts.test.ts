/**
 * Delivery state on the ticket page: a receipt from the channel (delivered, read) or a refusal
 * (failed, with the channel's reason) reaches the live feed that open pages listen to, and the
 * thread fragment they fetch shows the new state.
 */
import { createLiveFeed } from '../../src/web/shared/live-feed.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword } from './browser-harness.js';
import { consoleClient, type ConsoleClient } from './console-http.js';

describe('console: live delivery receipts', () => {
  const mail = createTestChannelDefinition('test', 'email');
  let t: TestApp;
  let c: ConsoleClient;
  beforeEach(async () => {
    t = await startTestApp({ definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }] });
    await givePassword(t.app.database.kysely, t.adminId, 'admin-password-1');
    c = consoleClient(t.baseUrl);
    await c.get('/login');
    expect((await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1' })).status).toBe(303);
    await t.context('mail').ingest({
      message: {
        externalId: 'm1',
        from: { kind: 'email', address: 'maria@example.com', displayName: 'Maria' },
        subject: 'Entrega',
        text: 'Cadê?',
      },
    });
  });
  afterEach(() => t.stop());

  const badge = async () =>
    /<span class="delivery d-(\w+)">([^<]*)<\/span>/.exec((await c.get('/tickets/10001?fragment=thread')).text)?.slice(1);

  test('delivered, then read: each receipt is announced to open pages and shown', async () => {
    expect((await t.api('POST', '/api/tickets/10001/replies', { body: 'Sai hoje.' })).status).toBe(202);
    expect(await badge()).toEqual(['queued', 'Na fila']);
    await t.drainOutbox();
    expect(await badge()).toEqual(['sent', 'Enviada']);
    const feed = createLiveFeed({ db: () => t.app.database.kysely, now: () => Date.now(), pollMs: 60_000, overlapMs: 0 });
    feed.subscribe(() => {});
    try {
      await new Promise((r) => setTimeout(r, 5));
      expect(await feed.pollOnce()).toEqual([]);
      const out = await t.app.database.kysely
        .selectFrom('messages')
        .select('external_id')
        .where('direction', '=', 'out')
        .executeTakeFirstOrThrow();
      // A receipt stamped earlier than now (the channel's own clock) is still announced.
      await t.context('mail').updateDelivery({ externalId: out.external_id!, status: 'delivered', at: Date.now() - 60_000 });
      expect((await feed.pollOnce()).map((ch) => ch.number)).toEqual([10001]);
      expect(await badge()).toEqual(['delivered', 'Entregue']);
      await new Promise((r) => setTimeout(r, 5));
      await t.context('mail').updateDelivery({ externalId: out.external_id!, status: 'read', at: Date.now() });
      expect((await feed.pollOnce()).map((ch) => ch.number)).toEqual([10001]);
      expect(await badge()).toEqual(['read', 'Lida']);
    } finally {
      feed.stop();
    }
  });

  test('a refusal shows the channel reason', async () => {
    mail.outbox('mail').failures.push(new mail.ChannelError('smtp_552', 'the mailbox is full', false));
    expect((await t.api('POST', '/api/tickets/10001/replies', { body: 'Sai hoje.' })).status).toBe(202);
    await t.drainOutbox();
    const [state, label] = (await badge())!;
    expect(state).toBe('failed');
    expect(label).toContain('Falhou: ');
    expect(label).toContain('smtp_552');
  });
});
