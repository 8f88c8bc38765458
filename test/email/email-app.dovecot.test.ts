/**
 * The email channel inside the whole app: real Dovecot in, real SMTP server out, SQLite.
 * One app for the file; each step builds on the ticket the first one created, as a real
 * conversation would.
 */
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { autoReply, buildMail, dsnBounce, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { serviceAvailable } from '../support/services.js';
import { FAST_RECONNECT, waitUntil } from './helpers.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

d('email channel in the app (Dovecot + SMTP)', () => {
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let t: TestApp;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  let ticket = 0;
  let firstCustomerId = '';
  let ourMessageId = '';

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
    t = await startTestApp({
      definitions: [createEmailChannelDefinition({ reconnect: FAST_RECONNECT })],
      clock,
      channels: [
        {
          id: 'support',
          kind: 'email',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: dovecot.imapConfig({ pollIntervalSeconds: 5 }),
          smtp: smtp.smtpConfig(),
        },
      ],
    });
    await waitUntil(() => t.context('support').state.get('cursor:INBOX'), 10_000, 'IMAP cursor');
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.stop();
    await dovecot?.dispose();
  });

  async function tickets(): Promise<Array<{ number: number; subject: string; mentionedTicketNumber: number | null }>> {
    const res = await t.api('GET', '/api/tickets?limit=100');
    expect(res.status).toBe(200);
    return res.body.tickets;
  }
  async function messageCount(n: number): Promise<number> {
    return (await t.getTicket(n)).messages.length;
  }

  it('a mail APPENDed to the mailbox becomes a ticket', async () => {
    firstCustomerId = uniqueId();
    await dovecot.appendMessage(
      buildMail({
        messageId: firstCustomerId,
        fromName: 'Maria Souza',
        subject: 'Pedido 4411 não chegou',
        text: 'Olá, meu pedido 4411 não chegou.\r\n\r\nMaria',
      }),
    );
    const list = await waitUntil(async () => ((await tickets()).length === 1 ? tickets() : undefined), 10_000, 'ticket');
    ticket = list[0]!.number;
    const detail = await t.getTicket(ticket);
    expect(detail.subject).toBe('Pedido 4411 não chegou');
    expect(detail.messages[0]).toMatchObject({
      direction: 'in',
      externalId: firstCustomerId,
      from: 'maria@customer.test',
      matchedBy: 'new_ticket',
    });
    expect(detail.messages[0]!.replyText).toContain('meu pedido 4411 não chegou');
  });

  it('an agent reply reaches the SMTP server threaded, with [#N] and our signed Message-ID', async () => {
    const before = smtp.messages.length;
    const res = await t.api('POST', `/api/tickets/${ticket}/replies`, {
      body: 'Olá Maria, já verificamos com a transportadora.',
      visibility: 'public',
    });
    expect(res.status).toBe(202);
    const drained = await t.drainOutbox();
    expect(drained.sent).toBeGreaterThanOrEqual(1);
    const mails = await smtp.waitFor(before + 1);
    const mail = mails.find((m) => m.to.includes('maria@customer.test') && !m.header('auto-submitted'))!;
    expect(mail).toBeDefined();
    expect(mail.header('from')).toMatch(/via Help Desk <support@help\.test>$|^Help Desk <support@help\.test>$/);
    expect(mail.subject()).toBe(`Re: Pedido 4411 não chegou [#${ticket}]`);
    expect(mail.header('in-reply-to')).toBe(`<${firstCustomerId}>`);
    expect(mail.header('references')).toContain(`<${firstCustomerId}>`);
    const mid = mail.header('message-id')!;
    expect(mid).toMatch(new RegExp(`^<ponte\\.${ticket}\\.[a-z0-9-]+\\.[0-9a-f]{20}@help\\.test>$`));
    ourMessageId = mid.slice(1, -1);
    const out = (await t.getTicket(ticket)).messages.find((m) => m.direction === 'out' && m.purpose === 'reply')!;
    expect(out).toMatchObject({ externalId: ourMessageId, deliveryStatus: 'sent' });
  });

  it.each([
    [
      'In-Reply-To set',
      () => ({ subject: 'Re: Pedido 4411 não chegou', inReplyTo: ourMessageId, references: [firstCustomerId, ourMessageId] }),
    ],
    ['only the subject token', () => ({ subject: `Re: outra coisa [#${ticket}]` })],
    ['only our Message-ID in References', () => ({ subject: 'sobre aquilo', references: [ourMessageId] })],
  ])("the customer's reply with %s lands on the same ticket", async (_label, spec) => {
    const before = await messageCount(ticket);
    const id = uniqueId();
    await dovecot.appendMessage(buildMail({ messageId: id, text: 'Obrigada!\r\n\r\n> citação', ...spec() }));
    await waitUntil(async () => (await messageCount(ticket)) === before + 1, 10_000, 'reply on the ticket');
    const msg = (await t.getTicket(ticket)).messages.find((m) => m.externalId === id)!;
    expect(msg.direction).toBe('in');
    expect(['thread_reference', 'signed_token', 'ticket_number']).toContain(msg.matchedBy);
    expect((await tickets()).length).toBe(1);
  });

  it('a stranger using the ticket number gets a new ticket', async () => {
    await dovecot.appendMessage(
      buildMail({ from: 'joao@other.test', subject: `Re: Pedido [#${ticket}]`, text: 'Quero saber do meu também.' }),
    );
    const list = await waitUntil(async () => ((await tickets()).length === 2 ? tickets() : undefined), 10_000, 'second ticket');
    const fresh = list.find((x) => x.number !== ticket)!;
    expect(fresh.mentionedTicketNumber).toBe(ticket);
  });

  it('an auto-reply and a DSN bounce never create a ticket, and the bounce marks the reply failed', async () => {
    const countBefore = (await tickets()).length;
    await dovecot.appendMessage(autoReply({ from: 'maria@customer.test', inReplyTo: ourMessageId }));
    await dovecot.appendMessage(autoReply({ from: 'ferias@third.test', subject: 'Out of office' }));
    await dovecot.appendMessage(dsnBounce({ originalMessageId: ourMessageId, recipient: 'maria@customer.test', status: '5.1.1' }));
    await waitUntil(
      async () => (await t.getTicket(ticket)).messages.find((m) => m.externalId === ourMessageId)?.deliveryStatus === 'failed',
      10_000,
      'bounce applied',
    );
    const out = (await t.getTicket(ticket)).messages.find((m) => m.externalId === ourMessageId)!;
    expect(out.errorCode).toBe('bounce_5.1.1');
    await new Promise((r) => setTimeout(r, 500));
    expect((await tickets()).length).toBe(countBefore);
  });

  it("an agent's answer to her notification is recorded as her reply and relayed; #note stays internal", async () => {
    await t.createAgent({ name: 'Ana Lima', email: 'ana@help-team.test', notifyChannelId: 'support' });
    // A customer message notifies her by mail; only an answer to that notification proves her (issue 9).
    const notifiedFrom = smtp.messages.length;
    const nudge = uniqueId();
    await dovecot.appendMessage(buildMail({ messageId: nudge, subject: `Re: Pedido [#${ticket}]`, text: 'Alguma novidade?' }));
    await waitUntil(
      async () => (await t.getTicket(ticket)).messages.some((m) => m.externalId === nudge),
      10_000,
      'customer message on the ticket',
    );
    await t.drainOutbox();
    const notification = await waitUntil(
      () => smtp.messages.slice(notifiedFrom).find((m) => m.to.includes('ana@help-team.test')),
      10_000,
      'notification to Ana',
    );
    const notificationId = notification.header('message-id')!.slice(1, -1);

    const before = smtp.messages.length;
    const replyId = uniqueId('help-team.test');
    await dovecot.appendMessage(
      buildMail({
        from: 'ana@help-team.test',
        fromName: 'Ana Lima',
        subject: `Re: Pedido 4411 [#${ticket}]`,
        messageId: replyId,
        inReplyTo: notificationId,
        references: [notificationId],
        text: 'Maria, o pedido sai hoje.\r\n\r\nAna',
      }),
    );
    // The agent's mail becomes their reply on the ticket, queued to the customer's channel.
    const recorded = await waitUntil(
      async () => (await t.getTicket(ticket)).messages.find((m) => m.text.includes('o pedido sai hoje')),
      10_000,
      'agent mail on the ticket',
    );
    expect(recorded).toMatchObject({ authorType: 'agent', visibility: 'public', direction: 'out' });
    await t.drainOutbox();
    const relayed = await waitUntil(
      () =>
        smtp.messages
          .slice(before)
          .find((m) => m.raw.toString().includes('Maria, o pedido sai hoje') || m.to.includes('maria@customer.test')),
      10_000,
      'relay to Maria',
    );
    expect(relayed.to).toEqual(['maria@customer.test']);
    expect(relayed.header('from')).toMatch(/support@help\.test>$/);

    const noteId = uniqueId('help-team.test');
    const sentBefore = smtp.messages.length;
    await dovecot.appendMessage(
      buildMail({
        from: 'ana@help-team.test',
        subject: `Re: Pedido [#${ticket}]`,
        messageId: noteId,
        inReplyTo: notificationId,
        text: '#note cliente ligou também',
      }),
    );
    const note = await waitUntil(
      async () => (await t.getTicket(ticket)).messages.find((m) => m.text.includes('cliente ligou')),
      10_000,
      'note on the ticket',
    );
    expect(note).toMatchObject({ authorType: 'agent', visibility: 'internal' });
    await t.drainOutbox();
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.slice(sentBefore).filter((m) => m.raw.toString().includes('cliente ligou'))).toHaveLength(0);
  });

  it('a reply queued while the SMTP server is down is delivered once it is back, exactly once', async () => {
    await smtp.stop();
    const before = smtp.messages.length;
    const res = await t.api('POST', `/api/tickets/${ticket}/replies`, { body: 'Segunda resposta, servidor fora.', visibility: 'public' });
    expect(res.status).toBe(202);
    const first = await t.drainOutbox();
    expect(first.sent).toBe(0);
    expect(first.retried).toBeGreaterThanOrEqual(1);
    offset += 60 * 60_000; // let the retry come due
    const stillDown = await t.drainOutbox();
    expect(stillDown.sent).toBe(0);
    await smtp.start();
    offset += 2 * 60 * 60_000;
    const after = await t.drainOutbox();
    expect(after.sent).toBe(1);
    offset += 2 * 60 * 60_000;
    expect((await t.drainOutbox()).sent).toBe(0);
    await smtp.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 300));
    const copies = smtp.messages.slice(before).filter((m) => m.raw.toString().includes('Segunda resposta'));
    expect(copies).toHaveLength(1);
    const out = (await t.getTicket(ticket)).messages.filter((m) => m.direction === 'out' && m.text.includes('Segunda resposta'));
    expect(out).toHaveLength(1);
    expect(out[0]!.deliveryStatus).toBe('sent');
    expect(`<${out[0]!.externalId}>`).toBe(copies[0]!.header('message-id'));
  });
});
