/**
 * End to end through the app with the fake socket: a customer text creates a ticket, the agent's
 * API reply leaves through the socket to the JID that wrote, the customer's quoted reply lands on
 * the same ticket, and a reaction does not reopen a solved ticket.
 */
import { outboundMessageId } from '../../channels/whatsapp/whatsapp-sender.js';
import { loadFixture } from './fixtures.js';
import { databaseReady, startCore, type CoreHarness } from './core-harness.js';

function upsert(id: string, remoteJid: string, message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    type: 'notify',
    messages: [
      {
        key: { remoteJid, fromMe: false, id, participant: '', ...extra },
        messageTimestamp: Math.floor(Date.now() / 1000),
        pushName: 'Cliente',
        message,
      },
    ],
  };
}

describe.each(['sqlite', 'postgres'] as const)('WhatsApp (Baileys) end to end with the core (%s)', (database) => {
  let h: CoreHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('text -> ticket; agent reply -> socket; quoted reply -> same ticket; reaction does not reopen', async () => {
    if (!databaseReady(database)) return;
    h = await startCore({}, { database });
    await h.play(loadFixture('baileys-upsert-text-conversation'));
    const [number] = await h.ticketNumbers();
    expect(number).toBeDefined();
    let ticket = await h.t.getTicket(number!);
    expect(ticket.status).toBe('new');
    expect(ticket.messages[0]).toMatchObject({ direction: 'in', text: 'Oi! Meu pedido 10482 ainda não chegou, já faz 8 dias 😕' });

    const agent = await h.t.createAgent({ name: 'Júlia', email: 'julia@loja.example' });
    const reply = await h.t.api(
      'POST',
      `/api/tickets/${number}/replies`,
      { body: 'Olá Mariana! O pedido foi reenviado hoje.', visibility: 'public' },
      agent.token,
    );
    expect(reply.status).toBe(202);
    expect(await h.t.drainOutbox()).toMatchObject({ sent: 1, failed: 0 });
    const sent = h.sock().sent;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ jid: '5511987654321@s.whatsapp.net', content: { text: 'Olá Mariana! O pedido foi reenviado hoje.' } });
    ticket = await h.t.getTicket(number!);
    const out = ticket.messages.find((m) => m.direction === 'out')!;
    expect(out.externalId).toBe(sent[0]!.messageId);
    expect(out.deliveryStatus).toBe('sent');

    // The echo of our own send is not a second message.
    await h.emit('messages.upsert', {
      type: 'append',
      messages: [
        {
          key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: true, id: out.externalId },
          messageTimestamp: String(Math.floor(Date.now() / 1000)),
          message: { extendedTextMessage: { text: out.text } },
          status: 'PENDING',
        },
      ],
    });
    // Receipts move the status forward only.
    await h.emit('messages.update', [
      { key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: true, id: out.externalId }, update: { status: 4 } },
      { key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: true, id: out.externalId }, update: { status: 3 } },
    ]);
    ticket = await h.t.getTicket(number!);
    expect(ticket.messages).toHaveLength(2);
    expect(ticket.messages.find((m) => m.id === out.id)?.deliveryStatus).toBe('read');

    // Customer swipes-to-reply on the agent's message, in a LID-addressed chat this time.
    await h.emit(
      'messages.upsert',
      upsert(
        'QUOTED-REPLY-1',
        '203948571620394@lid',
        {
          extendedTextMessage: {
            text: 'Obrigada! Chegou.',
            contextInfo: {
              stanzaId: out.externalId,
              participant: '5511912345678@s.whatsapp.net',
              quotedMessage: { conversation: out.text },
            },
          },
        },
        { remoteJidAlt: '5511987654321@s.whatsapp.net', addressingMode: 'lid' },
      ),
    );
    expect(await h.ticketNumbers()).toEqual([number]);
    ticket = await h.t.getTicket(number!);
    expect(ticket.messages.find((m) => m.externalId === 'QUOTED-REPLY-1')).toMatchObject({
      matchedBy: 'thread_reference',
      quotedText: out.text,
    });

    // Solved; then a 👍 on the agent's message: stored on the message, ticket stays solved.
    expect((await h.t.api('PATCH', `/api/tickets/${number}`, { status: 'solved' })).status).toBe(200);
    await h.emit(
      'messages.upsert',
      upsert('REACTION-1', '5511987654321@s.whatsapp.net', {
        reactionMessage: {
          key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: true, id: out.externalId },
          text: '👍',
          senderTimestampMs: String(Date.now()),
        },
      }),
    );
    await h.emit('messages.reaction', [
      {
        key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: true, id: out.externalId },
        reaction: { key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: false, id: 'REACTION-1' }, text: '👍' },
      },
    ]);
    ticket = await h.t.getTicket(number!);
    expect(ticket.status).toBe('solved');
    // The reaction is no message of its own (the solved notice, if any, is ours and automatic).
    expect(ticket.messages.filter((m) => m.direction === 'in').map((m) => m.externalId)).toEqual([expect.any(String), 'QUOTED-REPLY-1']);
    expect(ticket.messages.filter((m) => m.direction === 'out' && m.authorType !== 'system')).toHaveLength(1);
    expect(ticket.messages.find((m) => m.id === out.id)?.reactions).toEqual([
      expect.objectContaining({ emoji: '👍', by: '5511987654321@s.whatsapp.net' }),
    ]);
  });

  test('replies go to the JID that wrote: a LID-only customer and a Brazilian 12-digit account', async () => {
    if (!databaseReady(database)) return;
    h = await startCore({}, { database });
    await h.play(loadFixture('baileys-upsert-text-lid-without-pn'));
    await h.play(loadFixture('baileys-upsert-brazil-legacy-12-digit-jid'));
    const numbers = await h.ticketNumbers();
    expect(numbers).toHaveLength(2);
    for (const n of numbers) {
      expect((await h.t.api('POST', `/api/tickets/${n}/replies`, { body: `Resposta ${n}`, visibility: 'public' })).status).toBe(202);
    }
    await h.t.drainOutbox();
    const jids = h
      .sock()
      .sent.map((s) => s.jid)
      .sort();
    expect(jids).toEqual(['558187654321@s.whatsapp.net', '87123456789012@lid']);
    expect(h.sock().onWhatsAppCalls).toEqual([]);
  });

  test('an agent typing a phone finds a customer WhatsApp knows only by its JID (the WhatsApp kind names the alias)', async () => {
    if (!databaseReady(database)) return;
    h = await startCore({}, { database });
    // An identity met only as a phone JID, with no phone alias beside it (an older import, a merge).
    await h.t
      .context('wa')
      .ingest({ message: { externalId: 'only-jid', from: { kind: 'whatsapp', address: '5511955554444@s.whatsapp.net' }, text: 'oi' } });
    const [n] = await h.ticketNumbers();
    const byRequester = await h.t.api('GET', '/api/tickets?requester=%2B55%2011%2095555-4444');
    expect(byRequester.body.tickets.map((x: { number: number }) => x.number)).toEqual([n]);
    const byIdentity = await h.t.api('GET', '/api/contacts?identity=5511955554444');
    expect(byIdentity.body.contacts).toHaveLength(1);
  });

  test('a send while disconnected is retried later with the same message id', async () => {
    if (!databaseReady(database)) return;
    h = await startCore({}, { database });
    await h.play(loadFixture('baileys-upsert-text-conversation'));
    const [number] = await h.ticketNumbers();
    h.sock().emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error: { message: 'Connection was lost', output: { statusCode: 408 } } },
    });
    await h.runtime.connection.idle();
    expect(h.runtime.source.health().state).toBe('backing_off');
    await h.t.api('POST', `/api/tickets/${number}/replies`, { body: 'Já verifico.', visibility: 'public' });
    expect(await h.t.drainOutbox()).toMatchObject({ sent: 0 });
    let ticket = await h.t.getTicket(number!);
    const out = ticket.messages.find((m) => m.direction === 'out')!;
    expect(out.deliveryStatus).toBe('queued');
    // Reconnected (the retry timer fired): the outbox sends with the id recorded before the first attempt.
    await h.runtime.source.stop();
    await h.runtime.source.start();
    h.sock().open();
    await h.runtime.connection.idle();
    const db = h.t.app.database.kysely;
    await db.updateTable('outbox').set({ next_attempt_at: 0 }).execute();
    expect(await h.t.drainOutbox()).toMatchObject({ sent: 1 });
    ticket = await h.t.getTicket(number!);
    const sentOut = ticket.messages.find((m) => m.id === out.id)!;
    expect(sentOut.deliveryStatus).toBe('sent');
    expect(h.sock().sent[0]!.messageId).toBe(sentOut.externalId);
    const outbox = await db.selectFrom('outbox').select(['id']).execute();
    expect(sentOut.externalId).toBe(outboundMessageId(outbox[0]!.id));
  });

  test('an agent writing from their registered phone: "#<ticket> text" is relayed to the customer, "#<ticket> #note" stays internal', async () => {
    if (!databaseReady(database)) return;
    h = await startCore({}, { database });
    await h.play(loadFixture('baileys-upsert-text-conversation'));
    const [number] = await h.ticketNumbers();
    await h.t.createAgent({ name: 'Júlia', email: 'julia@loja.example', phone: '+5511955554444' });
    await h.emit(
      'messages.upsert',
      upsert('AGENT-1', '5511955554444@s.whatsapp.net', { conversation: `#${number} Pode deixar, reenviamos hoje.` }),
    );
    await h.emit('messages.upsert', upsert('AGENT-2', '5511955554444@s.whatsapp.net', { conversation: `#${number} #note cliente VIP` }));
    expect(await h.ticketNumbers()).toEqual([number]);
    await h.t.drainOutbox();
    const ticket = await h.t.getTicket(number!);
    const agentMessages = ticket.messages.filter((m) => m.authorType === 'agent');
    expect(agentMessages.map((m) => m.visibility).sort()).toEqual(['internal', 'public']);
    // The public one went to the customer's chat, not back to the agent.
    expect(h.sock().sent.map((s) => s.jid)).toEqual(['5511987654321@s.whatsapp.net']);
    expect(h.sock().sent[0]!.content).toMatchObject({ text: expect.stringContaining('Pode deixar, reenviamos hoje.') });
  });
});
