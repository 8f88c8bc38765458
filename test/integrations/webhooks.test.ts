/**
 * Outbound webhooks as a shop's CRM sees them: a receiver on loopback gets every ticket event
 * signed in the Standard Webhooks format, one ticket's events in order even when one delivery
 * failed with a 500 and was retried, a delivery log the admin reads, and a manual redelivery
 * with the same webhook-id.
 */
import { verifyWebhook } from '../../src/webhooks/webhook-signing.js';
import { describeEachDatabase } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAbCdEfGh';
const mail = createTestChannelDefinition('test', 'email');

describeEachDatabase('outbound webhooks on %s', (kind) => {
  let t: TestApp;
  let rx: WebhookReceiver;
  let seq = 0;

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    t = await startTestApp({
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      database: kind,
      config: {
        webhooks: {
          subscriptions: [{ id: 'crm', url: rx.url, secret: SECRET, events: ['*'] }],
          baseDelayMs: 1,
          maxDelayMs: 5,
          maxAttempts: 4,
        },
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await rx?.close();
  });

  /** Delivers until nothing is pending (retries are due within a few ms). Bounded. */
  async function deliverAll(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      await t.app.integrations.webhooks.runOnce();
      const open = await t.app.database.kysely
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', 'in', ['pending', 'sending'])
        .execute();
      if (open.length === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('webhook deliveries did not finish');
  }

  const parsed = () => rx.received.map((r) => ({ ...r, event: JSON.parse(r.body) as { type: string; data: any } }));

  async function newTicket(from: string) {
    const o = await t.context('mail').ingest({
      message: {
        externalId: `<w-${seq++}@x>`,
        from: { kind: 'email', address: from, displayName: 'Cliente' },
        subject: 'Pedido 4711 atrasado',
        text: 'Cadê meu pedido?',
      },
    });
    if (o.status !== 'created') throw new Error(o.status);
    return o.ticketNumber;
  }

  test('signed events of one ticket arrive in order; a 500 is retried with the same webhook-id before the next event goes', async () => {
    rx.received.length = 0;
    const number = await newTicket('lia@example.com');
    const reply = await t.api('POST', `/api/tickets/${number}/replies`, { body: 'Já verificamos, chega amanhã.' });
    expect(reply.status).toBe(202);
    await t.drainOutbox();
    expect((await t.api('PATCH', `/api/tickets/${number}`, { assignee: t.adminId })).status).toBe(200);
    expect((await t.api('PATCH', `/api/tickets/${number}`, { status: 'solved' })).status).toBe(200);

    rx.script.push(500);
    await deliverAll();

    const got = parsed();
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifyWebhook(SECRET, r.headers, r.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(
        verifyWebhook(
          'whsec_' + Buffer.from('another secret of 24 bytes!').toString('base64'),
          r.headers,
          r.body,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(false);
    }
    expect(got[0]).toMatchObject({ status: 500, event: { type: 'ticket.created' } });
    expect(got[1]).toMatchObject({ status: 200, event: { type: 'ticket.created' } });
    expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    const accepted = got.filter((r) => r.status === 200).map((r) => r.event.type);
    expect(accepted).toEqual([
      'ticket.created',
      'message.received',
      'ticket.status_changed',
      'reply.sent',
      'ticket.assigned',
      'ticket.status_changed',
    ]);
    const ids = got.filter((r) => r.status === 200).map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    const received = got.find((r) => r.event.type === 'message.received')!.event.data;
    expect(received).toMatchObject({ ticket: { number, status: 'new' }, message: { text: 'Cadê meu pedido?', from: 'lia@example.com' } });
    expect(got.filter((r) => r.status === 200).at(-1)!.event.data).toMatchObject({
      ticket: { number },
      to: 'solved',
      actor: { type: 'agent', id: t.adminId },
    });
  });

  test('the delivery log shows attempts and answers; redelivery sends the same event again', async () => {
    const log = await t.api('GET', '/api/webhooks/crm/deliveries?limit=200');
    expect(log.status).toBe(200);
    const first = (
      log.body.deliveries as Array<{ id: string; eventType: string; attempts: number; status: string; lastStatus: number }>
    ).at(-1)!;
    expect(first).toMatchObject({ eventType: 'ticket.created', attempts: 2, status: 'delivered', lastStatus: 200 });

    rx.received.length = 0;
    const again = await t.api('POST', `/api/webhooks/deliveries/${first.id}/redeliver`);
    expect(again).toMatchObject({ status: 202, body: { delivery: { status: 'pending' } } });
    await deliverAll();
    expect(parsed()).toEqual([expect.objectContaining({ status: 200, event: expect.objectContaining({ type: 'ticket.created' }) })]);
    expect((await t.api('POST', '/api/webhooks/deliveries/01J00000000000000000000000/redeliver')).status).toBe(404);
  });

  test('a receiver that keeps failing: the delivery ends failed after maxAttempts, and the ticket’s next event still goes', async () => {
    rx.received.length = 0;
    const number = await newTicket('rui@example.com');
    rx.script.push(503, 503, 503, 503);
    await deliverAll();
    const got = parsed();
    expect(got.slice(0, 4).map((r) => [r.status, r.event.type])).toEqual(Array(4).fill([503, 'ticket.created']));
    expect(got.slice(4).map((r) => [r.status, r.event.type])).toEqual([[200, 'message.received']]);
    const log = await t.api('GET', '/api/webhooks/crm/deliveries?status=failed');
    expect(log.body.deliveries[0]).toMatchObject({
      eventType: 'ticket.created',
      attempts: 4,
      lastStatus: 503,
      lastError: 'receiver answered 503',
    });
    expect(got[0]!.event.data.ticket.number).toBe(number);
  });

  test('admins manage API subscriptions; the secret is shown once; agents are refused; config ones are read-only', async () => {
    const agent = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
    expect((await t.api('GET', '/api/webhooks', undefined, agent.token)).status).toBe(403);
    const created = await t.api('POST', '/api/webhooks', { url: 'http://127.0.0.1:9/x', events: ['ticket.created'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await t.api('GET', '/api/webhooks');
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    expect(list.body.subscriptions.map((s: { id: string; source: string }) => s.source)).toEqual(['config', 'api']);
    expect(await t.api('POST', '/api/webhooks', { url: 'ftp://x', events: ['ticket.nope'] })).toMatchObject({
      status: 400,
      body: { issues: expect.arrayContaining([expect.objectContaining({ path: 'body.url' })]) },
    });
    expect((await t.api('PATCH', `/api/webhooks/${created.body.subscription.id}`, { active: false })).body.subscription.active).toBe(false);
    expect((await t.api('DELETE', '/api/webhooks/crm')).status).toBe(409);
    expect((await t.api('DELETE', `/api/webhooks/${created.body.subscription.id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/webhooks/${created.body.subscription.id}`)).status).toBe(404);
  });
});
