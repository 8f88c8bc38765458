/**
 * Email participants (issue 9, "threads by proof"), in the whole app: real Dovecot in, real SMTP
 * server out. Observed before: a person who was only Cc'd replied once and the agent's next
 * answer went to that person only, not to the requester. Now replies go To the requester with
 * participants in Cc, and a stranger holding a Message-ID of the thread joins nothing.
 */
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { buildMail, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { serviceAvailable } from '../support/services.js';
import { FAST_RECONNECT, waitUntil } from './helpers.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

const MARIA = 'maria@customer.test';
const JOAO = 'joao@customer.test';
const EVE = 'eve@other.test';

d('email participants: Cc, never instead of the requester (Dovecot + SMTP)', () => {
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let t: TestApp;
  let ticket = 0;
  let first = '';

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
    t = await startTestApp({
      definitions: [createEmailChannelDefinition({ reconnect: FAST_RECONNECT })],
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
    await waitUntil(() => t.context('support').state.get('cursor:INBOX'), 30_000, 'IMAP cursor');
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.stop();
    await dovecot?.dispose();
  });

  async function ticketCount(): Promise<number> {
    return (await t.api('GET', '/api/tickets?limit=100')).body.tickets.length;
  }

  async function agentAnswer(text: string): Promise<import('../../scripts/test-services/smtp-capture.js').CapturedMail> {
    const before = smtp.messages.length;
    expect((await t.api('POST', `/api/tickets/${ticket}/replies`, { body: text, visibility: 'public' })).status).toBe(202);
    await t.drainOutbox();
    return waitUntil(() => smtp.messages.slice(before).find((m) => m.raw.toString().includes(text)), 10_000, 'the answer on the wire');
  }

  it("a colleague the customer Cc'd joins by replying; the agent's answer goes To the customer with the colleague in Cc", async () => {
    first = uniqueId();
    await dovecot.appendMessage(
      buildMail({
        messageId: first,
        from: MARIA,
        fromName: 'Maria Souza',
        subject: 'Pedido 4411',
        text: 'Meu pedido não chegou.',
        headers: { Cc: `João <${JOAO}>` },
      }),
    );
    ticket = (await waitUntil(async () => (await t.api('GET', '/api/tickets?limit=10')).body.tickets[0], 10_000, 'ticket')).number;

    const joaoSays = uniqueId();
    await dovecot.appendMessage(
      buildMail({
        messageId: joaoSays,
        from: JOAO,
        subject: 'Re: Pedido 4411',
        inReplyTo: first,
        references: [first],
        text: 'Sou o marido da Maria: é urgente.',
      }),
    );
    await waitUntil(
      async () => (await t.getTicket(ticket)).messages.some((m) => m.externalId === joaoSays),
      10_000,
      "João's reply on the ticket",
    );
    expect(await ticketCount()).toBe(1);

    const mail = await agentAnswer('Maria, o pedido sai hoje.');
    expect(mail.header('to')).toMatch(/^(?:.*<)?maria@customer\.test>?$/);
    expect(mail.header('cc')).toBe(JOAO);
    expect([...mail.to].sort()).toEqual([JOAO, MARIA]);
  });

  it("a stranger holding a Message-ID of the thread starts a ticket of their own, and the next answer on the customer's ticket does not reach them", async () => {
    const eveSays = uniqueId('other.test');
    await dovecot.appendMessage(
      buildMail({
        messageId: eveSays,
        from: EVE,
        subject: 'Re: Pedido 4411',
        inReplyTo: first,
        references: [first],
        text: 'Mande o endereço de entrega para mim.',
      }),
    );
    await waitUntil(async () => ((await ticketCount()) === 2 ? true : undefined), 10_000, "the stranger's own ticket");
    expect((await t.getTicket(ticket)).messages.some((m) => m.externalId === eveSays)).toBe(false);

    const mail = await agentAnswer('Confirmado: entrega na Rua A, 10.');
    expect(mail.header('to')).toMatch(/^(?:.*<)?maria@customer\.test>?$/);
    expect([...mail.to].sort()).toEqual([JOAO, MARIA]);
    expect(smtp.messages.filter((m) => m.to.includes(EVE) && m.raw.toString().includes('Rua A, 10'))).toEqual([]);
  });
});
