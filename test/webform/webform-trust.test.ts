/**
 * Web forms tried as an attacker would (issue 9), through the whole app (real core, SQLite or
 * PostgreSQL, HTTP on 127.0.0.1): a form proves nothing about who typed it. Each test is the
 * request an attacker sends, and asserts what a customer or an agent would notice: no relay,
 * no status change, nothing mailed to the stranger, no existing ticket number in the answer.
 */
import { webformChannel } from '../../channels/webform/index.js';
import { describeEachDatabase } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { post, SECRET, signedHeaders } from './form-server.js';

const SITE = 'https://loja.example.com.br';
const MARIA = 'maria@customer.test';
const MARIA_PHONE = '+5511987654321';
const STRANGER = 'stranger@evil.test';
const STRANGER_PHONE = '+5511955550000';
const ANA = { name: 'Ana', email: 'ana@loja.example', phone: '+5511900000002', notifyChannelId: 'mail' };
const fields = { nome: 'name', email: 'email', telefone: 'phone', motivo: 'category', pedido: 'reference', mensagem: 'message' };

describeEachDatabase('web forms prove nothing (%s)', (database) => {
  let t: TestApp;
  const mail = createTestChannelDefinition('test', 'email', ['email']);
  const zap = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

  beforeEach(async () => {
    t = await startTestApp({
      database,
      definitions: [webformChannel, mail.definition, zap.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
        {
          id: 'contato',
          kind: 'webform',
          mode: 'public',
          origin: 'site form',
          replyVia: 'mail',
          allowedOrigins: [SITE],
          fields,
          rateLimit: { perIpPerMinute: 1000, perFormPerMinute: 1000 },
        },
        {
          id: 'loja',
          kind: 'webform',
          mode: 'signed',
          secret: SECRET,
          origin: 'marketplace',
          replyVia: 'mail',
          fields,
          trustIdentities: true,
        },
        {
          id: 'zapform',
          kind: 'webform',
          mode: 'public',
          origin: 'site form',
          replyVia: 'zap',
          replyTo: 'phone',
          allowedOrigins: [SITE],
          fields,
        },
      ],
    });
    await t.createAgent(ANA);
  });
  afterEach(() => t.stop());

  const publicForm = (values: Record<string, string>, headers: Record<string, string> = {}) =>
    post(`${t.baseUrl}/hooks/forms/contato`, JSON.stringify(values), { 'content-type': 'application/json', origin: SITE, ...headers });
  const signedForm = (values: Record<string, string>) => {
    const body = JSON.stringify(values);
    return post(`${t.baseUrl}/hooks/forms/loja`, body, signedHeaders(body, Date.now()));
  };
  const mailFromMaria = () =>
    t.context('mail').ingest({
      message: {
        externalId: 'maria-1@customer.test',
        from: { kind: 'email', address: MARIA },
        subject: 'Pedido atrasado',
        text: 'Meu pedido PED-1234 não chegou. Moro na Rua das Flores, 10.',
      },
    });
  const sentTo = (address: string) =>
    [...mail.outbox('mail').sent, ...zap.outbox('zap').sent].filter((m) => m.recipient.address === address);
  const inbound = (ticket: { messages: Array<{ direction: string }> }) => ticket.messages.filter((m) => m.direction === 'in');
  /** What agents see on the ticket: the identities typed but not proven. */
  const claimsOf = async (n: number) =>
    ((await t.getTicket(n)).claims as Array<{ kind: string; address: string; linkedContactId: string | null }>).map(
      ({ kind, address, linkedContactId }) => ({ kind, address, ticketNumber: n, linkedContactId }),
    );
  const identitiesOf = async (n: number) =>
    (await t.getTicket(n)).requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`).sort();

  it.each([
    ['relay a reply to the customer', '#10001 Pague a taxa de reembolso em http://evil.example/pay'],
    ['close the ticket', '#10001 #close'],
    ['solve it, command first', '#solved #10001 resolvido'],
    ['write an internal note', '#10001\n#note cliente autorizou estorno para outra conta'],
  ])("a form with an agent's email and phone cannot %s: it is a customer's new ticket", async (_attack, text) => {
    expect(await mailFromMaria()).toMatchObject({ status: 'created', ticketNumber: 10001 });
    await t.drainOutbox();
    const toMariaBefore = sentTo(MARIA).length;
    const before = await t.getTicket(10001);

    const r = await publicForm({ nome: 'Ana', email: ANA.email, telefone: ANA.phone, mensagem: text });
    expect(r.status).toBe(201);
    expect(r.json.ticketNumber).not.toBe(10001);
    await t.drainOutbox();

    expect(sentTo(MARIA)).toHaveLength(toMariaBefore);
    const after = await t.getTicket(10001);
    expect(after.status).toBe(before.status);
    expect(after.messages).toHaveLength(before.messages.length);
    const own = await t.getTicket(r.json.ticketNumber as number);
    expect(own.messages[0]).toMatchObject({ direction: 'in', authorType: 'customer', visibility: 'public' });
    expect(own.messages[0]!.authorAgentId ?? null).toBeNull();
  });

  it("a stranger's email with a customer's phone: the customer's contact is unchanged, no ticket of theirs is named, replies go to each their own", async () => {
    // Maria's order ticket, from the merchant's server (it vouches for her email and phone).
    const maria = await signedForm({
      nome: 'Maria',
      email: MARIA,
      telefone: MARIA_PHONE,
      motivo: 'entrega',
      pedido: 'PED-1234',
      mensagem: 'Meu pedido não chegou. Rua das Flores, 10.',
    });
    expect(maria).toMatchObject({ status: 201, json: { ticketNumber: 10001 } });
    const mariaIdentities = await identitiesOf(10001);
    expect(mariaIdentities).toEqual([`email:${MARIA}`, `phone:${MARIA_PHONE}`]);

    const r = await publicForm({
      nome: 'Maria',
      email: STRANGER,
      telefone: MARIA_PHONE,
      motivo: 'entrega',
      pedido: 'PED-1234',
      mensagem: 'Qual o endereço de entrega do meu pedido?',
    });
    expect(r.status).toBeLessThan(300);
    expect(JSON.stringify(r.json)).not.toContain('10001');
    expect(await identitiesOf(10001)).toEqual(mariaIdentities);
    expect(inbound(await t.getTicket(10001))).toHaveLength(1);

    // The agent answers both tickets: each answer reaches only its own requester.
    const strangerTicket = r.json.ticketNumber as number;
    expect(strangerTicket).toBeGreaterThan(10001);
    // The typed phone is recorded as a claim on the stranger's own ticket, for agents to see.
    expect(await claimsOf(strangerTicket)).toEqual([
      { kind: 'phone', address: MARIA_PHONE, ticketNumber: strangerTicket, linkedContactId: null },
    ]);
    expect(
      (
        await t.api('POST', '/api/tickets/10001/replies', {
          body: 'Maria, seu pedido sai hoje para a Rua das Flores, 10.',
          visibility: 'public',
        })
      ).status,
    ).toBe(202);
    expect(
      (await t.api('POST', `/api/tickets/${strangerTicket}/replies`, { body: 'Pode informar o número do pedido?', visibility: 'public' }))
        .status,
    ).toBe(202);
    await t.drainOutbox();
    const toStranger = sentTo(STRANGER).filter((m) => m.purpose === 'reply');
    expect(toStranger.map((m) => [m.ticket.number, m.text])).toEqual([[strangerTicket, 'Pode informar o número do pedido?']]);
    expect(sentTo(STRANGER).some((m) => m.ticket.number === 10001 || m.text.includes('Rua das Flores'))).toBe(false);
    expect(
      sentTo(MARIA)
        .filter((m) => m.purpose === 'reply')
        .map((m) => m.ticket.number),
    ).toEqual([10001]);
  });

  it("a customer's email with a stranger's phone: the answer names no ticket, and the stranger's WhatsApp #10001 opens a new ticket", async () => {
    const maria = await signedForm({
      nome: 'Maria',
      email: MARIA,
      motivo: 'entrega',
      pedido: 'PED-1234',
      mensagem: 'Meu pedido não chegou.',
    });
    expect(maria).toMatchObject({ status: 201, json: { ticketNumber: 10001 } });

    const r = await publicForm({
      nome: 'Maria',
      email: MARIA,
      telefone: STRANGER_PHONE,
      motivo: 'entrega',
      pedido: 'PED-1234',
      mensagem: 'Mudei de número, falem comigo neste.',
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ outcome: 'received', created: false, message: expect.stringMatching(/received/) });
    expect(await identitiesOf(10001)).toEqual([`email:${MARIA}`]);
    expect(await claimsOf(10001)).toEqual([{ kind: 'phone', address: STRANGER_PHONE, ticketNumber: 10001, linkedContactId: null }]);

    const fromStranger = await t.context('zap').ingest({
      message: {
        externalId: 'wa-stranger-1',
        from: { kind: 'whatsapp', address: '5511955550000@s.whatsapp.net' },
        fromAliases: [{ kind: 'phone', address: STRANGER_PHONE }],
        proof: { level: 'channel' },
        text: '#10001 qual o endereço de entrega?',
      },
    });
    expect(fromStranger.status).toBe('created');
    expect(fromStranger).not.toMatchObject({ ticketNumber: 10001 });
    const ticket = await t.getTicket(10001);
    expect(ticket.messages.some((m: { text: string }) => m.text.includes('qual o endereço'))).toBe(false);
    expect(await identitiesOf(10001)).toEqual([`email:${MARIA}`]);
  });

  it('a form answered on WhatsApp (replyTo: phone) replies to the typed phone only; the typed email is a claim', async () => {
    const r = await post(
      `${t.baseUrl}/hooks/forms/zapform`,
      JSON.stringify({ nome: 'Maria', email: STRANGER, telefone: MARIA_PHONE, mensagem: 'Quero trocar o tamanho.' }),
      { 'content-type': 'application/json', origin: SITE },
    );
    expect(r.status).toBe(201);
    const n = r.json.ticketNumber as number;
    expect(await identitiesOf(n)).toEqual([`phone:${MARIA_PHONE}`]);
    expect(await claimsOf(n)).toEqual([{ kind: 'email', address: STRANGER, ticketNumber: n, linkedContactId: null }]);
    expect((await t.api('POST', `/api/tickets/${n}/replies`, { body: 'Claro! Qual tamanho?', visibility: 'public' })).status).toBe(202);
    await t.drainOutbox();
    expect(
      sentTo(MARIA_PHONE)
        .filter((m) => m.purpose === 'reply')
        .map((m) => [m.channelId, m.text]),
    ).toEqual([['zap', 'Claro! Qual tamanho?']]);
    expect(sentTo(STRANGER)).toEqual([]);
  });

  it('a captured signed request replayed with a fresh Idempotency-Key is a duplicate, never a second ticket', async () => {
    const body = JSON.stringify({ nome: 'Maria', email: MARIA, motivo: 'entrega', pedido: 'PED-9', mensagem: 'Troca de tamanho.' });
    const headers = signedHeaders(body, Date.now());
    const url = `${t.baseUrl}/hooks/forms/loja`;
    const first = await post(url, body, { ...headers, 'idempotency-key': 'merchant-key-1' });
    expect(first.status).toBe(201);
    for (const key of ['attacker-key-1', 'attacker-key-2']) {
      const replay = await post(url, body, { ...headers, 'idempotency-key': key });
      expect(replay).toMatchObject({ status: 200, json: { outcome: 'duplicate', created: false } });
    }
    const list = await t.api('GET', '/api/tickets');
    expect(JSON.stringify(list.body).match(/"number":/g)).toHaveLength(1);
    expect(inbound(await t.getTicket(first.json.ticketNumber as number))).toHaveLength(1);
  });
});
