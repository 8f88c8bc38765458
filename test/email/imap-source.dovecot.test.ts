/**
 * The IMAP source against a real Dovecot with the real parser, feeding the fake context
 * (records every ingest). The whole-app tests are in email-app.dovecot.test.ts.
 */
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import type { ChannelRuntime } from '../../src/channel/contract.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { autoReply, buildMail, dsnBounce, pseudoRandomBytes, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { createFakeContext, type FakeContext } from '../support/fake-context.js';
import { serviceAvailable } from '../support/services.js';
import { emailConfig, FAST_RECONNECT, waitUntil } from './helpers.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

d('email IMAP source against Dovecot', () => {
  let dovecot: TestDovecot;
  const runtimes: Array<{ rt: ChannelRuntime; ctx: FakeContext }> = [];
  const definition = createEmailChannelDefinition({ reconnect: FAST_RECONNECT });

  beforeEach(async () => {
    dovecot = await startDovecot();
  });
  afterEach(async () => {
    for (const { rt, ctx } of runtimes.splice(0)) {
      ctx.abort();
      await rt.source?.stop();
    }
    await dovecot.dispose();
  });

  function boot(
    overrides: Parameters<typeof emailConfig>[2] = {},
    ctx = createFakeContext('support'),
  ): { rt: ChannelRuntime; ctx: FakeContext } {
    const config = emailConfig(dovecot, undefined, overrides);
    const rt = definition.create(config, ctx);
    runtimes.push({ rt, ctx });
    return { rt, ctx };
  }

  it('ingests a new mail with raw kept, cursor checkpointed with it, and marks it \\Seen', async () => {
    const { rt, ctx } = boot();
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'initial cursor');
    const id = uniqueId();
    await dovecot.appendMessage(buildMail({ messageId: id, subject: 'Pedido 4411', text: 'Olá, cadê meu pedido?' }));
    await waitUntil(() => ctx.ingested.length === 1, 5_000, 'ingest');
    const env = ctx.ingested[0]!;
    expect(env.message.externalId).toBe(id);
    expect(env.message.from.address).toBe('maria@customer.test');
    expect(env.message.subject).toBe('Pedido 4411');
    expect(env.checkpoint).toEqual({ key: 'cursor:INBOX', value: expect.objectContaining({ lastUid: 1 }) });
    expect(env.rawKey).toMatch(/^[0-9a-f]{64}$/);
    expect((await ctx.blobs.read(env.rawKey!)).toString()).toContain(`Message-ID: <${id}>`);
    expect(env.message.metadata).toMatchObject({ imap: { folder: 'INBOX', uid: 1 } });
    const s = await dovecot.session();
    try {
      await s.open('INBOX');
      await waitUntil(async () => (await s.searchSeen()).includes(1), 5_000, '\\Seen flag');
    } finally {
      await s.close();
    }
    expect(rt.source!.health()).toMatchObject({ state: 'ok', detail: { backlog: 0 } });
  });

  it('on first start without backfill, leaves old mail alone; with backfill it takes the last N days', async () => {
    await dovecot.appendMessage(buildMail({ subject: 'old one' }));
    const a = boot();
    await a.rt.source!.start();
    await waitUntil(() => a.ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.ctx.ingested).toHaveLength(0);

    const b = boot({ imap: { backfill: { mode: 'days', days: 3 } } }, createFakeContext('support', { now: Date.now() }));
    await b.rt.source!.start();
    await waitUntil(() => b.ctx.ingested.length === 1, 5_000, 'backfilled message');
    expect(b.ctx.ingested[0]!.message.subject).toBe('old one');
  });

  it('ignores its own mail (loop), lets auto-replies and bounces through classified, and marks the bounced reply failed', async () => {
    const { rt, ctx } = boot();
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    await dovecot.appendMessage(buildMail({ from: 'support@help.test', subject: 'our own copy' }));
    await dovecot.appendMessage(buildMail({ subject: 'loop', headers: { 'X-Loop': 'support@help.test' } }));
    await dovecot.appendMessage(autoReply({ from: 'joao@customer.test' }));
    await dovecot.appendMessage(
      dsnBounce({ originalMessageId: 'ponte.10001.abc.0123456789abcdef0123@help.test', recipient: 'nobody@customer.test' }),
    );
    await waitUntil(() => ctx.ingested.length === 4, 8_000, '4 ingests');
    const [own, loop, auto, bounce] = ctx.ingested;
    expect(own!.ignore?.reason).toMatch(/own support address/);
    expect(loop!.ignore?.reason).toMatch(/X-Loop/);
    expect(auto!.ignore).toBeUndefined();
    expect(auto!.message.classification).toBe('auto_reply');
    expect(bounce!.message.classification).toBe('bounce');
    expect(ctx.deliveries).toEqual([
      expect.objectContaining({
        externalId: 'ponte.10001.abc.0123456789abcdef0123@help.test',
        status: 'failed',
        errorCode: 'bounce_5.1.1',
        errorMessage: expect.stringContaining('nobody@customer.test'),
      }),
    ]);
  });

  it('keeps an oversized message visible as a placeholder without blocking the next one', async () => {
    const { rt, ctx } = boot({ maxMessageBytes: 4096 });
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    const big = uniqueId();
    await dovecot.appendMessage(buildMail({ messageId: big, subject: 'huge', text: 'x'.repeat(20_000) }));
    await dovecot.appendMessage(buildMail({ subject: 'small after' }));
    await waitUntil(() => ctx.ingested.length === 2, 8_000, '2 ingests');
    expect(ctx.ingested[0]!.message.externalId).toBe(big);
    expect(ctx.ingested[0]!.message.parseError).toMatch(/over this mailbox's limit/);
    expect(ctx.ingested[1]!.message.subject).toBe('small after');
  });

  it('streams a large message to the blob store byte for byte and keeps its attachment', async () => {
    const { rt, ctx } = boot();
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    const raw = buildMail({
      subject: 'vídeo',
      attachments: [{ filename: 'video.mp4', contentType: 'video/mp4', content: pseudoRandomBytes(6_000_000, 7) }],
    });
    await dovecot.appendMessage(raw);
    await dovecot.appendMessage(buildMail({ subject: 'small after the large one' }));
    await waitUntil(() => ctx.ingested.length === 2, 15_000, '2 ingests');
    const env = ctx.ingested[0]!;
    expect((await ctx.blobs.read(env.rawKey!)).equals(raw)).toBe(true);
    expect(env.message.attachments).toEqual([expect.objectContaining({ filename: 'video.mp4', size: 6_000_000 })]);
    expect(ctx.ingested[1]!.message.subject).toBe('small after the large one');
  });

  it('a broken folder never stalls a working one, and health says which is failing', async () => {
    const { rt, ctx } = boot({ imap: { folders: ['INBOX', 'Does-Not-Exist'] } });
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'INBOX cursor');
    await dovecot.appendMessage(buildMail({ subject: 'still flowing' }));
    await waitUntil(() => ctx.ingested.length === 1, 5_000, 'ingest');
    const health = await waitUntil(
      () => {
        const h = rt.source!.health();
        return h.state === 'degraded' && h.lastError ? h : undefined;
      },
      5_000,
      'degraded health',
    );
    expect(health.lastError).toMatch(/^Does-Not-Exist: /);
    expect(health.detail).toMatchObject({
      folders: {
        INBOX: { state: 'ok', ingested: 1, backlog: 0 },
        'Does-Not-Exist': { state: expect.stringMatching(/backing_off|connecting/) },
      },
    });
    expect(JSON.stringify(health)).not.toContain(dovecot.password);
  });

  it('without IDLE it still picks up new mail by polling', async () => {
    const { rt, ctx } = boot({ imap: { idle: false, pollIntervalSeconds: 5 } });
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    await dovecot.appendMessage(buildMail({ subject: 'polled' }));
    await waitUntil(() => ctx.ingested.length === 1, 8_000, 'polled ingest');
    expect(ctx.ingested[0]!.message.subject).toBe('polled');
  });

  it('moves ingested mail to another folder when configured, never deleting it', async () => {
    await dovecot.createFolder('Processed');
    const { rt, ctx } = boot({ imap: { afterIngest: 'move', moveTo: 'Processed' } });
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    await dovecot.appendMessage(buildMail({ subject: 'to be moved' }));
    await waitUntil(() => ctx.ingested.length === 1, 5_000, 'ingest');
    const s = await dovecot.session();
    try {
      await waitUntil(async () => (await s.open('Processed')).exists === 1, 5_000, 'moved message');
      expect((await s.open('INBOX')).exists).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('refetches after a UIDVALIDITY change without duplicating anything', async () => {
    const { rt, ctx } = boot();
    await rt.source!.start();
    await waitUntil(() => ctx.stateMap.get('cursor:INBOX'), 5_000, 'cursor');
    await dovecot.appendMessage(buildMail({ subject: 'one' }));
    await dovecot.appendMessage(buildMail({ subject: 'two' }));
    await waitUntil(() => ctx.ingested.length === 2, 5_000, '2 ingests');
    await rt.source!.stop();
    // What a server-side rebuild looks like to us: the stored UIDVALIDITY no longer matches.
    const cursor = ctx.stateMap.get('cursor:INBOX') as { uidValidity: string; lastUid: number; lastDate: number };
    ctx.stateMap.set('cursor:INBOX', { ...cursor, uidValidity: '1' });
    const again = boot({}, ctx);
    await again.rt.source!.start();
    await dovecot.appendMessage(buildMail({ subject: 'three' }));
    await waitUntil(() => ctx.ingested.length === 3, 8_000, 'third message');
    expect(ctx.ingested.map((e) => e.message.subject)).toEqual(['one', 'two', 'three']);
    expect((ctx.stateMap.get('cursor:INBOX') as { uidValidity: string }).uidValidity).toBe(cursor.uidValidity);
  });

  it('survives Dovecot restarting in the middle of a 1,000-message sync: every message exactly once', async () => {
    const ids = Array.from({ length: 1000 }, () => uniqueId());
    await dovecot.appendMany(ids.map((id, i) => buildMail({ messageId: id, subject: `m${i}` })));
    const { rt, ctx } = boot({ imap: { backfill: { mode: 'days', days: 1 } } }, createFakeContext('support', { now: Date.now() }));
    const calls: string[] = [];
    const ingest = ctx.ingest.bind(ctx);
    ctx.ingest = async (env) => {
      calls.push((env as { message: { externalId: string } }).message.externalId);
      return ingest(env);
    };
    await rt.source!.start();
    await waitUntil(() => ctx.ingested.length >= 250, 30_000, '250 ingests');
    await dovecot.restart();
    await waitUntil(() => ctx.ingested.length === 1000, 60_000, 'all 1000 ingests');
    await new Promise((r) => setTimeout(r, 300));
    const unique = new Set(ctx.ingested.map((e) => e.message.externalId));
    expect(unique.size).toBe(1000);
    expect([...unique].sort()).toEqual([...ids].sort());
    // At most the message in flight is offered twice (ingest answers duplicate).
    expect(calls.length - 1000).toBeLessThanOrEqual(ctx.ingested.length > 0 ? 5 : 0);
    const health = rt.source!.health();
    expect(health.state).toBe('ok');
  });
});
