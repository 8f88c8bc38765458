/**
 * An agent starts a conversation: POST /api/tickets to a typed address (a new contact, audited)
 * or to an existing contact, on email or a chat channel (with a WhatsApp template passed on to
 * the sender). The customer's answer lands on the same ticket; bad input is a precise 400.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

const mail = createTestChannelDefinition('test', 'email', ['email']);
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describe('proactive tickets', () => {
  let t: TestApp;
  let ana: { id: string; token: string };
  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
    });
    ana = await t.createAgent({ name: 'Ana', email: 'ana@loja.example' });
  });
  afterAll(() => t?.stop());

  test('to a typed email address: a new contact, the mail goes out, her answer joins the ticket', async () => {
    const r = await t.api(
      'POST',
      '/api/tickets',
      {
        channel: 'mail',
        to: { address: 'Nina@Example.com', name: 'Nina' },
        subject: 'Seu pedido 555',
        body: 'Olá Nina, seu pedido 555 precisa de um dado.',
      },
      ana.token,
    );
    expect(r).toMatchObject({
      status: 201,
      body: { ticket: { status: 'pending' }, message: { deliveryStatus: 'queued', channel: 'mail' }, contact: { created: true } },
    });
    const number = r.body.ticket.number as number;
    await t.drainOutbox();
    const sent = mail.outbox('mail').sent.at(-1)!;
    expect(sent).toMatchObject({
      recipient: { kind: 'email', address: 'nina@example.com' },
      text: 'Olá Nina, seu pedido 555 precisa de um dado.',
      ticket: { number },
    });
    const answer = await t.context('mail').ingest({
      message: {
        externalId: '<nina-1@example.com>',
        from: { kind: 'email', address: 'nina@example.com' },
        subject: `Re: Seu pedido 555 [#${number}]`,
        text: 'Segue o dado',
        threadHints: { references: [sent.externalId!], signedTicketNumbers: [] },
      },
    });
    expect(answer).toMatchObject({ status: 'appended', ticketNumber: number });
    const audit = await t.api('GET', `/api/audit?action=ticket.started`);
    expect(audit.body.entries[0]).toMatchObject({
      action: 'ticket.started',
      actor: { id: ana.id },
      detail: { number, channel: 'mail', contactCreated: true },
    });
  });

  test('to an existing contact on a chat channel, with a template for a closed window', async () => {
    const first = await t.context('zap').ingest({
      message: { externalId: 'wa-1', from: { kind: 'phone', address: '+5511977776666' }, proof: { level: 'channel' }, text: 'oi' },
    });
    if (first.status !== 'created') throw new Error(first.status);
    const contactId = (await t.getTicket(first.ticketNumber)).requesterId as string;
    const r = await t.api(
      'POST',
      '/api/tickets',
      {
        channel: 'zap',
        to: { contactId },
        body: 'Seu pedido chegou',
        template: { name: 'pedido_chegou', language: 'pt_BR', params: ['555'] },
      },
      ana.token,
    );
    expect(r).toMatchObject({ status: 201, body: { contact: { id: contactId, created: false } } });
    await t.drainOutbox();
    expect(chat.outbox('zap').sent.at(-1)).toMatchObject({
      recipient: { kind: 'phone', address: '+5511977776666' },
      template: { name: 'pedido_chegou', language: 'pt_BR', params: ['555'] },
    });
    // A typed number that a contact already owns starts that contact's ticket (no second contact).
    const again = await t.api(
      'POST',
      '/api/tickets',
      { channel: 'zap', to: { address: '+55 11 97777-6666' }, body: 'Outra coisa' },
      ana.token,
    );
    expect(again).toMatchObject({ status: 201, body: { contact: { id: contactId, created: false } } });
  });

  test('precise 400s and 409s; nothing is created', async () => {
    const before = (await t.api('GET', '/api/tickets?limit=100')).body.tickets.length;
    expect(
      await t.api('POST', '/api/tickets', { channel: 'nope', to: { address: 'a@b.example' }, subject: 's', body: 'b' }, ana.token),
    ).toMatchObject({ status: 400, body: { issues: [{ path: 'body.channel' }] } });
    expect(await t.api('POST', '/api/tickets', { channel: 'mail', to: { address: 'a@b.example' }, body: 'b' }, ana.token)).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.subject' }] },
    });
    expect(
      await t.api('POST', '/api/tickets', { channel: 'mail', to: { address: 'nobody at all' }, subject: 's', body: 'b' }, ana.token),
    ).toMatchObject({ status: 400, body: { issues: [{ path: 'body.to.address' }] } });
    expect(
      await t.api(
        'POST',
        '/api/tickets',
        { channel: 'mail', to: { contactId: '01J00000000000000000000000' }, subject: 's', body: 'b' },
        ana.token,
      ),
    ).toMatchObject({ status: 400, body: { issues: [{ path: 'body.to.contactId' }] } });
    const waOnly = await t.context('zap').ingest({
      message: { externalId: 'wa-2', from: { kind: 'phone', address: '+5511955554444' }, proof: { level: 'channel' }, text: 'oi' },
    });
    if (waOnly.status !== 'created') throw new Error(waOnly.status);
    const waContact = (await t.getTicket(waOnly.ticketNumber)).requesterId as string;
    expect(
      await t.api('POST', '/api/tickets', { channel: 'mail', to: { contactId: waContact }, subject: 's', body: 'b' }, ana.token),
    ).toMatchObject({ status: 409, body: { reason: 'no_route' } });
    expect((await t.api('GET', '/api/tickets?limit=100')).body.tickets.length).toBe(before + 1);
  });
});
