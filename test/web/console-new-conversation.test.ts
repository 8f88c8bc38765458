/**
 * "New conversation" over HTTP: an agent starts a ticket to an address or to the requester of
 * another ticket, on a chosen channel, through the use case POST /api/tickets uses; mistakes
 * come back on the form with what was typed; WhatsApp carries the template for a closed window.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword } from './browser-harness.js';
import { consoleClient, type ConsoleClient } from './console-http.js';

describe('console: new conversation', () => {
  const mail = createTestChannelDefinition('test', 'email');
  const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);
  let t: TestApp;
  let c: ConsoleClient;
  beforeEach(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
    });
    await givePassword(t.app.database.kysely, t.adminId, 'admin-password-1');
    c = consoleClient(t.baseUrl);
    await c.get('/login');
    expect((await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1' })).status).toBe(303);
  });
  afterEach(() => t.stop());

  test('to a new address by email: the ticket opens awaiting the customer, assigned to the agent, the message queued', async () => {
    const inbox = await c.get('/');
    expect(inbox.text).toContain('href="/new" id="new-conversation"');
    await c.get('/new');
    const missing = await c.post('/new', {
      channel: 'mail',
      to: 'joana@cliente.test',
      name: 'Joana <b>',
      subject: '',
      body: 'Seu reembolso foi aprovado.',
    });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('subject: an email needs a subject');
    expect(missing.text).toContain('value="Joana &lt;b&gt;"');
    expect(missing.text).toContain('>Seu reembolso foi aprovado.</textarea>');
    const r = await c.post('/new', {
      channel: 'mail',
      to: 'joana@cliente.test',
      name: 'Joana <b>',
      subject: 'Reembolso do pedido 7781',
      body: 'Seu reembolso foi aprovado.',
    });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/tickets/10001?m=started&c=mail');
    const page = await c.get('/tickets/10001?m=started&c=mail');
    expect(page.text).toContain('Conversa iniciada por mail.');
    expect(page.text).toContain('Reembolso do pedido 7781');
    expect(page.text).toContain('Joana &lt;b&gt;');
    await t.drainOutbox();
    const [sent] = mail.outbox('mail').sent;
    expect(sent!.recipient).toEqual({ kind: 'email', address: 'joana@cliente.test' });
    expect(sent!.text).toBe('Seu reembolso foi aprovado.');
    const ticket = await t.getTicket(10001);
    expect(ticket).toMatchObject({ status: 'pending', assigneeId: t.adminId, origin: 'agent' });
  });

  test('to the requester of a ticket on WhatsApp, with a template for a closed 24-hour window', async () => {
    await t.context('zap').ingest({
      message: {
        externalId: 'w1',
        from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net', displayName: 'Rafael' },
        fromAliases: [{ kind: 'phone', address: '+5511987654321' }],
        text: 'Oi',
      },
    });
    const ticket = await c.get('/tickets/10001');
    const link = /href="(\/new\?contact=[0-9A-Z]{26})" class="new-to"/.exec(ticket.text)![1]!;
    const form = await c.get(link);
    expect(form.text).toContain('<strong>Rafael</strong>');
    const contact = /name="contact" value="([0-9A-Z]{26})"/.exec(form.text)![1]!;
    const r = await c.post('/new', {
      channel: 'zap',
      contact,
      subject: '',
      body: 'Seu pedido chegou na loja.',
      template_name: 'pedido_pronto',
      template_language: 'pt_BR',
      template_params: 'Rafael\n7781\n',
    });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/tickets/10002?m=started&c=zap');
    await t.drainOutbox();
    const [sent] = chat.outbox('zap').sent;
    expect(sent!.recipient.kind).toBe('whatsapp');
    expect(sent!.text).toBe('Seu pedido chegou na loja.');
    expect(JSON.stringify(sent)).toContain('"template":{"name":"pedido_pronto","language":"pt_BR","params":["Rafael","7781"]}');
    const audit = await t.app.database.kysely.selectFrom('audit_log').select(['action']).where('action', '=', 'ticket.started').execute();
    expect(audit).toHaveLength(1);
  });

  test('an address the channel cannot reach is refused on the form; a post without the CSRF token changes nothing', async () => {
    await c.get('/new');
    const bad = await c.post('/new', { channel: 'zap', to: 'joana@cliente.test', body: 'Oi' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('to.address: an address channel zap can deliver to (whatsapp, phone)');
    expect((await c.post('/new', { channel: 'mail', to: 'x@cliente.test', subject: 's', body: 'b' }, { csrf: null })).status).toBe(403);
    expect(await t.app.database.kysely.selectFrom('tickets').select('id').execute()).toEqual([]);
  });
});
