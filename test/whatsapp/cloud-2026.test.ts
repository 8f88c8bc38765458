/**
 * Issue 12, WhatsApp Cloud API in 2026, through the real app (SQLite and PostgreSQL) with signed
 * webhooks and the local Graph stub:
 * - business-scoped user ids (BSUID): a customer known by username only is a contact and gets
 *   answers; when Meta sends the phone and the BSUID together, they are one contact;
 * - outside the 24-hour window, automatic messages go out as the template configured for their
 *   kind, and a kind without one fails with whatsapp_window_closed (nothing sent).
 */
import { createWhatsappCloudChannelDefinition } from '../../channels/whatsapp-cloud/index.js';
import { signBody } from '../../channels/whatsapp-cloud/signature.js';
import type { WebhookInbox } from '../../channels/whatsapp-cloud/webhook-inbox.js';
import { ChannelError } from '../../src/domain/errors.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { outboundMessage } from '../support/outbound-message.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { APP_SECRET, loadCloudFixture, PHONE_NUMBER_ID, type WebhookFixture } from './cloud-fixtures.js';
import { startGraphStub, STUB_TOKEN, type GraphStub } from './cloud-graph-stub.js';

const H = 3600_000;
const CHANNEL = 'wa-cloud';
const ANA_BSUID = 'BR.1502576394655843';
const ANA_PHONE = '5511955554444';
const T_ANA = 1779129731000; // cloud-bsuid-username-no-phone's timestamp
const T_MARIANA = 1779123731000; // cloud-text's timestamp

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
  await t?.stop();
  t = undefined;
});

async function start(database: 'sqlite' | 'postgres', templates: Record<string, unknown> = {}): Promise<TestApp> {
  const definition = createWhatsappCloudChannelDefinition({ retryDelaysMs: [20], onInbox: (_id, i) => void (inbox = i) });
  t = await startTestApp({
    definitions: [definition],
    database,
    clock: { now: () => now },
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
        templates,
      },
    ],
    env: { WA_TOKEN: STUB_TOKEN, WA_APP_SECRET: APP_SECRET, WA_VERIFY: 'aurora-verify-7f3c9e' },
  });
  return t;
}

async function post(raw: string): Promise<void> {
  const res = await fetch(`${t!.baseUrl}/hooks/whatsapp-cloud/${CHANNEL}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, APP_SECRET) },
    body: raw,
  });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  await inbox!.idle();
}
const postFixture = (name: string) => post(loadCloudFixture<WebhookFixture>(name).request.rawBody);

function webhook(contact: Record<string, unknown>, message: Record<string, unknown>): string {
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
              contacts: [contact],
              messages: [message],
            },
          },
        ],
      },
    ],
  });
}
/** Ana again, now with her phone and her BSUID in the same webhook. */
const anaWithPhone = (id: string, body: string) =>
  webhook(
    { profile: { name: 'Ana P.', username: '@ana.compras' }, wa_id: ANA_PHONE, user_id: ANA_BSUID },
    { from: ANA_PHONE, from_user_id: ANA_BSUID, id, timestamp: String(Math.floor(now / 1000)), type: 'text', text: { body } },
  );

async function requesterOf(app: TestApp, number: number) {
  const ticket = await app.getTicket(number);
  return {
    id: ticket.requester.id,
    identities: ticket.requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`).sort(),
  };
}

const sender = (app: TestApp) => app.app.running.find((c) => c.entry.id === CHANNEL)!.runtime.sender!;
const ready = (db: 'sqlite' | 'postgres') =>
  db === 'sqlite' || serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set (WhatsApp Cloud 2026 tests)');

describe.each(['sqlite', 'postgres'] as const)('WhatsApp Cloud API in 2026 (%s)', (db) => {
  test('a username-only customer is a ticket and gets answers; the same person with phone + BSUID stays one contact', async () => {
    if (!ready(db)) return;
    now = T_ANA + 60_000;
    const app = await start(db);
    await postFixture('cloud-bsuid-username-no-phone');
    expect(await requesterOf(app, 10001)).toMatchObject({ identities: [`whatsapp_bsuid:${ANA_BSUID}`] });

    stub.requests.length = 0;
    const reply = await app.api('POST', '/api/tickets/10001/replies', { body: 'Temos sim, na Rua XV!', visibility: 'public' });
    expect(reply.status).toBe(202);
    expect((await app.drainOutbox()).failed).toBe(0);
    expect(stub.sends()).toEqual([
      expect.objectContaining({
        recipient: ANA_BSUID,
        type: 'text',
        text: expect.objectContaining({ body: expect.stringContaining('Rua XV') }),
      }),
    ]);

    now += 10 * 60_000;
    await post(anaWithPhone('wamid.ANAPHONE1', 'Pode me mandar o endereço completo?'));
    const tickets = await app.api('GET', '/api/tickets');
    expect(tickets.body.tickets).toHaveLength(1);
    const ticket = await app.getTicket(10001);
    expect(ticket.messages.filter((m) => m.direction === 'in').map((m) => m.externalId)).toEqual([
      expect.stringMatching(/^wamid\./),
      'wamid.ANAPHONE1',
    ]);
    expect((await requesterOf(app, 10001)).identities).toEqual([
      `phone:+${ANA_PHONE}`,
      `whatsapp:${ANA_PHONE}@s.whatsapp.net`,
      `whatsapp_bsuid:${ANA_BSUID}`,
    ]);
  });

  test('two contacts (first met by phone, then by username) become one when Meta sends both ids together', async () => {
    if (!ready(db)) return;
    now = T_ANA + 60_000;
    const app = await start(db);
    // Ana first wrote from her phone (no BSUID in that webhook) …
    await post(
      webhook(
        { profile: { name: 'Ana P.' }, wa_id: ANA_PHONE },
        { from: ANA_PHONE, id: 'wamid.ANAOLD1', timestamp: String(Math.floor(now / 1000)), type: 'text', text: { body: 'Oi, é a Ana' } },
      ),
    );
    // … then with her username only: Ponte cannot know it is her yet.
    now += 60_000;
    await postFixture('cloud-bsuid-username-no-phone');
    const phoneContact = await requesterOf(app, 10001);
    const bsuidContact = await requesterOf(app, 10002);
    expect(phoneContact.id).not.toBe(bsuidContact.id);

    now += 60_000;
    await post(anaWithPhone('wamid.ANABOTH1', 'Sou a mesma pessoa'));
    const a = await requesterOf(app, 10001);
    const b = await requesterOf(app, 10002);
    expect(a.id).toBe(b.id);
    expect(a.identities).toEqual([`phone:+${ANA_PHONE}`, `whatsapp:${ANA_PHONE}@s.whatsapp.net`, `whatsapp_bsuid:${ANA_BSUID}`]);
  });

  test('outside the window an automatic message goes out as its template; without one it fails and nothing is sent', async () => {
    if (!ready(db)) return;
    now = T_MARIANA + 60_000;
    const app = await start(db, {
      status_notice: { name: 'ponte_status_update', language: 'pt-BR', params: ['ticket.number', 'text'] },
      reminder: { name: 'ponte_reminder', language: 'pt_BR', params: [{ literal: 'Loja Aurora' }] },
    });
    await postFixture('cloud-text'); // Mariana writes: the window opens
    await postFixture('cloud-bsuid-username-no-phone'); // Ana (username only), 100 minutes later per its timestamp
    const mariana = { kind: 'whatsapp' as const, address: '5511987654321@s.whatsapp.net' };
    const notice = (over: Partial<Parameters<typeof outboundMessage>[0]> = {}) =>
      outboundMessage({
        channelId: CHANNEL,
        outboxId: `ob-${Math.random()}`,
        recipient: mariana,
        automatic: true,
        purpose: 'status_notice',
        text: 'Seu chamado #10001 está agora:\nEm andamento',
        ...over,
      });

    // Inside the window: plain text, no template.
    stub.requests.length = 0;
    await sender(app).send(notice());
    expect(stub.sends()).toEqual([expect.objectContaining({ to: '5511987654321', type: 'text' })]);

    // 30 hours later: the template of its kind, parameters filled from the message.
    now = T_MARIANA + 30 * H;
    stub.requests.length = 0;
    await sender(app).send(notice());
    await sender(app).send(notice({ purpose: 'reminder', text: 'Ainda precisa de ajuda?' }));
    expect(stub.sends()).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '5511987654321',
        type: 'template',
        template: {
          name: 'ponte_status_update',
          language: { code: 'pt_BR' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: '10001' },
                { type: 'text', text: 'Seu chamado #10001 está agora: Em andamento' },
              ],
            },
          ],
        },
      },
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '5511987654321',
        type: 'template',
        template: {
          name: 'ponte_reminder',
          language: { code: 'pt_BR' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Loja Aurora' }] }],
        },
      },
    ]);
    // A username-only customer gets the template through the BSUID.
    stub.requests.length = 0;
    await sender(app).send(notice({ recipient: { kind: 'whatsapp_bsuid', address: ANA_BSUID } }));
    expect(stub.sends()).toEqual([
      expect.objectContaining({
        recipient: ANA_BSUID,
        type: 'template',
        template: expect.objectContaining({ name: 'ponte_status_update' }),
      }),
    ]);

    // No template for acknowledgements, and an agent's reply is never turned into a template.
    stub.requests.length = 0;
    const ack = await sender(app)
      .send(notice({ purpose: 'auto_ack', text: 'Recebemos sua mensagem' }))
      .catch((e: unknown) => e);
    expect(ack).toBeInstanceOf(ChannelError);
    expect(ack).toMatchObject({ code: 'whatsapp_window_closed', retryable: false });
    expect((ack as Error).message).toContain(
      'No template is configured for automatic "auto_ack" messages (channel setting templates.auto_ack)',
    );
    const human = await sender(app)
      .send(notice({ automatic: false, purpose: 'reply', text: 'Oi Mariana' }))
      .catch((e: unknown) => e);
    expect(human).toMatchObject({ code: 'whatsapp_window_closed' });
    expect((human as Error).message).not.toContain('templates.');
    expect(stub.sends()).toEqual([]);
  });
});
