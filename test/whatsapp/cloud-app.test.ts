/**
 * The WhatsApp Cloud channel inside the real core (test/support/app.ts: SQLite, HTTP on
 * 127.0.0.1): signed webhook POSTs to the running app, agent replies through the REST API and
 * the outbox, sends and media against the local Graph stub.
 */
import { sql } from 'kysely';
import { createWhatsappCloudChannelDefinition } from '../../channels/whatsapp-cloud/index.js';
import { signBody } from '../../channels/whatsapp-cloud/signature.js';
import type { WebhookInbox } from '../../channels/whatsapp-cloud/webhook-inbox.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { APP_SECRET, loadCloudFixture, PHONE_NUMBER_ID, type WebhookFixture } from './cloud-fixtures.js';
import { startGraphStub, STUB_TOKEN, type GraphStub } from './cloud-graph-stub.js';

const H = 3600_000;
const T0 = 1779123731000; // cloud-text's timestamp
const CHANNEL = 'wa-cloud';
const TEXT_ID = 'wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUNTQ4NTU3RjU5RTlCMEFBMERGQ0IA';

let stub: GraphStub;
let t: TestApp | undefined;
let inbox: WebhookInbox | undefined;
let now = T0 + 60_000;
const clock = { now: () => now };

beforeAll(async () => {
  stub = await startGraphStub();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

let database: 'sqlite' | 'postgres' = 'sqlite';

/** Undefined when this run must skip (PostgreSQL asked for but not configured: skipped loudly). */
async function start(): Promise<TestApp> {
  now = T0 + 60_000;
  const definition = createWhatsappCloudChannelDefinition({
    retryDelaysMs: [20],
    onInbox: (_id, i) => {
      inbox = i;
    },
  });
  t = await startTestApp({
    definitions: [definition],
    database,
    clock,
    channels: [
      {
        id: CHANNEL,
        kind: 'whatsapp-cloud',
        locale: 'pt-BR',
        phoneNumberId: PHONE_NUMBER_ID,
        accessToken: '${WA_TOKEN}',
        appSecret: '${WA_APP_SECRET}',
        verifyToken: '${WA_VERIFY}',
        graphBaseUrl: stub.baseUrl,
        graphVersion: 'v21.0',
      },
    ],
    env: { WA_TOKEN: STUB_TOKEN, WA_APP_SECRET: APP_SECRET, WA_VERIFY: 'aurora-verify-7f3c9e' },
  });
  return t;
}

const hookUrl = () => `${t!.baseUrl}/hooks/whatsapp-cloud/${CHANNEL}`;

/** `signature: null` sends no signature header. */
async function postRaw(raw: string, signature: string | null = signBody(raw, APP_SECRET)): Promise<number> {
  const res = await fetch(hookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    body: raw,
  });
  await res.arrayBuffer();
  await inbox!.idle();
  return res.status;
}

async function postFixture(name: string): Promise<number> {
  const f = loadCloudFixture<WebhookFixture>(name);
  return postRaw(f.request.rawBody, f.request.headers['x-hub-signature-256']!);
}

/** A webhook body like Meta's, for ids only known at run time (our outbound wamids). */
function webhook(value: Record<string, unknown>): string {
  return JSON.stringify({
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
              ...value,
            },
          },
        ],
      },
    ],
  });
}
const status = (id: string, s: string, ts: number, errors?: unknown[]) =>
  webhook({
    statuses: [{ id, status: s, timestamp: String(Math.floor(ts / 1000)), recipient_id: '5511987654321', ...(errors ? { errors } : {}) }],
  });
const mariana = { contacts: [{ profile: { name: 'Mariana Souza' }, wa_id: '5511987654321' }] };

async function ticketCount(app: TestApp): Promise<number> {
  const res = await app.api('GET', '/api/tickets');
  expect(res.status).toBe(200);
  return res.body.tickets.length;
}

async function agentReply(app: TestApp, number: number, body: string): Promise<void> {
  const res = await app.api('POST', `/api/tickets/${number}/replies`, { body, visibility: 'public' });
  expect(res.status).toBe(202);
}

describe.each(['sqlite', 'postgres'] as const)('WhatsApp Cloud channel through the real core (%s)', (db) => {
  beforeAll(() => {
    database = db;
  });
  /** PostgreSQL runs need PONTE_TEST_POSTGRES_URL (skipped loudly otherwise, failing under CI). */
  const ready = () =>
    db === 'sqlite' || serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set (WhatsApp Cloud app tests)');

  it('a signed customer text creates a ticket; the same delivery again changes nothing', async () => {
    if (!ready()) return;
    const app = await start();
    expect(await postFixture('cloud-text')).toBe(200);
    const ticket = await app.getTicket(10001);
    expect(ticket.messages).toHaveLength(1);
    expect(ticket.messages[0]).toMatchObject({
      direction: 'in',
      externalId: TEXT_ID,
      text: 'Oi! Meu pedido 10482 ainda não chegou, já faz 8 dias 😕',
      matchedBy: 'new_ticket',
    });
    expect(ticket.requester.identities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' }),
        expect.objectContaining({ kind: 'phone', address: '+5511987654321' }),
      ]),
    );

    // The webhook body kept for replay is small: a database row, not a file (storage.inlineMaxBytes).
    const db = app.app.database.kysely;
    const { raw_key } = await db.selectFrom('messages').select('raw_key').where('external_id', '=', TEXT_ID).executeTakeFirstOrThrow();
    expect((await sql`select key from blob_objects where key = ${raw_key}`.execute(db)).rows).toHaveLength(1);
    expect((await app.app.blobs.read(raw_key!)).toString()).toBe(loadCloudFixture<WebhookFixture>('cloud-text').request.rawBody);

    expect(await postFixture('cloud-duplicate-delivery')).toBe(200);
    expect(await postFixture('cloud-text')).toBe(200);
    expect(await ticketCount(app)).toBe(1);
    expect((await app.getTicket(10001)).messages.filter((m) => m.direction === 'in')).toHaveLength(1);
  });

  it('rejects a bad or missing signature with 401 and stores nothing', async () => {
    if (!ready()) return;
    const app = await start();
    expect(await postFixture('cloud-text-bad-signature')).toBe(401);
    expect(await postRaw(loadCloudFixture<WebhookFixture>('cloud-text').request.rawBody, null)).toBe(401);
    expect(await ticketCount(app)).toBe(0);
  });

  it('answers the GET handshake through the app', async () => {
    if (!ready()) return;
    await start();
    const ok = await fetch(`${hookUrl()}?hub.mode=subscribe&hub.verify_token=aurora-verify-7f3c9e&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(`${hookUrl()}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444`);
    expect(bad.status).toBe(403);
  });

  it('an agent reply goes out quoting the customer; statuses only move delivery forward; a quoted reply lands on the same ticket', async () => {
    if (!ready()) return;
    const app = await start();
    await postFixture('cloud-text');
    stub.requests.length = 0;
    await agentReply(app, 10001, 'Oi Mariana! Já estou verificando o pedido 10482.');
    const drained = await app.drainOutbox();
    expect(drained.failed).toBe(0);
    const reply = stub.sends().find((s) => (s.text as { body?: string } | undefined)?.body?.includes('verificando'));
    expect(reply).toMatchObject({ messaging_product: 'whatsapp', to: '5511987654321', type: 'text' });
    expect(reply!.context).toEqual({ message_id: TEXT_ID });

    let ticket = await app.getTicket(10001);
    const out = ticket.messages.find((m) => m.direction === 'out' && m.text.includes('verificando'))!;
    expect(out).toMatchObject({ deliveryStatus: 'sent', externalId: expect.stringMatching(/^wamid\.STUB/) });

    // read arrives before delivered (Meta skips or reorders): delivered must not move it back.
    expect(await postRaw(status(out.externalId!, 'read', now))).toBe(200);
    expect(await postRaw(status(out.externalId!, 'delivered', now - 1000))).toBe(200);
    ticket = await app.getTicket(10001);
    expect(ticket.messages.find((m) => m.id === out.id)!.deliveryStatus).toBe('read');

    // The customer swipe-replies to our message.
    now += 5 * 60_000;
    await postRaw(
      webhook({
        ...mariana,
        messages: [
          {
            context: { from: '5511912345678', id: out.externalId },
            from: '5511987654321',
            id: 'wamid.REPLY1',
            timestamp: String(Math.floor(now / 1000)),
            type: 'text',
            text: { body: 'Obrigada!' },
          },
        ],
      }),
    );
    ticket = await app.getTicket(10001);
    expect(ticket.messages.find((m) => m.externalId === 'wamid.REPLY1')).toMatchObject({ direction: 'in', matchedBy: 'thread_reference' });
    expect(await ticketCount(app)).toBe(1);
  });

  it('a free-text reply outside the 24-hour window fails with a clear error and reaches nobody', async () => {
    if (!ready()) return;
    const app = await start();
    await postFixture('cloud-text');
    await app.drainOutbox(); // whatever the desk sends automatically inside the window
    now = T0 + 30 * H;
    stub.requests.length = 0;
    await agentReply(app, 10001, 'Oi Mariana, alguma novidade?');
    const drained = await app.drainOutbox();
    expect(drained).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    expect(stub.sends()).toHaveLength(0);
    const out = (await app.getTicket(10001)).messages.find((m) => m.direction === 'out' && m.text.includes('novidade'))!;
    expect(out).toMatchObject({ deliveryStatus: 'failed', errorCode: 'whatsapp_window_closed' });
    expect(out.errorMessage).toMatch(/24 hours/);
    expect(out.errorMessage).toMatch(/send an approved template/);
  });

  it('a failed status carries the WhatsApp code to the message', async () => {
    if (!ready()) return;
    const app = await start();
    await postFixture('cloud-text');
    await agentReply(app, 10001, 'Resposta');
    await app.drainOutbox();
    const out = (await app.getTicket(10001)).messages.find((m) => m.direction === 'out' && m.text.includes('Resposta'))!;
    await postRaw(
      status(out.externalId!, 'failed', now, [
        { code: 131047, title: 'Re-engagement message', error_data: { details: 'More than 24 hours' } },
      ]),
    );
    const after = (await app.getTicket(10001)).messages.find((m) => m.id === out.id)!;
    expect(after).toMatchObject({ deliveryStatus: 'failed', errorCode: 'whatsapp_131047' });
  });

  it('a reaction updates the message and does not reopen a solved ticket', async () => {
    if (!ready()) return;
    const app = await start();
    await postFixture('cloud-text');
    await agentReply(app, 10001, 'Entregue hoje!');
    await app.drainOutbox();
    const out = (await app.getTicket(10001)).messages.find((m) => m.direction === 'out' && m.text.includes('Entregue'))!;
    expect((await app.api('PATCH', '/api/tickets/10001', { status: 'solved' })).status).toBe(200);
    now += 60_000;
    await postRaw(
      webhook({
        ...mariana,
        messages: [
          {
            from: '5511987654321',
            id: 'wamid.REACT1',
            timestamp: String(Math.floor(now / 1000)),
            type: 'reaction',
            reaction: { message_id: out.externalId, emoji: '🙏' },
          },
        ],
      }),
    );
    const ticket = await app.getTicket(10001);
    expect(ticket.status).toBe('solved');
    expect(ticket.messages.find((m) => m.id === out.id)!.reactions).toEqual([expect.objectContaining({ emoji: '🙏' })]);
    expect(await ticketCount(app)).toBe(1);
  });

  it('stores inbound media in the blob store and serves it as an attachment', async () => {
    if (!ready()) return;
    const app = await start();
    const bytes = Buffer.from('fake jpeg bytes '.repeat(100));
    stub.media.set('8951528449994053', { bytes, mimeType: 'image/jpeg' });
    await postFixture('cloud-image');
    const msg = (await app.getTicket(10001)).messages[0]!;
    expect(msg.text).toBe('Chegou assim, caixa toda amassada');
    expect(msg.attachments).toEqual([expect.objectContaining({ contentType: 'image/jpeg', size: bytes.length })]);
    const res = await fetch(`${app.baseUrl}${msg.attachments[0]!.url}`, { headers: { authorization: `Bearer ${app.adminToken}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('a customer who changed number keeps their ticket, and replies follow the new number', async () => {
    if (!ready()) return;
    const app = await start();
    await postFixture('cloud-text');
    now = 1779128731000 + 60_000;
    await postFixture('cloud-system-user-changed-number');
    expect(await ticketCount(app)).toBe(1);
    now += 60_000;
    await postRaw(
      webhook({
        contacts: [{ profile: { name: 'Mariana Souza' }, wa_id: '5511976543210' }],
        messages: [
          {
            from: '5511976543210',
            id: 'wamid.NEWNUMBER1',
            timestamp: String(Math.floor(now / 1000)),
            type: 'text',
            text: { body: 'Troquei de número, é a Mariana' },
          },
        ],
      }),
    );
    expect(await ticketCount(app)).toBe(1);
    const ticket = await app.getTicket(10001);
    expect(ticket.messages.map((m) => m.externalId)).toContain('wamid.NEWNUMBER1');
    stub.requests.length = 0;
    await agentReply(app, 10001, 'Anotado, Mariana!');
    await app.drainOutbox();
    expect(stub.sends().find((s) => (s.text as { body?: string } | undefined)?.body?.includes('Anotado'))).toMatchObject({
      to: '5511976543210',
    });
  });

  it('answers a username-only customer (BSUID, no phone) through the BSUID', async () => {
    if (!ready()) return;
    const app = await start();
    now = 1779129731000 + 60_000;
    await postFixture('cloud-bsuid-username-no-phone');
    stub.requests.length = 0;
    await agentReply(app, 10001, 'Temos sim, na Rua XV!');
    expect((await app.drainOutbox()).failed).toBe(0);
    const sent = stub.sends().find((s) => (s.text as { body?: string } | undefined)?.body?.includes('Rua XV'));
    expect(sent).toMatchObject({ recipient: 'BR.1502576394655843', type: 'text' });
    expect(sent).not.toHaveProperty('to');
  });

  it('processes every message of a batched POST', async () => {
    if (!ready()) return;
    const app = await start();
    await postFixture('cloud-batched-multiple');
    expect(await ticketCount(app)).toBe(2);
    const mariana = await app.getTicket(10001);
    expect(mariana.messages.map((m) => m.text)).toEqual(['Oi', 'Alguém aí?']);
  });
});
