/**
 * Every signed cloud-*.json webhook fixture played into a real database through the running app
 * (one test per fixture), each posted twice: the second delivery must change nothing.
 * Fixtures that refer to one of our outbound messages (statuses, reaction, quoted replies) get
 * that message first: Mariana writes, an agent answers, and the Graph stub gives the answer the
 * wamid the fixture refers to.
 */
import { createWhatsappCloudChannelDefinition } from '../../channels/whatsapp-cloud/index.js';
import type { WebhookInbox } from '../../channels/whatsapp-cloud/webhook-inbox.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { APP_SECRET, loadCloudFixture, PHONE_NUMBER_ID, webhookFixtureNames, type WebhookFixture } from './cloud-fixtures.js';
import { startGraphStub, STUB_TOKEN, type GraphStub } from './cloud-graph-stub.js';

const CHANNEL = 'wa-cloud';
let stub: GraphStub;
let t: TestApp | undefined;
let inbox: WebhookInbox | undefined;
let now = 0;

beforeAll(async () => {
  stub = await startGraphStub();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  stub.reset();
  await t?.stop();
  t = undefined;
});

async function start(at: number): Promise<TestApp> {
  now = at;
  t = await startTestApp({
    definitions: [createWhatsappCloudChannelDefinition({ retryDelaysMs: [20], onInbox: (_id, i) => (inbox = i) })],
    clock: { now: () => now },
    channels: [
      {
        id: CHANNEL,
        kind: 'whatsapp-cloud',
        locale: 'pt-BR',
        phoneNumberId: PHONE_NUMBER_ID,
        accessToken: STUB_TOKEN,
        appSecret: APP_SECRET,
        verifyToken: 'aurora-verify-7f3c9e',
        graphBaseUrl: stub.baseUrl,
      },
    ],
  });
  return t;
}

async function post(raw: string, signature: string): Promise<number> {
  const res = await fetch(`${t!.baseUrl}/hooks/whatsapp-cloud/${CHANNEL}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: raw,
  });
  await res.arrayBuffer();
  await inbox!.idle();
  return res.status;
}

async function postFixture(name: string): Promise<number> {
  const f = loadCloudFixture<WebhookFixture>(name);
  return post(f.request.rawBody, f.request.headers['x-hub-signature-256']!);
}

/** Everything a user could see: tickets, their status and messages with delivery and reactions. */
async function snapshot(app: TestApp) {
  const list = await app.api('GET', '/api/tickets');
  const tickets = [];
  for (const s of list.body.tickets as Array<{ number: number }>) {
    const d = await app.getTicket(s.number);
    tickets.push({
      number: d.number,
      status: d.status,
      identities: d.requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`).sort(),
      messages: d.messages.map((m) => ({
        direction: m.direction,
        externalId: m.externalId,
        text: m.text,
        deliveryStatus: m.deliveryStatus,
        errorCode: m.errorCode,
        matchedBy: m.matchedBy,
        reactions: m.reactions,
        attachments: m.attachments.map((a) => `${a.filename}|${a.contentType}|${a.size}|${a.variant ?? ''}`),
      })),
    });
  }
  return tickets.sort((a, b) => a.number - b.number);
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** Mariana writes (cloud-text) and an agent answers; the answer gets `wamid` from the stub. */
async function withOutbound(app: TestApp, wamid: string): Promise<void> {
  expect(await postFixture('cloud-text')).toBe(200);
  expect(
    (await app.api('POST', '/api/tickets/10001/replies', { body: 'Seu pedido saiu para entrega.', visibility: 'public' })).status,
  ).toBe(202);
  // Automatic messages (acknowledgement …) may go out too; only the agent's reply gets the fixture's id.
  stub.idFor = (payload) => ((payload.text as { body?: string } | undefined)?.body?.includes('saiu para entrega') ? wamid : undefined);
  await app.drainOutbox();
  stub.idFor = undefined;
}

const outText = (s: Snapshot) => s[0]!.messages.find((m) => m.direction === 'out' && m.text.includes('saiu para entrega'))!;

interface Case {
  at?: number;
  /** The wamid our earlier reply must have. */
  outbound?: string;
  status?: number;
  check(s: Snapshot, f: WebhookFixture): void;
}

const ingestOne = (extra: (s: Snapshot, f: WebhookFixture) => void = () => {}): Case => ({
  check(s, f) {
    expect(s).toHaveLength(1);
    expect(s[0]!.messages.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(s[0]!.messages[0]!.externalId).toBe(f.expect.externalMessageId ?? s[0]!.messages[0]!.externalId);
    if (typeof f.expect.text === 'string') expect(s[0]!.messages[0]!.text).toBe(f.expect.text);
    extra(s, f);
  },
});
/** The content type is the one the webhook declared; the stub serves 1 KiB per media id. */
const withAttachment = (filename: string, contentType: string, variant = '') =>
  ingestOne((s) => expect(s[0]!.messages[0]!.attachments).toEqual([`${filename}|${contentType}|1024|${variant}`]));

const SENT_ID = 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUMzk4OUZBRjZCQzFDRTVCMDNENEQA';
const QUOTED_ID = 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUMjg2OUY2NUVDMUQwOURBRjhEQzgA';
const TEMPLATE_ID = 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUQUNCNUNFNDQxOTc3NUY4MjAyNEQA';
const FAILED_ID = 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUNUU0NkRCREQxRTY0NkRDOUMyRjUA';

const cases: Record<string, Case> = {
  'cloud-text': ingestOne((s) => expect(s[0]!.identities).toEqual(['phone:+5511987654321', 'whatsapp:5511987654321@s.whatsapp.net'])),
  'cloud-duplicate-delivery': ingestOne(),
  'cloud-text-bad-signature': { status: 401, check: (s) => expect(s).toEqual([]) },
  'cloud-text-reply-context': {
    outbound: QUOTED_ID,
    check(s) {
      expect(s).toHaveLength(1);
      expect(s[0]!.messages.at(-1)).toMatchObject({
        direction: 'in',
        matchedBy: 'thread_reference',
        text: 'Esse código de rastreio não funciona no site dos Correios',
      });
    },
  },
  'cloud-image': withAttachment('whatsapp-image-8951528449994053.jpg', 'image/jpeg'),
  'cloud-video': withAttachment('whatsapp-video-9161859863954877.mp4', 'video/mp4'),
  'cloud-audio-voice': withAttachment('whatsapp-voice-2577342146524886.ogg', 'audio/ogg; codecs=opus', 'voice'),
  'cloud-document': ingestOne((s) => expect(s[0]!.messages[0]!.attachments).toEqual([expect.stringMatching(/^comprovante-pix\.pdf\|/)])),
  'cloud-sticker': withAttachment('whatsapp-sticker-9401264416186729.webp', 'image/webp', 'sticker'),
  'cloud-location': ingestOne((s) => expect(s[0]!.messages[0]!.text).toMatch(/Av\. Paulista, 1578/)),
  'cloud-contacts': ingestOne((s) => expect(s[0]!.messages[0]!.text).toMatch(/Transportadora Rápida SAC/)),
  'cloud-interactive-button-reply': ingestOne(),
  'cloud-interactive-list-reply': ingestOne(),
  'cloud-button-template-quick-reply': {
    outbound: TEMPLATE_ID,
    check(s) {
      expect(s).toHaveLength(1);
      expect(s[0]!.messages.at(-1)).toMatchObject({ direction: 'in', matchedBy: 'thread_reference', text: 'Ainda preciso de ajuda' });
    },
  },
  'cloud-reaction': {
    outbound: QUOTED_ID,
    check(s) {
      expect(s).toHaveLength(1);
      expect(s[0]!.messages.filter((m) => m.direction === 'in')).toHaveLength(1); // no new message
      expect(outText(s).reactions).toEqual([expect.objectContaining({ emoji: '👍' })]);
    },
  },
  'cloud-referral-ctwa': ingestOne(),
  'cloud-unsupported': ingestOne(),
  'cloud-system-user-changed-number': { check: (s) => expect(s).toEqual([]) },
  'cloud-brazil-wa-id-without-9': ingestOne((s) =>
    expect(s[0]!.identities).toEqual(['phone:+558187654321', 'whatsapp:558187654321@s.whatsapp.net']),
  ),
  'cloud-bsuid-username-no-phone': ingestOne((s) => expect(s[0]!.identities).toEqual(['whatsapp_bsuid:BR.1502576394655843'])),
  'cloud-batched-multiple': {
    check(s) {
      expect(s.map((x) => x.messages.map((m) => m.text))).toEqual([['Oi', 'Alguém aí?'], ['¿Siguen atendiendo hoy?']]);
    },
  },
  'cloud-status-sent': { outbound: SENT_ID, check: (s) => expect(outText(s).deliveryStatus).toBe('sent') },
  'cloud-status-delivered': { outbound: SENT_ID, check: (s) => expect(outText(s).deliveryStatus).toBe('delivered') },
  'cloud-status-read': { outbound: SENT_ID, check: (s) => expect(outText(s).deliveryStatus).toBe('read') },
  'cloud-status-failed-131047': {
    outbound: FAILED_ID,
    check: (s) => expect(outText(s)).toMatchObject({ deliveryStatus: 'failed', errorCode: 'whatsapp_131047' }),
  },
  'cloud-errors-value-level': { check: (s) => expect(s).toEqual([]) },
};

describe('every Cloud webhook fixture into a real database, replayed twice', () => {
  const names = webhookFixtureNames();
  it('has a case for every webhook fixture', () => {
    expect(names.filter((n) => !cases[n])).toEqual([]);
  });

  it.each(names)('%s', async (name) => {
    const c = cases[name]!;
    const f = loadCloudFixture<WebhookFixture>(name);
    const ts = Number(
      (
        f.body as {
          entry: Array<{ changes: Array<{ value: { messages?: Array<{ timestamp: string }>; statuses?: Array<{ timestamp: string }> } }> }>;
        }
      ).entry[0]!.changes[0]!.value.messages?.[0]?.timestamp ?? 1779123731,
    );
    const app = await start(Math.min(ts, 1779123731) * 1000 + 60_000);
    if (c.outbound) await withOutbound(app, c.outbound);
    now = Math.max(now, ts * 1000 + 60_000);
    expect(await postFixture(name)).toBe(c.status ?? 200);
    const first = await snapshot(app);
    c.check(first, f);
    expect(await postFixture(name)).toBe(c.status ?? 200);
    expect(await snapshot(app)).toEqual(first);
  });

  it('matches an old Brazilian account (no 9) to the contact known with the 9', async () => {
    const app = await start(1779126131000 - 3600_000);
    // The shop first knew Roberto as +55 81 98765-4321 (a message from that form).
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '223344556677889',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '5511912345678', phone_number_id: PHONE_NUMBER_ID },
                contacts: [{ profile: { name: 'Roberto Lima' }, wa_id: '5581987654321' }],
                messages: [
                  {
                    from: '5581987654321',
                    id: 'wamid.ROBERTO13',
                    timestamp: String(1779126131 - 3000),
                    type: 'text',
                    text: { body: 'Pedido 10533' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const { signBody } = await import('../../channels/whatsapp-cloud/signature.js');
    expect(await post(raw, signBody(raw, APP_SECRET))).toBe(200);
    now = 1779126131000 + 60_000;
    expect(await postFixture('cloud-brazil-wa-id-without-9')).toBe(200);
    const s = await snapshot(app);
    expect(s).toHaveLength(1);
    expect(s[0]!.messages.map((m) => m.externalId)).toEqual([
      'wamid.ROBERTO13',
      'wamid.GA01NTgxODc2NTQzMjEVAgASGBQ2RkYzQkJCM0IxRDk0QjM2OUUwMwA=',
    ]);
  });
});
