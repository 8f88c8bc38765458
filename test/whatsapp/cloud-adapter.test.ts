/**
 * Every cloud-*.json fixture played through the WhatsApp Cloud adapter over real HTTP: signed
 * POSTs to its router (mounted in a bare express app on 127.0.0.1), a fake ChannelContext for the
 * core, and a local Graph API stub for media and sends. One test per fixture, then the
 * robustness cases (retries, crash recovery, limits).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { ChannelRuntime, OutboundMessage } from '../../src/channel/contract.js';
import { ChannelError } from '../../src/domain/errors.js';
import { createWhatsappCloudChannelDefinition } from '../../channels/whatsapp-cloud/index.js';
import { signBody } from '../../channels/whatsapp-cloud/signature.js';
import type { WebhookInbox } from '../../channels/whatsapp-cloud/webhook-inbox.js';
import { createGraphClient } from '../../channels/whatsapp-cloud/graph-client.js';
import { createFakeContext, type FakeContext } from '../support/fake-context.js';
import { APP_SECRET, cloudFixtureNames, loadCloudFixture, PHONE_NUMBER_ID, type WebhookFixture } from './cloud-fixtures.js';
import { startGraphStub, STUB_TOKEN, type GraphStub } from './cloud-graph-stub.js';
import { outboundMessage } from '../support/outbound-message.js';

const VERIFY_TOKEN = 'aurora-verify-7f3c9e';
const H = 3600_000;

interface Harness {
  ctx: FakeContext;
  runtime: ChannelRuntime;
  inbox: WebhookInbox;
  url: string;
  post(rawBody: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  postFixture(name: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

let stub: GraphStub;
const harnesses: Harness[] = [];

beforeAll(async () => {
  stub = await startGraphStub();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

async function boot(
  options: { now?: number; retryDelaysMs?: number[]; config?: Record<string, unknown>; ctx?: FakeContext } = {},
): Promise<Harness> {
  const ctx = options.ctx ?? createFakeContext('wa-cloud', options.now !== undefined ? { now: options.now } : {});
  let inbox: WebhookInbox | undefined;
  const definition = createWhatsappCloudChannelDefinition({
    retryDelaysMs: options.retryDelaysMs ?? [10, 10],
    onInbox: (_id, i) => {
      inbox = i;
    },
  });
  const config = definition.configSchema.parse({
    id: 'wa-cloud',
    kind: 'whatsapp-cloud',
    locale: 'pt-BR',
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: STUB_TOKEN,
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    graphBaseUrl: stub.baseUrl,
    graphVersion: 'v21.0',
    ...options.config,
  });
  const runtime = definition.create(config, ctx);
  await runtime.source!.start();
  const app = express();
  app.use(runtime.http!.path, runtime.http!.router);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${runtime.http!.path}`;
  const post = async (rawBody: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: rawBody });
    return { status: res.status, body: await res.text() };
  };
  const h: Harness = {
    ctx,
    runtime,
    inbox: inbox!,
    url,
    post,
    async postFixture(name) {
      const f = loadCloudFixture<WebhookFixture>(name);
      const res = await post(f.request.rawBody, { 'x-hub-signature-256': f.request.headers['x-hub-signature-256']! });
      await inbox!.idle();
      return res;
    },
    async stop() {
      await runtime.source!.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  harnesses.push(h);
  return h;
}

function outbound(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return outboundMessage({
    outboxId: `ob-${Math.random().toString(36).slice(2)}`,
    channelId: 'wa-cloud',
    ticket: { id: 't1', number: 48213, subject: 'Pedido 10482', subjectToken: '[#48213]', locale: 'pt-BR' },
    text: 'Oi Mariana!',
    ...over,
  });
}

async function sendError(h: Harness, message: OutboundMessage): Promise<ChannelError> {
  try {
    await h.runtime.sender!.send(message);
  } catch (err) {
    return err as ChannelError;
  }
  throw new Error('expected the send to fail');
}

const pendingKeys = (ctx: FakeContext) => [...ctx.stateMap.keys()].filter((k) => k.startsWith('webhook-pending:'));

async function expectIngestedMedia(name: string, mediaId: string, mimeType: string, extra: Record<string, unknown> = {}) {
  const bytes = Buffer.from(`bytes of ${name} `.repeat(64));
  stub.media.set(mediaId, { bytes, mimeType });
  const h = await boot();
  expect((await h.postFixture(name)).status).toBe(200);
  expect(h.ctx.ingested).toHaveLength(1);
  const att = h.ctx.ingested[0]!.message.attachments;
  expect(att).toEqual([expect.objectContaining({ contentType: mimeType, size: bytes.length, ...extra })]);
  expect(await h.ctx.blobs.read(att[0]!.blobKey)).toEqual(bytes);
  const lookup = stub.requests.find((r) => r.path === `/v21.0/${mediaId}`)!;
  expect(lookup.query).toEqual({ phone_number_id: PHONE_NUMBER_ID });
  expect(lookup.authorization).toBe(`Bearer ${STUB_TOKEN}`);
  expect(stub.requests.find((r) => r.path === `/download/${mediaId}`)?.authorization).toBe(`Bearer ${STUB_TOKEN}`);
  expect(pendingKeys(h.ctx)).toEqual([]);
  return h;
}

/** One entry per fixture; the test below fails if a fixture has none. */
const fixtureTests: Record<string, () => Promise<void>> = {
  'cloud-verify-get': async () => {
    const f = loadCloudFixture('cloud-verify-get');
    const h = await boot();
    for (const c of f.cases as Array<{
      request: { query: Record<string, string> };
      expect: { status: number; body?: string; contentType?: string };
    }>) {
      const res = await fetch(`${h.url}?${new URLSearchParams(c.request.query).toString()}`);
      expect(res.status).toBe(c.expect.status);
      if (c.expect.body !== undefined) expect(await res.text()).toBe(c.expect.body);
      if (c.expect.contentType) expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    }
    expect(pendingKeys(h.ctx)).toEqual([]);
  },
  'cloud-text': async () => {
    const h = await boot();
    const res = await h.postFixture('cloud-text');
    expect(res.status).toBe(200);
    expect(h.ctx.ingested).toHaveLength(1);
    const env = h.ctx.ingested[0]!;
    expect(env.message).toMatchObject({
      externalId: 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUNTQ4NTU3RjU5RTlCMEFBMERGQ0IA',
      from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net', displayName: 'Mariana Souza' },
      fromAliases: [{ kind: 'phone', address: '+5511987654321' }],
      text: 'Oi! Meu pedido 10482 ainda não chegou, já faz 8 dias 😕',
    });
    // The raw webhook is kept, byte for byte.
    expect((await h.ctx.blobs.read(env.rawKey!)).toString('utf8')).toBe(loadCloudFixture<WebhookFixture>('cloud-text').request.rawBody);
    expect(h.ctx.stateMap.get('last-inbound:5511987654321')).toBe(1779123731000);
    expect(pendingKeys(h.ctx)).toEqual([]);
  },
  'cloud-duplicate-delivery': async () => {
    const h = await boot();
    await h.postFixture('cloud-text');
    const again = await h.postFixture('cloud-duplicate-delivery');
    expect(again.status).toBe(200);
    expect(h.ctx.ingested).toHaveLength(1);
    expect(pendingKeys(h.ctx)).toEqual([]);
  },
  'cloud-text-bad-signature': async () => {
    const h = await boot();
    const res = await h.postFixture('cloud-text-bad-signature');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_signature' });
    expect(h.ctx.ingested).toHaveLength(0);
    expect(h.ctx.stateMap.size).toBe(0);
  },
  'cloud-text-reply-context': async () => {
    const h = await boot();
    await h.postFixture('cloud-text-reply-context');
    expect(h.ctx.ingested[0]!.message.threadHints.references).toEqual(['wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUMjg2OUY2NUVDMUQwOURBRjhEQzgA']);
  },
  'cloud-image': async () => {
    const h = await expectIngestedMedia('cloud-image', '8951528449994053', 'image/jpeg', {
      filename: 'whatsapp-image-8951528449994053.jpg',
    });
    expect(h.ctx.ingested[0]!.message.text).toBe('Chegou assim, caixa toda amassada');
  },
  'cloud-video': async () => {
    await expectIngestedMedia('cloud-video', '9161859863954877', 'video/mp4');
  },
  'cloud-audio-voice': async () => {
    await expectIngestedMedia('cloud-audio-voice', '2577342146524886', 'audio/ogg; codecs=opus', { variant: 'voice' });
  },
  'cloud-document': async () => {
    const h = await expectIngestedMedia('cloud-document', '4741971240392536', 'application/pdf', { filename: 'comprovante-pix.pdf' });
    expect(h.ctx.ingested[0]!.message.text).toContain('#48213');
  },
  'cloud-sticker': async () => {
    await expectIngestedMedia('cloud-sticker', '9401264416186729', 'image/webp', { variant: 'sticker' });
  },
  'cloud-location': async () => {
    const h = await boot();
    await h.postFixture('cloud-location');
    expect(h.ctx.ingested[0]!.message.text).toContain('https://www.google.com/maps?q=-23.561414,-46.655881');
  },
  'cloud-contacts': async () => {
    const h = await boot();
    await h.postFixture('cloud-contacts');
    expect(h.ctx.ingested[0]!.message.text).toContain('Transportadora Rápida SAC');
    expect(h.ctx.ingested[0]!.message.text).toContain('+55 11 4002-8922');
  },
  'cloud-interactive-button-reply': async () => {
    const h = await boot();
    await h.postFixture('cloud-interactive-button-reply');
    expect(h.ctx.ingested[0]!.message).toMatchObject({ text: 'Excelente', metadata: { payload: 'csat_5' } });
    expect(h.ctx.stateMap.get('last-inbound:5491155554444')).toBe(1779124731000);
  },
  'cloud-interactive-list-reply': async () => {
    const h = await boot();
    await h.postFixture('cloud-interactive-list-reply');
    expect(h.ctx.ingested[0]!.message).toMatchObject({ text: 'Troca de tamanho', metadata: { payload: 'motivo_troca' } });
  },
  'cloud-button-template-quick-reply': async () => {
    // The customer answers a template 30 h after their previous message: the window reopens.
    const h = await boot({ now: 1779213731000 + 60_000 });
    expect((await sendError(h, outbound())).code).toBe('whatsapp_window_closed');
    await h.postFixture('cloud-button-template-quick-reply');
    expect(h.ctx.ingested[0]!.message).toMatchObject({ text: 'Ainda preciso de ajuda', metadata: { payload: 'REABRIR_CHAMADO_48213' } });
    const receipt = await h.runtime.sender!.send(outbound());
    expect(receipt.externalId).toMatch(/^wamid\./);
  },
  'cloud-reaction': async () => {
    const h = await boot();
    await h.postFixture('cloud-reaction');
    expect(h.ctx.ingested).toHaveLength(0);
    expect(h.ctx.updates).toEqual([
      {
        externalId: 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUMjg2OUY2NUVDMUQwOURBRjhEQzgA',
        reaction: { emoji: '👍', by: '5511987654321@s.whatsapp.net', at: 1779131031000 },
      },
    ]);
  },
  'cloud-referral-ctwa': async () => {
    const h = await boot();
    await h.postFixture('cloud-referral-ctwa');
    expect(h.ctx.ingested[0]!.message.metadata).toMatchObject({ attribution: { source: 'ctwa_ad', adId: '120210987654321001' } });
  },
  'cloud-unsupported': async () => {
    const h = await boot();
    await h.postFixture('cloud-unsupported');
    expect(h.ctx.ingested[0]!.message.text).toBe(
      '[Mensagem de um tipo não suportado pelo WhatsApp Cloud API — peça ao cliente para reenviar]',
    );
  },
  'cloud-system-user-changed-number': async () => {
    const h = await boot({ now: 1779128731000 + H });
    await h.postFixture('cloud-text'); // Mariana wrote earlier: the window is open
    h.ctx.setNow(1779128731000 + 60_000);
    await h.postFixture('cloud-system-user-changed-number');
    expect(h.ctx.ingested).toHaveLength(1); // no ticket message for the system notice
    expect(h.ctx.stateMap.get('moved-to:5511987654321')).toBe('5511976543210');
    // Replies to the old JID follow her to the new number.
    h.ctx.setNow(1779123731000 + H);
    stub.requests.length = 0;
    await h.runtime.sender!.send(outbound({ recipientLastInboundAt: 1779123731000 }));
    expect(stub.sends()[0]).toMatchObject({ to: '5511976543210' });
  },
  'cloud-brazil-wa-id-without-9': async () => {
    const h = await boot({ now: 1779126131000 + H });
    await h.postFixture('cloud-brazil-wa-id-without-9');
    const m = h.ctx.ingested[0]!.message;
    expect(m.from.address).toBe('558187654321@s.whatsapp.net');
    expect(m.lookupAlso).toContainEqual({ kind: 'phone', address: '+5581987654321' });
    // The reply goes to the wa_id that wrote, without adding the 9.
    stub.requests.length = 0;
    const receipt = await h.runtime.sender!.send(outbound({ recipient: m.from }));
    expect(stub.sends()[0]).toMatchObject({ to: '558187654321' });
    expect(receipt.resolvedIdentity).toEqual({ kind: 'whatsapp', address: '558187654321@s.whatsapp.net' });
  },
  'cloud-bsuid-username-no-phone': async () => {
    const h = await boot({ now: 1779129731000 + H });
    await h.postFixture('cloud-bsuid-username-no-phone');
    const m = h.ctx.ingested[0]!.message;
    expect(m.from).toEqual({ kind: 'whatsapp_bsuid', address: 'BR.1502576394655843', displayName: 'Ana P.' });
    expect(m.fromAliases).toEqual([]);
    stub.requests.length = 0;
    const receipt = await h.runtime.sender!.send(outbound({ recipient: m.from }));
    expect(stub.sends()[0]).toMatchObject({ recipient: 'BR.1502576394655843', type: 'text' });
    expect(stub.sends()[0]).not.toHaveProperty('to');
    expect(receipt.externalId).toMatch(/^wamid\./);
  },
  'cloud-batched-multiple': async () => {
    const h = await boot();
    await h.postFixture('cloud-batched-multiple');
    expect(h.ctx.ingested.map((e) => e.message.externalId)).toEqual(loadCloudFixture('cloud-batched-multiple').expect.externalMessageIds);
  },
  'cloud-status-sent': async () => {
    const h = await boot();
    await h.postFixture('cloud-status-sent');
    expect(h.ctx.deliveries).toEqual([
      { externalId: 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUMzk4OUZBRjZCQzFDRTVCMDNENEQA', status: 'sent', at: 1779127431000 },
    ]);
  },
  'cloud-status-delivered': async () => {
    const h = await boot();
    await h.postFixture('cloud-status-delivered');
    expect(h.ctx.deliveries).toMatchObject([{ status: 'delivered', at: 1779127433000 }]);
  },
  'cloud-status-read': async () => {
    const h = await boot();
    await h.postFixture('cloud-status-read');
    expect(h.ctx.deliveries).toMatchObject([{ status: 'read' }]);
  },
  'cloud-status-failed-131047': async () => {
    const h = await boot();
    await h.postFixture('cloud-status-failed-131047');
    expect(h.ctx.deliveries).toMatchObject([
      { status: 'failed', errorCode: 'whatsapp_131047', errorMessage: expect.stringMatching(/template/) },
    ]);
    expect(h.ctx.ingested).toHaveLength(0);
  },
  'cloud-errors-value-level': async () => {
    const h = await boot();
    const res = await h.postFixture('cloud-errors-value-level');
    expect(res.status).toBe(200);
    expect(h.ctx.ingested).toHaveLength(0);
    expect(h.ctx.deliveries).toHaveLength(0);
    expect(pendingKeys(h.ctx)).toEqual([]);
    // Shown to admins in the channel's health.
    expect(h.runtime.source!.health().detail).toMatchObject({
      lastMetaError: { code: 131056, message: expect.stringMatching(/pair rate limit/) },
    });
  },
  'cloud-media-url-response': async () => {
    const f = loadCloudFixture('cloud-media-url-response');
    const bytes = Buffer.from('jpeg bytes');
    stub.media.set('8951528449994053', { bytes, mimeType: 'image/jpeg' });
    // Meta's exact lookup response, with the media url pointed at the stub.
    stub.failNext('lookup', { status: 200, body: { ...f.response.body, url: `${stub.baseUrl}/download/8951528449994053` } });
    const graph = createGraphClient({
      baseUrl: stub.baseUrl,
      version: 'v21.0',
      accessToken: STUB_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      timeoutMs: 5000,
    });
    const ctx = createFakeContext();
    const got = await graph.downloadMedia('8951528449994053', ctx.blobs, 1_000_000);
    expect(got).toMatchObject({ size: bytes.length, contentType: 'image/jpeg', sha256Matches: false });
    expect(await ctx.blobs.read(got.blobKey)).toEqual(bytes);
    // file_size over the limit: refused before downloading anything.
    stub.failNext('lookup', { status: 200, body: f.response.body });
    const before = stub.requests.length;
    await expect(graph.downloadMedia('8951528449994053', ctx.blobs, 1000)).rejects.toMatchObject({
      code: 'whatsapp_media_too_large',
      retryable: false,
    });
    expect(stub.requests.slice(before).map((r) => r.path)).toEqual(['/v21.0/8951528449994053']);
    // An http url on another origin never receives the token.
    stub.failNext('lookup', { status: 200, body: { ...f.response.body, url: 'http://198.51.100.7/x' } });
    await expect(graph.downloadMedia('8951528449994053', ctx.blobs, 1_000_000)).rejects.toMatchObject({
      code: 'whatsapp_media_url_refused',
    });
    // An expired url (404) maps to a retryable-or-not ChannelError, never a crash.
    stub.failNext('download', { status: 404, body: {} });
    await expect(graph.downloadMedia('8951528449994053', ctx.blobs, 1_000_000)).rejects.toMatchObject({ code: 'whatsapp_http_404' });
  },
  'cloud-send-text-request-response': async () => {
    const f = loadCloudFixture('cloud-send-text-request-response');
    const h = await boot();
    stub.requests.length = 0;
    stub.failNext('send', { status: 200, body: f.response.body });
    const receipt = await h.runtime.sender!.send(
      outbound({
        text: f.request.body.text.body,
        threading: { inReplyTo: f.request.body.context.message_id, references: [f.request.body.context.message_id] },
        recipientLastInboundAt: h.ctx.clock.now() - H,
      }),
    );
    const sent = stub.requests[0]!;
    expect(sent.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(sent.authorization).toBe(`Bearer ${STUB_TOKEN}`);
    expect(sent.contentType).toMatch(/^application\/json/);
    expect(sent.json).toEqual(f.request.body);
    expect(receipt).toEqual({
      externalId: f.expect.storeExternalId,
      resolvedIdentity: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
    });
  },
  'cloud-send-brazil-input-vs-wa-id': async () => {
    const f = loadCloudFixture('cloud-send-brazil-input-vs-wa-id');
    const h = await boot();
    stub.requests.length = 0;
    stub.failNext('send', { status: 200, body: f.response.body });
    const receipt = await h.runtime.sender!.send(
      outbound({
        recipient: { kind: 'phone', address: '+5581987654321' },
        template: { name: 'retomada_atendimento', language: 'pt_BR', params: ['Roberto', '#48220'] },
      }),
    );
    expect(stub.requests[0]!.json).toEqual(f.request.body); // sent as typed: the 9 is not removed
    expect(receipt).toEqual({
      externalId: f.response.body.messages[0].id,
      resolvedIdentity: { kind: 'whatsapp', address: `${f.expect.canonicalWaId}@s.whatsapp.net` },
    });
  },
  'cloud-send-template-outside-window': async () => {
    const f = loadCloudFixture('cloud-send-template-outside-window');
    const h = await boot();
    stub.requests.length = 0;
    const lastInbound = h.ctx.clock.now() - 30 * H;
    const err = await sendError(h, outbound({ recipientLastInboundAt: lastInbound }));
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ code: 'whatsapp_window_closed', retryable: false });
    expect(err.message).toMatch(/send an approved template/);
    expect(stub.requests).toHaveLength(0); // nothing reached Meta
    stub.failNext('send', { status: 200, body: f.response.body });
    const receipt = await h.runtime.sender!.send(
      outbound({
        recipientLastInboundAt: lastInbound,
        template: { name: 'retomada_atendimento', language: 'pt_BR', params: ['Mariana', '#48213'] },
      }),
    );
    expect(stub.requests[0]!.json).toMatchObject({
      to: f.request.body.to,
      type: 'template',
      template: { name: 'retomada_atendimento', language: { code: 'pt_BR' }, components: [f.request.body.template.components[0]] },
    });
    expect(receipt.externalId).toBe(f.response.body.messages[0].id);
  },
};

describe('WhatsApp Cloud adapter: one test per fixture', () => {
  const names = cloudFixtureNames();
  it('has a test for every cloud fixture', () => {
    expect(names.filter((n) => !fixtureTests[n])).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(31);
  });
  it.each(names)('%s', async (name) => {
    await fixtureTests[name]!();
  });
});

describe('WhatsApp Cloud adapter: webhook robustness', () => {
  const raw = loadCloudFixture<WebhookFixture>('cloud-text').request.rawBody;

  it('answers 401 to a POST without a signature and stores nothing', async () => {
    const h = await boot();
    const res = await h.post(raw);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).message).toMatch(/missing X-Hub-Signature-256/);
    expect(h.ctx.stateMap.size).toBe(0);
  });

  it('answers 400 with a clear message to signed malformed JSON', async () => {
    const h = await boot();
    const body = '{"object":"whatsapp_business_account","entry":[';
    const res = await h.post(body, { 'x-hub-signature-256': signBody(body, APP_SECRET) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_json', message: expect.stringMatching(/not valid JSON/) });
    expect(pendingKeys(h.ctx)).toEqual([]);
  });

  it('answers 413 to a body over the limit', async () => {
    const h = await boot({ config: { webhookMaxBytes: 200 } });
    const res = await h.post(raw, { 'x-hub-signature-256': signBody(raw, APP_SECRET) });
    expect(res.status).toBe(413);
    expect(h.ctx.ingested).toHaveLength(0);
  });

  it('retries a body whose media lookup failed transiently, then ingests it with the attachment', async () => {
    stub.media.set('8951528449994053', { bytes: Buffer.from('img'), mimeType: 'image/jpeg' });
    stub.failNext('lookup', { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } });
    const h = await boot({ retryDelaysMs: [20, 20] });
    await h.postFixture('cloud-image');
    expect(h.ctx.ingested).toHaveLength(0); // first attempt failed, retry is scheduled
    for (let i = 0; i < 100 && h.ctx.ingested.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await h.inbox.idle();
    expect(h.ctx.ingested).toHaveLength(1);
    expect(h.ctx.ingested[0]!.message.attachments).toHaveLength(1);
    expect(pendingKeys(h.ctx)).toEqual([]);
  });

  it('keeps the message with a visible note when the media keeps failing (last attempt)', async () => {
    for (let i = 0; i < 2; i++) stub.failNext('lookup', { status: 500, body: {} });
    const h = await boot({ retryDelaysMs: [10] });
    await h.postFixture('cloud-video');
    for (let i = 0; i < 100 && h.ctx.ingested.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await h.inbox.idle();
    expect(h.ctx.ingested).toHaveLength(1);
    expect(h.ctx.ingested[0]!.message.text).toBe(
      'Olha o barulho que o liquidificador faz\n[Anexo não pôde ser baixado: whatsapp_http_500]',
    );
    expect(h.ctx.ingested[0]!.message.attachments).toEqual([]);
  });

  it('keeps the message with a note when the media is over mediaMaxBytes', async () => {
    stub.media.set('2577342146524886', { bytes: Buffer.alloc(5000, 1), mimeType: 'audio/ogg' });
    const h = await boot({ config: { mediaMaxBytes: 1000 } });
    await h.postFixture('cloud-audio-voice');
    expect(h.ctx.ingested[0]!.message.text).toMatch(/^\[Anexo não baixado: maior que o limite/);
    expect(h.ctx.ingested[0]!.message.metadata).toMatchObject({ mediaError: { code: 'whatsapp_media_too_large' } });
  });

  it('resumes a body left pending by a crash when the source starts again', async () => {
    const first = await boot();
    // Simulate a crash between the 200 and the processing: stored and marked, never processed.
    await first.runtime.source!.stop();
    const res = await first.post(raw, { 'x-hub-signature-256': signBody(raw, APP_SECRET) });
    expect(res.status).toBe(200);
    expect(first.ctx.ingested).toHaveLength(0);
    expect(pendingKeys(first.ctx)).toHaveLength(1);
    const second = await boot({ ctx: first.ctx });
    await second.inbox.idle();
    expect(first.ctx.ingested).toHaveLength(1);
    expect(pendingKeys(first.ctx)).toEqual([]);
  });

  it('answers 503 (so Meta redelivers) when the body cannot be stored', async () => {
    const ctx = createFakeContext('wa-cloud');
    ctx.state.set = async () => {
      throw new Error('database is locked');
    };
    const h = await boot({ ctx });
    const res = await h.post(raw, { 'x-hub-signature-256': signBody(raw, APP_SECRET) });
    expect(res.status).toBe(503);
  });
});

describe('WhatsApp Cloud sender', () => {
  it('uses its own record of the last inbound message when the core has none', async () => {
    const h = await boot({ now: 1779123731000 + 2 * H });
    await h.postFixture('cloud-text');
    await expect(h.runtime.sender!.send(outbound())).resolves.toMatchObject({ externalId: expect.stringMatching(/^wamid\./) });
    h.ctx.setNow(1779123731000 + 25 * H);
    expect((await sendError(h, outbound())).code).toBe('whatsapp_window_closed');
  });

  it('maps Graph errors: 131047 not retryable, rate limit retryable, 5xx retryable, token never in the message', async () => {
    const h = await boot();
    const inside = { recipientLastInboundAt: h.ctx.clock.now() - H };
    stub.failNext('send', { status: 400, body: { error: { message: 'Re-engagement message', code: 131047 } } });
    expect(await sendError(h, outbound(inside))).toMatchObject({ code: 'whatsapp_131047', retryable: false });
    stub.failNext('send', { status: 400, body: { error: { message: 'Rate limit', code: 80007 } } });
    expect(await sendError(h, outbound(inside))).toMatchObject({ code: 'whatsapp_80007', retryable: true });
    stub.failNext('send', { status: 400, body: { error: { message: 'Message undeliverable', code: 131026 } } });
    expect(await sendError(h, outbound(inside))).toMatchObject({ code: 'whatsapp_131026', retryable: false });
    stub.failNext('send', { status: 502, body: 'bad gateway' });
    const e = await sendError(h, outbound(inside));
    expect(e).toMatchObject({ code: 'whatsapp_http_502', retryable: true });
    expect(e.message).not.toContain(STUB_TOKEN);
    stub.failNext('send', 'reset');
    expect(await sendError(h, outbound(inside))).toMatchObject({ code: 'network', retryable: true });
  });

  it('uploads attachments and does not resend parts already accepted when retried', async () => {
    const h = await boot();
    const { key } = await h.ctx.blobs.put(Buffer.from('%PDF-1.4 fake'));
    const message = outbound({
      recipientLastInboundAt: h.ctx.clock.now() - H,
      attachments: [{ blobKey: key, filename: 'nota.pdf', contentType: 'application/pdf', size: 13 }],
    });
    stub.requests.length = 0;
    stub.failNext('upload', { status: 503, body: {} });
    expect(await sendError(h, message)).toMatchObject({ retryable: true });
    expect(stub.sends()).toHaveLength(1); // the text went out
    const progress = h.ctx.stateMap.get(`send-progress:${message.outboxId}`) as { ids: Array<string | null> };
    expect(progress.ids).toEqual([expect.stringMatching(/^wamid\./), null]);
    const receipt = await h.runtime.sender!.send(message);
    const sends = stub.sends();
    expect(sends).toHaveLength(2); // the text was not sent twice
    expect(sends[1]).toMatchObject({ type: 'document', document: { id: expect.stringMatching(/^uploaded-media-/), filename: 'nota.pdf' } });
    expect(receipt.externalId).toBe(progress.ids[0]);
    expect(h.ctx.stateMap.has(`send-progress:${message.outboxId}`)).toBe(false);
    const upload = stub.requests.find((r) => r.path.endsWith('/media') && r.method === 'POST' && r.body.includes('%PDF-1.4 fake'))!;
    expect(upload.contentType).toMatch(/^multipart\/form-data/);
  });
});
