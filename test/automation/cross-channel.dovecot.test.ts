/**
 * Agents answering from their own channel, end to end with the real adapters: Dovecot (IMAP in)
 * and an SMTP server (out) for email, the WhatsApp channel over its fake socket. A customer on
 * WhatsApp is answered by an agent replying to the notification email, and a customer on email
 * by an agent quoting the WhatsApp notification; `#note` never reaches the customer.
 */
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { createMailparserMimeParser } from '../../channels/email/parse/index.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { buildMail, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { type CapturedMail, startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { FAST_RECONNECT, waitUntil } from '../email/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { serviceAvailable } from '../support/services.js';
import { waitFor, whatsappDefinitionForTests } from '../whatsapp/harness.js';
import type { FakeWaSocket } from '../whatsapp/fake-socket.js';
import type { WhatsappRuntime } from '../../channels/whatsapp/index.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

const CUSTOMER_JID = '5511987654321@s.whatsapp.net';
const BIA_JID = '5511900000002@s.whatsapp.net';

function upsert(id: string, remoteJid: string, text: string, quoted?: { id: string; text: string }) {
  const message = quoted
    ? {
        extendedTextMessage: {
          text,
          contextInfo: { stanzaId: quoted.id, participant: '5511912345678@s.whatsapp.net', quotedMessage: { conversation: quoted.text } },
        },
      }
    : { conversation: text };
  return {
    type: 'notify',
    messages: [
      {
        key: { remoteJid, fromMe: false, id, participant: '' },
        messageTimestamp: Math.floor(Date.now() / 1000),
        pushName: 'Maria',
        message,
      },
    ],
  };
}

async function bodyOf(mail: CapturedMail): Promise<string> {
  const parsed = await createMailparserMimeParser().parse(mail.raw, async () => {});
  return parsed.text ?? '';
}

d('agents answer from their own channel (Dovecot + SMTP + WhatsApp fake socket)', () => {
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let t: TestApp;
  let wa: { runtime: WhatsappRuntime; sock(): FakeWaSocket };
  let ana: { id: string };
  let bia: { id: string };

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
    const whatsapp = whatsappDefinitionForTests();
    t = await startTestApp({
      definitions: [createEmailChannelDefinition({ reconnect: FAST_RECONNECT }), whatsapp.definition],
      channels: [
        {
          id: 'support',
          kind: 'email',
          locale: 'pt-BR',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: dovecot.imapConfig({ pollIntervalSeconds: 5 }),
          smtp: smtp.smtpConfig(),
        },
        { id: 'wa', kind: 'whatsapp', locale: 'pt-BR' },
      ],
    });
    await waitUntil(() => t.context('support').state.get('cursor:INBOX'), 10_000, 'IMAP cursor');
    const runtime = t.app.running.find((c) => c.entry.id === 'wa')!.runtime as WhatsappRuntime;
    await waitFor(() => whatsapp.factory.sockets.length > 0, 2000, 'the socket');
    whatsapp.factory.latest().open();
    await runtime.connection.idle();
    wa = { runtime, sock: () => whatsapp.factory.latest() };
    wa.sock().whatsappAccounts.set('5511900000002', { jid: BIA_JID, exists: true });
    ana = await t.createAgent({ name: 'Ana', email: 'ana@loja.example', notifyChannelId: 'support' });
    bia = await t.createAgent({ name: 'Bia', phone: '+5511900000002', notifyChannelId: 'wa' });
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.stop();
    await dovecot?.dispose();
  });

  async function emit(event: string, payload: unknown): Promise<void> {
    wa.sock().emit(event, structuredClone(payload));
    await wa.runtime.connection.idle();
  }
  async function ticketCount(): Promise<number> {
    return (await t.api('GET', '/api/tickets?limit=100')).body.tickets.length;
  }

  test('a customer WhatsApps; Ana is notified by email, replies to it, and the customer gets the answer on WhatsApp', async () => {
    await emit('messages.upsert', upsert('CUST-1', CUSTOMER_JID, 'Oi! Meu pedido 10482 não chegou'));
    expect(await ticketCount()).toBe(1);
    const mailsBefore = smtp.messages.length;
    await t.drainOutbox();
    const [notification] = (await smtp.waitFor(mailsBefore + 1)).filter((m) => m.to.includes('ana@loja.example'));
    expect(notification).toBeDefined();
    expect(notification!.header('auto-submitted')).toBe('auto-replied');
    expect(notification!.subject()).toContain('[#10001]');
    const text = await bodyOf(notification!);
    expect(text).toContain('Novo chamado #10001');
    expect(text).toContain('Oi! Meu pedido 10482 não chegou');
    expect(text).toContain('responda este e-mail');
    // Bia hears about it on WhatsApp.
    expect(wa.sock().sent.filter((s) => s.jid === BIA_JID)).toHaveLength(1);
    expect(wa.sock().sent.filter((s) => s.jid === CUSTOMER_JID)).toHaveLength(0);

    const notificationId = notification!.header('message-id')!.slice(1, -1);
    await dovecot.appendMessage(
      buildMail({
        from: 'ana@loja.example',
        fromName: 'Ana',
        subject: `Re: ${notification!.subject()}`,
        inReplyTo: notificationId,
        references: [notificationId],
        text: `Oi Maria! Já saiu para entrega, chega amanhã.\r\n\r\nEm seg., Help Desk <support@help.test> escreveu:\r\n> Novo chamado #10001\r\n> Oi! Meu pedido 10482 não chegou\r\n`,
      }),
    );
    await waitUntil(
      async () => (await t.getTicket(10001)).messages.some((m: any) => m.authorAgentId === ana.id),
      15_000,
      "Ana's reply on the ticket",
    );
    await t.drainOutbox();
    const toCustomer = wa.sock().sent.filter((s) => s.jid === CUSTOMER_JID);
    expect(toCustomer).toHaveLength(1);
    expect(toCustomer[0]!.content).toMatchObject({ text: 'Oi Maria! Já saiu para entrega, chega amanhã.' });
    const ticket = await t.getTicket(10001);
    expect(ticket.status).toBe('pending');
    expect(await ticketCount()).toBe(1);
  });

  test('a customer emails; Bia is notified on WhatsApp, quotes it with #note (stays internal) and then with the answer and #solved', async () => {
    const customerMailId = uniqueId();
    await dovecot.appendMessage(
      buildMail({
        messageId: customerMailId,
        from: 'joana@customer.test',
        fromName: 'Joana',
        subject: 'Troca de tamanho',
        text: 'Quero trocar o tamanho da blusa.',
      }),
    );
    await waitUntil(async () => ((await ticketCount()) === 2 ? true : undefined), 15_000, 'the email ticket');
    const sentBefore = wa.sock().sent.length;
    await t.drainOutbox();
    const toBia = wa
      .sock()
      .sent.slice(sentBefore)
      .filter((s) => s.jid === BIA_JID);
    expect(toBia).toHaveLength(1);
    const notice = (toBia[0]!.content as { text: string }).text;
    expect(notice).toContain('Novo chamado #10002');
    expect(notice).toContain('Joana <joana@customer.test>');
    expect(notice).toContain('citando esta mensagem ou comece com #10002');

    const mailsBefore = smtp.messages.length;
    await emit(
      'messages.upsert',
      upsert('BIA-NOTE', BIA_JID, '#note cliente antiga, oferecer frete grátis', { id: toBia[0]!.messageId, text: notice }),
    );
    let ticket = await t.getTicket(10002);
    expect(ticket.messages.find((m: any) => m.text === 'cliente antiga, oferecer frete grátis')).toMatchObject({
      visibility: 'internal',
      authorAgentId: bia.id,
    });
    await t.drainOutbox();
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.slice(mailsBefore).filter((m) => m.to.includes('joana@customer.test'))).toHaveLength(0);

    await emit(
      'messages.upsert',
      upsert('BIA-ANSWER', BIA_JID, 'Oi Joana! Pode trocar sim, o frete é por nossa conta.\n#solved', {
        id: toBia[0]!.messageId,
        text: notice,
      }),
    );
    await t.drainOutbox();
    const [answer] = (await smtp.waitFor(mailsBefore + 1)).slice(mailsBefore).filter((m) => m.to.includes('joana@customer.test'));
    expect(answer).toBeDefined();
    expect(answer!.header('auto-submitted')).toBeUndefined();
    expect(answer!.header('in-reply-to')).toBe(`<${customerMailId}>`);
    const body = await bodyOf(answer!);
    expect(body).toContain('Oi Joana! Pode trocar sim, o frete é por nossa conta.');
    expect(body).not.toContain('#solved');
    expect(body).not.toContain('frete grátis');
    ticket = await t.getTicket(10002);
    expect(ticket.status).toBe('solved');
  });
});
