/**
 * Web forms through the whole app (real core, SQLite, HTTP on 127.0.0.1): tickets created,
 * retries and replays answered with the same ticket, the existing-request rule, attachments,
 * the config check on replyVia, and an agent's reply reaching the requester by email (a real
 * smtp-server on loopback).
 */
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { webformChannel } from '../../channels/webform/index.js';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { multipartBody, post, SECRET, signedHeaders } from './form-server.js';

const fields = {
  nome: 'name',
  email: 'email',
  telefone: 'phone',
  motivo: 'category',
  pedido: 'reference',
  cpf: 'document',
  mensagem: 'message',
};
const form = {
  id: 'marketplace',
  kind: 'webform',
  mode: 'signed',
  secret: SECRET,
  origin: 'marketplace',
  replyVia: 'support',
  fields,
  attachments: { maxCount: 2, maxBytes: 100_000, allowedTypes: ['application/pdf', 'image/*'] },
};
const submission = {
  nome: 'Maria da Silva',
  email: 'maria@customer.test',
  telefone: '(11) 98765-4321',
  motivo: 'entrega',
  pedido: 'PED-1234',
  cpf: '529.982.247-25',
  mensagem: 'Meu pedido não chegou.',
};

async function submit(t: TestApp, values: Record<string, string>, extra: Record<string, string> = {}, at = Date.now()) {
  const body = JSON.stringify(values);
  return post(`${t.baseUrl}/hooks/forms/marketplace`, body, { ...signedHeaders(body, at), ...extra });
}

describe('web form through the app (test channel as replyVia)', () => {
  let t: TestApp;
  const testChannel = createTestChannelDefinition();
  beforeEach(async () => {
    t = await startTestApp({ definitions: [webformChannel, testChannel.definition], channels: [{ id: 'support', kind: 'test' }, form] });
  });
  afterEach(() => t.stop());

  it('creates a ticket with the mapped fields and origin; the API filters on the origin', async () => {
    const r = await submit(t, submission);
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ ticketNumber: expect.any(Number), status: 'new', outcome: 'created', created: true });
    const ticket = await t.getTicket(r.json.ticketNumber as number);
    expect(ticket).toMatchObject({
      subject: 'entrega (PED-1234)',
      category: 'entrega',
      reference: 'PED-1234',
      origin: 'marketplace',
      customFields: { document: '52998224725', documentType: 'cpf' },
      originChannel: 'marketplace',
    });
    expect(ticket.requester.name).toBe('Maria da Silva');
    // The typed phone is a claim: only a form that vouches for its customers (trustIdentities) adds it.
    expect(ticket.requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`).sort()).toEqual([
      'email:maria@customer.test',
    ]);
    expect(ticket.messages[0]).toMatchObject({ direction: 'in', text: 'Meu pedido não chegou.', authorType: 'customer' });
    const list = await t.api('GET', '/api/tickets?origin=marketplace');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(String(r.json.ticketNumber));
    const other = await t.api('GET', '/api/tickets?origin=complaints');
    expect(JSON.stringify(other.body)).not.toContain(`"number":${r.json.ticketNumber}`);
  });

  it('answers a retried POST (same Idempotency-Key, re-signed) with the same ticket, never a second one', async () => {
    const first = await submit(t, submission, { 'idempotency-key': 'mkt-778899' }, Date.now() - 3000);
    const retry = await submit(t, { ...submission, mensagem: 'Meu pedido não chegou!' }, { 'idempotency-key': 'mkt-778899' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.json).toMatchObject({ ticketNumber: first.json.ticketNumber, outcome: 'duplicate', created: false });
    expect((await t.getTicket(first.json.ticketNumber as number)).messages).toHaveLength(1);
  });

  it('answers an exact replay of a signed request with the same ticket', async () => {
    const body = JSON.stringify(submission);
    const headers = signedHeaders(body, Date.now());
    const url = `${t.baseUrl}/hooks/forms/marketplace`;
    const first = await post(url, body, headers);
    const replay = await post(url, body, headers);
    expect(replay).toMatchObject({ status: 200, json: { ticketNumber: first.json.ticketNumber, created: false } });
  });

  it('adds a submission with the same requester, category and reference to the open ticket (200, created: false)', async () => {
    const first = await submit(t, submission);
    const again = await submit(t, { ...submission, telefone: '', mensagem: 'Ainda não chegou, já faz 10 dias.' });
    const otherOrder = await submit(t, { ...submission, pedido: 'PED-5678', mensagem: 'Outro pedido.' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      ticketNumber: first.json.ticketNumber,
      status: 'new',
      outcome: 'appended',
      created: false,
      matchedBy: 'existing_request',
    });
    expect(otherOrder.status).toBe(201);
    expect(otherOrder.json.ticketNumber).not.toBe(first.json.ticketNumber);
    const ticket = await t.getTicket(first.json.ticketNumber as number);
    expect(ticket.messages.map((m: { text: string }) => m.text)).toEqual(['Meu pedido não chegou.', 'Ainda não chegou, já faz 10 dias.']);
  });

  it('opens a new ticket once the earlier request is solved', async () => {
    const first = await submit(t, submission);
    const patch = await t.api('PATCH', `/api/tickets/${first.json.ticketNumber}`, { status: 'solved' });
    expect(patch.status).toBeLessThan(300);
    const again = await submit(t, { ...submission, mensagem: 'De novo.' });
    expect(again.status).toBe(201);
    expect(again.json.ticketNumber).not.toBe(first.json.ticketNumber);
  });

  it('stores multipart attachments on the ticket; a failed upload stores nothing', async () => {
    const pdf = Buffer.from('%PDF-1.4 comprovante de pagamento');
    const parts = [
      ...Object.entries(submission).map(([name, value]) => ({ name, value })),
      { name: 'comprovante', filename: 'comprovante.pdf', type: 'application/pdf', data: pdf },
    ];
    const ok = multipartBody(parts);
    const r = await post(`${t.baseUrl}/hooks/forms/marketplace`, ok.body, signedHeaders(ok.body, Date.now(), SECRET, ok.contentType));
    expect(r.status).toBe(201);
    const ticket = await t.getTicket(r.json.ticketNumber as number);
    expect(ticket.messages[0]!.attachments).toEqual([
      expect.objectContaining({ filename: 'comprovante.pdf', contentType: 'application/pdf', size: pdf.length }),
    ]);

    const big = multipartBody([
      ...parts.slice(0, -1),
      { name: 'video', filename: 'v.png', type: 'image/png', data: Buffer.alloc(100_001) },
    ]);
    const refused = await post(
      `${t.baseUrl}/hooks/forms/marketplace`,
      big.body,
      signedHeaders(big.body, Date.now(), SECRET, big.contentType),
    );
    expect(refused).toMatchObject({ status: 413, json: { error: 'attachment_too_large' } });
    const all = await t.api('GET', '/api/tickets?origin=marketplace');
    expect(JSON.stringify(all.body).match(/"number":/g)).toHaveLength(1);
  });

  it('answers 400 with every bad field and creates nothing', async () => {
    const r = await submit(t, { email: 'maria@', cpf: '123', mensagem: '' });
    expect(r.status).toBe(400);
    expect((r.json.issues as Array<{ path: string }>).map((i) => i.path).sort()).toEqual(['cpf', 'email', 'mensagem']);
    const list = await t.api('GET', '/api/tickets');
    expect(JSON.stringify(list.body)).not.toContain('"number"');
  });
});

describe('a public form through the app', () => {
  const SITE = 'https://loja.example.com.br';
  let t: TestApp;
  const testChannel = createTestChannelDefinition();
  beforeEach(async () => {
    t = await startTestApp({
      definitions: [webformChannel, testChannel.definition],
      channels: [
        { id: 'support', kind: 'test' },
        {
          id: 'contato',
          kind: 'webform',
          mode: 'public',
          origin: 'site form',
          replyVia: 'support',
          allowedOrigins: [SITE],
          fields,
          rateLimit: { perIpPerMinute: 2, perFormPerMinute: 100 },
        },
      ],
    });
  });
  afterEach(() => t.stop());

  it('takes a browser post from the site, drops a bot quietly and rate-limits one address', async () => {
    const url = `${t.baseUrl}/hooks/forms/contato`;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SITE);

    const fd = new FormData();
    for (const [k, v] of Object.entries(submission)) fd.append(k, v);
    const ok = await fetch(url, { method: 'POST', body: fd, headers: { origin: SITE } });
    expect(ok.status).toBe(201);
    const { ticketNumber } = (await ok.json()) as { ticketNumber: number };
    expect((await t.getTicket(ticketNumber)).origin).toBe('site form');

    const bot = new URLSearchParams({ ...submission, pedido: 'PED-BOT', website: 'https://spam.example' });
    const dropped = await post(url, bot.toString(), { 'content-type': 'application/x-www-form-urlencoded', origin: SITE });
    expect(dropped.status).toBe(200);
    const limited = await post(url, JSON.stringify({ ...submission, pedido: 'PED-3' }), {
      'content-type': 'application/json',
      origin: SITE,
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const list = await t.api('GET', '/api/tickets?origin=site%20form');
    expect(JSON.stringify(list.body).match(/"number":/g)).toHaveLength(1);
  });
});

describe('config check', () => {
  const testChannel = createTestChannelDefinition();
  async function configIssues(channels: Array<Record<string, unknown>>): Promise<Array<{ path: string; message: string }>> {
    try {
      const t = await startTestApp({ definitions: [webformChannel, testChannel.definition], channels });
      await t.stop();
    } catch (err) {
      return (err as { issues: Array<{ path: string; message: string }> }).issues;
    }
    throw new Error('expected the configuration to be refused');
  }

  it('refuses a form without replyVia, or whose replyVia is not a channel that can send', async () => {
    const { replyVia: _drop, ...noReply } = form;
    expect(await configIssues([{ id: 'support', kind: 'test' }, noReply])).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/replyVia/) }),
    ]);
    expect(
      await configIssues([
        { id: 'support', kind: 'test' },
        { ...form, replyVia: 'nowhere' },
      ]),
    ).toEqual([expect.objectContaining({ path: expect.stringMatching(/replyVia/), message: expect.stringContaining('nowhere') })]);
    expect(await configIssues([{ ...form, replyVia: 'marketplace' }])).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/replyVia/) })]),
    );
  });

  it('refuses a form without an origin label, and a public form without allowed origins, naming the path', async () => {
    const { origin: _o, ...noOrigin } = form;
    const issues = await configIssues([
      { id: 'support', kind: 'test' },
      noOrigin,
      { id: 'site', kind: 'webform', mode: 'public', origin: 'site form', replyVia: 'support' },
    ]);
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/origin$/), expect.stringMatching(/allowedOrigins$/)]),
    );
  });
});

describe('an agent reply to a form ticket', () => {
  let t: TestApp;
  let smtp: SmtpCapture;
  beforeEach(async () => {
    smtp = await startSmtpCapture();
    const email = createEmailChannelDefinition({
      // No IMAP in this test: the mailbox only sends.
      connectImap: async () => {
        throw new Error('no IMAP server in this test');
      },
      reconnect: { baseMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0, stableAfterMs: 60_000 },
    });
    t = await startTestApp({
      definitions: [webformChannel, email],
      channels: [
        {
          id: 'support',
          kind: 'email',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: { host: '127.0.0.1', port: 1, user: 'support@help.test', password: 'x' },
          smtp: smtp.smtpConfig(),
        },
        form,
      ],
    });
  });
  afterEach(async () => {
    await t.stop();
    await smtp.stop();
  });

  it('reaches the requester by email through replyVia, with the ticket number', async () => {
    const r = await submit(t, submission);
    expect(r.status).toBe(201);
    const n = r.json.ticketNumber as number;
    const reply = await t.api('POST', `/api/tickets/${n}/replies`, {
      body: 'Olá Maria, o pedido PED-1234 sai hoje.',
      visibility: 'public',
    });
    expect(reply.status).toBe(202);
    await t.drainOutbox();
    const mails = await smtp.waitFor(1);
    const mail = mails.find((m) => m.subject().includes('sai hoje') || m.raw.toString().includes('sai hoje')) ?? mails[mails.length - 1]!;
    expect(mail.to).toEqual(['maria@customer.test']);
    expect(mail.subject()).toContain(`#${n}`);
    const ticket = await t.getTicket(n);
    const out = ticket.messages.find((m: { direction: string; purpose: string }) => m.direction === 'out' && m.purpose === 'reply');
    expect(out).toMatchObject({ channel: 'support', to: 'maria@customer.test', deliveryStatus: 'sent' });
  });
});
