/**
 * Retention: closed tickets older than `retention.closedTicketDays` are pseudonymized (addresses,
 * raw payloads and attachments gone, the text kept) once, by one process at a time; newer or
 * open tickets are untouched.
 */
import { createRetentionTimer } from '../../src/erasure/retention-timer.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import pino from 'pino';

const mail = createTestChannelDefinition('test', 'email', ['email']);
const DAY = 24 * 3600_000;

describe('retention of closed tickets', () => {
  let t: TestApp;
  let now = Date.now();
  const clock = { now: () => now };
  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      clock,
      config: { retention: { closedTicketDays: 30, action: 'pseudonymize' } },
    });
  });
  afterAll(() => t?.stop());

  test('pseudonymizes old closed tickets once, across two processes', async () => {
    const ctx = t.context('mail');
    const old = await ctx.ingest({
      message: { externalId: '<r-old@x>', from: { kind: 'email', address: 'velho@example.com' }, subject: 'Antigo', text: 'pedido antigo' },
    });
    const open = await ctx.ingest({
      message: {
        externalId: '<r-open@x>',
        from: { kind: 'email', address: 'aberto@example.com' },
        subject: 'Aberto',
        text: 'ainda aberto',
      },
    });
    if (old.status !== 'created' || open.status !== 'created') throw new Error('setup');
    expect((await t.api('PATCH', `/api/tickets/${old.ticketNumber}`, { status: 'closed' })).status).toBe(200);
    now += 31 * DAY;

    const cfg = t.app.integrations.retention;
    const other = createRetentionTimer({
      database: t.app.database,
      config: {
        ...(await import('../../src/config/loader.js')).parseConfig(
          {
            database: { driver: 'sqlite', path: ':memory:' },
            retention: { closedTicketDays: 30 },
            storage: { blobsDir: `${t.dataDir}/blobs` },
          },
          { env: {}, definitions: [] },
        ).config,
      },
      clock,
      logger: pino({ level: 'silent' }),
      blobs: t.app.blobs,
    });
    const [a, b] = await Promise.all([cfg.runOnce(), other.runOnce()]);
    expect(a + b).toBe(1);
    expect(Math.min(a, b)).toBe(0);
    const msgs = await t.app.database.kysely
      .selectFrom('messages')
      .select(['ticket_id', 'sender_address', 'text'])
      .where('direction', '=', 'in')
      .execute();
    expect(msgs.find((m) => m.ticket_id === old.ticketId)).toMatchObject({ sender_address: null, text: 'pedido antigo' });
    expect(msgs.find((m) => m.ticket_id === open.ticketId)).toMatchObject({ sender_address: 'aberto@example.com' });
    now += 2 * 3600_000;
    expect(await cfg.runOnce()).toBe(0);
    // The pseudonymized mail is not imported again.
    expect(
      await ctx.ingest({
        message: {
          externalId: '<r-old@x>',
          from: { kind: 'email', address: 'velho@example.com' },
          subject: 'Antigo',
          text: 'pedido antigo',
        },
      }),
    ).toEqual({ status: 'ignored', reason: 'erased' });
  });
});
