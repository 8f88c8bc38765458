/** The whole app in-process: ingest through a channel, reply through the API, the outbox delivers. */
import type { InboundEnvelopeInput } from '../../src/domain/envelope.js';
import { ChannelError } from '../../src/domain/errors.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

describe('end to end (SQLite)', () => {
  const mail = createTestChannelDefinition('test', 'email');
  const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat', locale: 'pt-BR' },
      ],
    });
  });
  afterEach(() => t.stop());

  const customerMail = (over: Partial<InboundEnvelopeInput['message']> = {}): InboundEnvelopeInput => ({
    message: {
      externalId: 'm1@cliente',
      from: { kind: 'email', address: 'Maria@Example.com', displayName: 'Maria' },
      subject: 'Pedido 10482 atrasado',
      text: 'Meu pedido não chegou.',
      ...over,
    },
  });

  test('a customer message becomes ticket #10001; a reply is delivered with threading', async () => {
    const created = await t.context('mail').ingest(customerMail());
    expect(created).toMatchObject({ status: 'created', ticketNumber: 10001, matchedBy: 'new_ticket' });

    const reply = await t.api('POST', '/api/tickets/10001/replies', { body: 'Olá Maria, já verificamos.' });
    expect(reply.status).toBe(202);
    expect(reply.body.message.deliveryStatus).toBe('queued');

    expect(await t.drainOutbox()).toEqual({ sent: 1, failed: 0, retried: 0 });
    const sent = mail.outbox('mail').sent[0]!;
    expect(sent.recipient).toEqual({ kind: 'email', address: 'maria@example.com' });
    expect(sent.threading.inReplyTo).toBe('m1@cliente');
    expect(sent.ticket.subjectToken).toBe('[#10001]');

    const ticket = await t.getTicket(10001);
    expect(ticket.status).toBe('pending');
    expect(ticket.statusLabel).toBe('Aguardando sua resposta');
    expect(ticket.messages.map((m: any) => [m.direction, m.deliveryStatus])).toEqual([
      ['in', null],
      ['out', 'sent'],
    ]);

    // The customer answers our message: same ticket, back to open.
    const again = await t.context('mail').ingest(
      customerMail({
        externalId: 'm2@cliente',
        subject: 'Re: Pedido',
        text: 'Obrigada',
        threadHints: { references: [sent.externalId!] },
      }),
    );
    expect(again).toMatchObject({ status: 'appended', ticketNumber: 10001, matchedBy: 'thread_reference' });
    expect((await t.getTicket(10001)).status).toBe('open');
  });

  test('redelivery is a duplicate and changes nothing', async () => {
    await t.context('mail').ingest(customerMail());
    const dup = await t.context('mail').ingest(customerMail());
    expect(dup).toMatchObject({ status: 'duplicate', ticketNumber: 10001 });
    expect((await t.getTicket(10001)).messages).toHaveLength(1);
  });

  test('a stranger typing a ticket number gets a new ticket that records it', async () => {
    await t.context('mail').ingest(customerMail());
    const stranger = await t.context('mail').ingest({
      message: { externalId: 'x1', from: { kind: 'email', address: 'intruso@example.net' }, subject: 'Re: [#10001]', text: 'me mostra' },
    });
    expect(stranger).toMatchObject({ status: 'created', ticketNumber: 10002, mentionedTicketNumber: 10001 });
    const own = await t.context('mail').ingest({
      message: { externalId: 'x2', from: { kind: 'email', address: 'maria@example.com' }, subject: 'Re: [#10001]', text: 'novidades?' },
    });
    expect(own).toMatchObject({ status: 'appended', ticketNumber: 10001, matchedBy: 'ticket_number' });
  });

  test('internal notes never leave; auto-replies never open tickets', async () => {
    await t.context('mail').ingest(customerMail());
    const note = await t.api('POST', '/api/tickets/10001/replies', { body: 'cliente VIP', visibility: 'internal' });
    expect(note.status).toBe(201);
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
    const ooo = await t.context('mail').ingest({
      message: {
        externalId: 'ooo',
        from: { kind: 'email', address: 'ferias@example.com' },
        subject: 'Out of office',
        text: 'fora',
        classification: 'auto_reply',
      },
    });
    expect(ooo).toEqual({ status: 'ignored', reason: 'auto_reply_without_ticket' });
  });

  test('chat: the open ticket catches the next message; an agent on WhatsApp replies with #number', async () => {
    const agent = await t.createAgent({ name: 'Ana', phone: '+5511900000001' });
    const first = await t.context('zap').ingest({
      message: {
        externalId: 'w1',
        from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
        fromAliases: [{ kind: 'phone', address: '+5511987654321' }],
        proof: { level: 'channel' },
        text: 'Oi, meu pedido?',
      },
    });
    const second = await t
      .context('zap')
      .ingest({ message: { externalId: 'w2', from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' }, text: 'é o 10482' } });
    expect(second).toMatchObject({
      status: 'appended',
      ticketNumber: first.status === 'created' ? first.ticketNumber : 0,
      matchedBy: 'open_ticket',
    });

    const fromAgent = await t.context('zap').ingest({
      message: {
        externalId: 'w3',
        from: { kind: 'whatsapp', address: '5511900000001@s.whatsapp.net' },
        fromAliases: [{ kind: 'phone', address: '+5511900000001' }],
        proof: { level: 'channel' },
        text: '#10001 Já saiu para entrega!',
      },
    });
    expect(fromAgent).toMatchObject({ status: 'appended', ticketNumber: 10001, asAgent: { agentId: agent.id, visibility: 'public' } });
    await t.drainOutbox();
    const out = chat.outbox('zap').sent;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      text: 'Já saiu para entrega!',
      recipient: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
    });
  });

  test('retryable failures back off; permanent failures mark the message failed', async () => {
    await t.context('mail').ingest(customerMail());
    mail.outbox('mail').failures.push(new ChannelError('network', 'connection refused', true));
    await t.api('POST', '/api/tickets/10001/replies', { body: 'um' });
    expect(await t.app.dispatcher.runOnce()).toEqual({ sent: 0, failed: 0, retried: 1 });
    let m = (await t.getTicket(10001)).messages[1];
    expect(m).toMatchObject({ deliveryStatus: 'queued', errorCode: 'network' });

    mail.outbox('mail').failures.push(new ChannelError('smtp_550', 'mailbox unavailable', false));
    await t.api('POST', '/api/tickets/10001/replies', { body: 'dois' });
    await t.app.dispatcher.runOnce();
    m = (await t.getTicket(10001)).messages[2];
    expect(m).toMatchObject({ deliveryStatus: 'failed', errorCode: 'smtp_550' });
  });

  test("a template reply reaches the sender; a resolved WhatsApp JID becomes the requester's alias", async () => {
    await t.context('zap').ingest({ message: { externalId: 'w1', from: { kind: 'phone', address: '+558187654321' }, text: 'Oi' } });
    chat.outbox('zap').resolveTo = { kind: 'whatsapp', address: '5581987654321@s.whatsapp.net' };
    const bad = await t.api('POST', '/api/tickets/10001/replies', {
      body: 'x',
      visibility: 'internal',
      template: { name: 'retomar', language: 'pt_BR' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('body.template');
    const r = await t.api('POST', '/api/tickets/10001/replies', {
      body: 'Podemos continuar?',
      template: { name: 'retomar_atendimento', language: 'pt_BR', params: ['10001'] },
    });
    expect(r.status).toBe(202);
    await t.drainOutbox();
    expect(chat.outbox('zap').sent[0]!.template).toEqual({ name: 'retomar_atendimento', language: 'pt_BR', params: ['10001'] });
    // The customer now writes from the JID WhatsApp resolved: same person, same ticket.
    const again = await t
      .context('zap')
      .ingest({ message: { externalId: 'w2', from: { kind: 'whatsapp', address: '5581987654321@s.whatsapp.net' }, text: 'sim' } });
    expect(again).toMatchObject({ status: 'appended', ticketNumber: 10001 });
  });

  test('linking identities merges two contacts met separately: tickets follow the older contact', async () => {
    await t
      .context('zap')
      .ingest({ message: { externalId: 'l1', from: { kind: 'whatsapp_lid', address: '203948571620394@lid' }, text: 'oi pelo LID' } });
    await t
      .context('mail')
      .ingest({ message: { externalId: 'e1', from: { kind: 'phone', address: '+5511987654321' }, text: 'oi pelo telefone' } });
    const before = await t.api('GET', '/api/tickets?requester=%2B5511987654321');
    expect(before.body.tickets.map((x: any) => x.number)).toEqual([10002]);

    const contactId = await t.context('zap').linkIdentities([
      { kind: 'whatsapp_lid', address: '203948571620394@lid' },
      { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
      { kind: 'phone', address: '+5511987654321' },
    ]);
    expect(contactId).toBe((await t.getTicket(10001)).requester.id);
    const after = await t.api('GET', '/api/tickets?requester=%2B5511987654321');
    expect(after.body.tickets.map((x: any) => x.number)).toEqual([10002, 10001]);
    expect((await t.getTicket(10002)).requester.identities.map((i: any) => i.kind).sort()).toEqual(['phone', 'whatsapp', 'whatsapp_lid']);
    // Nobody owns these yet: nothing is created.
    expect(await t.context('zap').linkIdentities([{ kind: 'email', address: 'ninguem@example.com' }])).toBeUndefined();
  });

  test('a placeholder replaced by its real content gains the text and media, loses the parse error, keeps its place', async () => {
    await t.context('zap').ingest({
      message: {
        externalId: 'stub1',
        from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
        text: '(mensagem não pôde ser lida)',
        parseError: 'decryption failed',
      },
    });
    const blob = await t.app.blobs.put(Buffer.from('foto'));
    expect(
      await t.context('zap').updateMessage({
        externalId: 'stub1',
        replace: {
          text: 'Segue a foto',
          attachments: [{ blobKey: blob.key, filename: 'foto.jpg', contentType: 'image/jpeg', size: blob.size }],
          at: Date.now(),
        },
      }),
    ).toBe(true);
    const [m] = (await t.getTicket(10001)).messages;
    expect(m).toMatchObject({ text: 'Segue a foto', parseError: null, editedAt: null });
    expect(m!.attachments.map((a: any) => a.filename)).toEqual(['foto.jpg']);
    expect(await t.context('zap').updateMessage({ externalId: 'nope', replace: { text: 'x', attachments: [], at: 1 } })).toBe(false);
  });

  test('an agent uploads a file and attaches it to a reply; forged or oversized uploads are refused', async () => {
    await t.context('mail').ingest(customerMail());
    const up = await fetch(`${t.baseUrl}/api/uploads?filename=${encodeURIComponent('nota fiscal.pdf')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/pdf' },
      body: Buffer.from('%PDF-1.4 nota'),
    });
    expect(up.status).toBe(201);
    const { upload, size } = (await up.json()) as { upload: string; size: number };
    expect(size).toBe(13);
    const r = await t.api('POST', '/api/tickets/10001/replies', { body: 'Segue a nota.', attachments: [upload] });
    expect(r.status).toBe(202);
    await t.drainOutbox();
    const sent = mail.outbox('mail').sent[0]!;
    expect(sent.attachments).toEqual([
      { blobKey: expect.any(String), filename: 'nota fiscal.pdf', contentType: 'application/pdf', size: 13 },
    ]);
    expect((await t.app.blobs.read(sent.attachments[0]!.blobKey)).toString()).toBe('%PDF-1.4 nota');

    const forged = upload.slice(0, -4) + 'AAAA';
    const bad = await t.api('POST', '/api/tickets/10001/replies', { body: 'x', attachments: [forged] });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('body.attachments[0]');
    const noName = await fetch(`${t.baseUrl}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(noName.status).toBe(400);
  });

  test('with agent commands off for a channel, an agent writing in is handled like a customer', async () => {
    await t.createAgent({ name: 'Ana', email: 'ana@loja.example' });
    await t.context('mail').ingest(customerMail());
    const r = await t.context('mail').ingest({
      message: {
        externalId: 'a1',
        from: { kind: 'email', address: 'ana@loja.example' },
        subject: 'Re: [#10001]',
        text: '#note teste',
        agentCommands: false,
      },
    });
    expect(r).toMatchObject({ status: 'created', mentionedTicketNumber: 10001 });
    expect(r).not.toHaveProperty('asAgent');
  });
});
