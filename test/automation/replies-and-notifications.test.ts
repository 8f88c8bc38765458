/**
 * Acknowledgements, caps, agent notifications answered from email/WhatsApp, customer notices:
 * the whole app with recording test channels (`mail` with email threading, `zap` chat).
 */
import { describeEachDatabase } from '../core/db-fixtures.js';
import { type AutomationTestApp, HOUR, startAutomationApp } from './support.js';

const MARIA = 'maria@example.com';

describe('auto-acknowledgement', () => {
  let t: AutomationTestApp;
  beforeEach(async () => {
    t = await startAutomationApp({ automation: { autoAcknowledge: { enabled: true, capPerContactPerHour: 3 } } });
  });
  afterEach(() => t.stop());

  test('a new ticket is acknowledged once, with its number and what the statuses mean', async () => {
    expect(await t.email(MARIA, 'm1@cliente')).toMatchObject({ status: 'created', ticketNumber: 10001 });
    expect(await t.drainOutbox()).toEqual({ sent: 1, failed: 0, retried: 0 });
    const [ack] = t.sentTo(MARIA);
    expect(ack).toMatchObject({ purpose: 'auto_ack', automatic: true, channelId: 'mail', threading: { inReplyTo: 'm1@cliente' } });
    expect(ack!.text).toContain('chamado #10001 (Pedido 10482 atrasado)');
    expect(ack!.text).toContain('- Aguardando sua resposta: precisamos de uma resposta sua para continuar.');
    expect(ack!.text).toContain('- Finalizado: consideramos resolvido');

    // More mail on the same ticket: no second acknowledgement.
    await t.email(MARIA, 'm2@cliente', { subject: 'Re: Pedido', text: 'Alguma novidade?', threadHints: { references: [ack!.externalId] } });
    await t.email(MARIA, 'm3@cliente', { subject: 'Re: [#10001] Pedido', text: 'Oi?' });
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
    const ticket = await t.getTicket(10001);
    expect(ticket.messages.filter((m: any) => m.purpose === 'auto_ack')).toHaveLength(1);
    expect(ticket.messages.find((m: any) => m.purpose === 'auto_ack')).toMatchObject({
      visibility: 'public',
      authorType: 'system',
      deliveryStatus: 'sent',
    });
  });

  test('never for auto-replies, bounces or the merchant typing on the business phone', async () => {
    expect(await t.email('ferias@example.com', 'ooo1', { subject: 'Ausente', classification: 'auto_reply' })).toMatchObject({
      status: 'ignored',
    });
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    const ackId = t.sentTo(MARIA)[0]!.externalId!;
    // An out-of-office and a bounce that thread onto the ticket: stored, never answered.
    expect(
      await t.email(MARIA, 'ooo2', { subject: 'Auto: Re: Pedido', classification: 'auto_reply', threadHints: { references: [ackId] } }),
    ).toMatchObject({ status: 'appended' });
    expect(
      await t.email('mailer-daemon@example.com', 'b1', {
        subject: 'Undelivered',
        classification: 'bounce',
        threadHints: { references: [ackId] },
      }),
    ).toMatchObject({ status: 'appended' });
    // The shop owner starting a chat from the business phone.
    expect(await t.whatsapp('+5511987650000', 'w-own', 'Oi, seu pedido saiu hoje', { fromBusiness: true })).toMatchObject({
      status: 'created',
    });
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
  });

  test('a sender opening a new ticket with every message gets at most the per-contact cap per hour', async () => {
    for (let i = 0; i < 6; i++) await t.email('robo@example.net', `r${i}`, { subject: `Pedido ${i}`, text: `mensagem ${i}` });
    await t.drainOutbox();
    expect(t.sentTo('robo@example.net')).toHaveLength(3);
    t.advance(HOUR + 1);
    await t.email('robo@example.net', 'r-later', { subject: 'Outro pedido' });
    await t.drainOutbox();
    expect(t.sentTo('robo@example.net')).toHaveLength(4);
  });

  test('acknowledgements are off unless configured', async () => {
    const quiet = await startAutomationApp({});
    try {
      await quiet.email(MARIA, 'm1@cliente');
      expect(await quiet.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
    } finally {
      await quiet.stop();
    }
  });
});

describeEachDatabase('two automatic responders mailing each other through Ponte (%s)', (kind) => {
  /**
   * The other side answers every message it gets, without auto-reply headers (so we classify it
   * as a customer), and with a fresh subject and no references: each of its answers opens a new
   * ticket here, and each new ticket is acknowledged. Only the caps stop the ping-pong.
   */
  async function pingPong(t: AutomationTestApp, threaded: boolean): Promise<{ rounds: number; answers: number }> {
    await t.email('bot@responder.example', 'bot-0', { subject: 'Hello', text: 'hi' });
    let seen = 0;
    let rounds = 0;
    for (; rounds < 50; rounds++) {
      await t.drainOutbox();
      const ours = t.sentTo('bot@responder.example');
      if (ours.length === seen) break;
      for (const m of ours.slice(seen)) {
        await t.email('bot@responder.example', `bot-${rounds}-${m.outboxId}`, {
          subject: threaded ? `Re: ${m.ticket.subject}` : `Auto response ${rounds}`,
          text: 'Thank you for your message, we will get back to you.',
          ...(threaded ? { threadHints: { references: [m.externalId] } } : {}),
        });
      }
      seen = ours.length;
      t.advance(60_000);
    }
    return { rounds, answers: t.sentTo('bot@responder.example').length };
  }

  test('the per-address cap stops the loop within the hour', async () => {
    const t = await startAutomationApp(
      { automation: { autoAcknowledge: { enabled: true, capPerContactPerHour: 100 }, automaticMailCapPerHour: 5 } },
      undefined,
      kind,
    );
    try {
      const r = await pingPong(t, false);
      expect(r.answers).toBe(5);
      expect(r.rounds).toBeLessThan(50);
      // Every bot message is kept (nothing lost), only our answers stop.
      const list = await t.api('GET', '/api/tickets?requester=bot@responder.example&limit=100');
      expect(list.body.tickets).toHaveLength(6);
    } finally {
      await t.stop();
    }
  });

  test('the per-contact cap stops it first with the defaults', async () => {
    const t = await startAutomationApp({ automation: { autoAcknowledge: { enabled: true } } }, undefined, kind);
    try {
      expect((await pingPong(t, false)).answers).toBe(3);
    } finally {
      await t.stop();
    }
  });

  test('a responder that threads its answers gets one acknowledgement in all', async () => {
    const t = await startAutomationApp({ automation: { autoAcknowledge: { enabled: true } } }, undefined, kind);
    try {
      expect(await pingPong(t, true)).toEqual({ rounds: 1, answers: 1 });
    } finally {
      await t.stop();
    }
  });
});

describeEachDatabase('agent notifications and answering them (%s)', (kind) => {
  let t: AutomationTestApp;
  let ana: { id: string };
  let bia: { id: string };
  const CUSTOMER_JID = '5511987654321@s.whatsapp.net';
  beforeEach(async () => {
    t = await startAutomationApp({}, undefined, kind);
    ana = await t.createAgent({ name: 'Ana', email: 'ana@loja.example', notifyChannelId: 'mail' });
    bia = await t.createAgent({ name: 'Bia', phone: '+5511900000002', notifyChannelId: 'zap' });
  });
  afterEach(() => t.stop());

  test('a WhatsApp customer: every agent is told on their channel; an email reply reaches the customer on WhatsApp', async () => {
    await t.whatsapp('+5511987654321', 'w1', 'Oi, meu pedido 10482 não chegou');
    expect(await t.drainOutbox()).toEqual({ sent: 2, failed: 0, retried: 0 });
    const [toAna] = t.sentTo('ana@loja.example');
    const [toBia] = t.sentTo('+5511900000002');
    expect(toAna).toMatchObject({
      channelId: 'mail',
      purpose: 'notification',
      automatic: true,
      recipient: { kind: 'email', address: 'ana@loja.example' },
    });
    expect(toAna!.text).toContain('Novo chamado #10001');
    expect(toAna!.text).toContain('Cliente: Maria <+5511987654321>');
    expect(toAna!.text).toContain('Canal: zap (testchat)');
    expect(toAna!.text).toContain('Oi, meu pedido 10482 não chegou');
    expect(toAna!.text).toContain('responda este e-mail');
    expect(toAna!.text).toMatch(/#note/);
    expect(toAna!.text).toMatch(/#solved.*#pending.*#close/);
    expect(toBia).toMatchObject({ channelId: 'zap', recipient: { kind: 'phone', address: '+5511900000002' } });
    expect(toBia!.text).toContain('citando esta mensagem ou comece com #10001');
    expect(t.sentTo(CUSTOMER_JID)).toHaveLength(0);
    // Stored on the ticket as internal messages, never shown to the customer.
    const notes = (await t.getTicket(10001)).messages.filter((m: any) => m.purpose === 'notification');
    expect(notes.map((m: any) => [m.visibility, m.to, m.deliveryStatus])).toEqual([
      ['internal', 'ana@loja.example', 'sent'],
      ['internal', '+5511900000002', 'sent'],
    ]);

    // The notification names its agent, so the email channel can sign a per-agent reply token.
    expect(toAna!.recipientAgentId).toBe(ana.id);
    expect(toBia!.recipientAgentId).toBeDefined();
    // Ana answers the notification email (the channel found her token): her reply goes to the customer on WhatsApp.
    const answer = await t.email('ana@loja.example', 'ana-1@loja', {
      subject: 'Re: [#10001] Oi, meu pedido',
      text: 'Já saiu para entrega!\n\nOn Wed, Ponte wrote:\n> Novo chamado #10001',
      replyText: 'Já saiu para entrega!',
      threadHints: { references: [toAna!.externalId] },
      proof: { agentToken: { agentId: ana.id, ticketNumber: 10001 } },
    });
    expect(answer).toMatchObject({
      status: 'appended',
      ticketNumber: 10001,
      matchedBy: 'thread_reference',
      asAgent: { agentId: ana.id, visibility: 'public' },
    });
    await t.drainOutbox();
    expect(t.sentTo(CUSTOMER_JID)).toEqual([
      expect.objectContaining({ channelId: 'zap', text: 'Já saiu para entrega!', purpose: 'reply', automatic: false, authorName: 'Ana' }),
    ]);
    expect((await t.getTicket(10001)).status).toBe('pending');
  });

  test('an email customer: the WhatsApp agent quotes the notification; #note stays internal; #solved on its own line', async () => {
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    const toBia = t.sentTo('+5511900000002')[0]!;
    expect(toBia.text).toContain(`Cliente: ${MARIA} <${MARIA}>`);
    const biaSays = (id: string, text: string) =>
      t.context('zap').ingest({
        message: {
          externalId: id,
          from: { kind: 'whatsapp', address: '5511900000002@s.whatsapp.net' },
          fromAliases: [{ kind: 'phone', address: '+5511900000002' }],
          proof: { level: 'channel' },
          text,
          threadHints: { references: [toBia.externalId!] },
        },
      });

    expect(await biaSays('b1', '#note cliente VIP, priorizar')).toMatchObject({
      status: 'appended',
      ticketNumber: 10001,
      asAgent: { agentId: bia.id, visibility: 'internal' },
    });
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
    expect(t.sentTo(MARIA)).toHaveLength(0);

    expect(await biaSays('b2', 'Oi Maria, o pedido foi reenviado hoje.\n#solved')).toMatchObject({ asAgent: { visibility: 'public' } });
    await t.drainOutbox();
    expect(t.sentTo(MARIA)).toEqual([
      expect.objectContaining({
        channelId: 'mail',
        text: 'Oi Maria, o pedido foi reenviado hoje.',
        threading: expect.objectContaining({ inReplyTo: 'm1@cliente' }),
      }),
    ]);
    const ticket = await t.getTicket(10001);
    expect(ticket.status).toBe('solved');
    expect(ticket.messages.find((m: any) => m.text === 'cliente VIP, priorizar')).toMatchObject({
      visibility: 'internal',
      authorAgentId: bia.id,
    });

    // `#10001 …` typed without quoting works on chat too.
    expect(
      await t.context('zap').ingest({
        message: {
          externalId: 'b3',
          from: { kind: 'whatsapp', address: '5511900000002@s.whatsapp.net' },
          fromAliases: [{ kind: 'phone', address: '+5511900000002' }],
          proof: { level: 'channel' },
          text: '#10001 #note conferido',
        },
      }),
    ).toMatchObject({
      ticketNumber: 10001,
      asAgent: { visibility: 'internal' },
    });
  });

  test('only the assignee is told once the ticket is assigned; never about the merchant typing on the phone', async () => {
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    expect(await t.api('PATCH', '/api/tickets/10001', { assignee: ana.id })).toMatchObject({ status: 200 });
    await t.email(MARIA, 'm2@cliente', { subject: 'Re: [#10001] Pedido', text: 'Alguma novidade?' });
    await t.drainOutbox();
    expect(t.sentTo('ana@loja.example').map((m) => m.text.split('\n')[0])).toEqual([
      'Novo chamado #10001',
      'Nova mensagem do cliente no chamado #10001',
    ]);
    expect(t.sentTo('+5511900000002')).toHaveLength(1);

    await t.whatsapp('+5511912345678', 'own-1', 'Seu pedido já está separado', { fromBusiness: true });
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
  });

  test("an agent's out-of-office answering a notification never reaches the customer", async () => {
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    const toAna = t.sentTo('ana@loja.example')[0]!;
    const ooo = await t.email('ana@loja.example', 'ana-ooo@loja', {
      subject: 'Automatic reply: [#10001] Pedido',
      text: 'Estou de férias até segunda.',
      classification: 'auto_reply',
      threadHints: { references: [toAna.externalId] },
    });
    expect(ooo).toMatchObject({ status: 'appended', ticketNumber: 10001 });
    expect(ooo).not.toHaveProperty('asAgent');
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
    expect((await t.getTicket(10001)).status).toBe('new');
  });

  test('a flood on one ticket notifies an agent at most the hourly cap, then one digest; other tickets still notify', async () => {
    await t.email(MARIA, 'm0@cliente');
    for (let i = 1; i <= 14; i++) await t.email(MARIA, `m${i}@cliente`, { subject: 'Re: [#10001] Pedido', text: `mensagem ${i}` });
    await t.email('joao@example.com', 'j1@cliente', { subject: 'Outro assunto' });
    await t.drainOutbox();
    const toAna = t.sentTo('ana@loja.example');
    expect(toAna.filter((m) => m.ticket.number === 10001)).toHaveLength(10);
    expect(toAna.filter((m) => m.ticket.number === 10002)).toHaveLength(1);
    // Every customer message is on the ticket all the same.
    expect((await t.getTicket(10001)).messages.filter((m: any) => m.direction === 'in')).toHaveLength(15);
    // Nothing is dropped: the five over the cap arrive as one digest once the hour is over.
    await t.app.automation.runTimers();
    await t.drainOutbox();
    expect(t.sentTo('ana@loja.example').filter((m) => m.ticket.number === 10001)).toHaveLength(10);
    t.advance(HOUR + 1);
    await t.app.automation.runTimers();
    await t.drainOutbox();
    const digest = t
      .sentTo('ana@loja.example')
      .filter((m) => m.ticket.number === 10001)
      .slice(10);
    expect(digest).toHaveLength(1);
    expect(digest[0]!.text).toContain('5 mensagens novas');
    expect(digest[0]!.text).toContain('mensagem 14');
    expect(digest[0]!.recipientAgentId).toBeDefined();
    // Taken once: another pass sends nothing more.
    await t.app.automation.runTimers();
    await t.drainOutbox();
    expect(t.sentTo('ana@loja.example').filter((m) => m.ticket.number === 10001)).toHaveLength(11);
  });

  test('six customers in one hour: the agent hears about all six (no per-address mute)', async () => {
    for (let i = 1; i <= 6; i++) await t.email(`cliente${i}@example.com`, `six-${i}@cliente`, { subject: `Pedido ${i}` });
    await t.drainOutbox();
    expect(new Set(t.sentTo('ana@loja.example').map((m) => m.ticket.number)).size).toBe(6);
  });

  test('an agent without a notification channel is not notified', async () => {
    await t.createAgent({ name: 'Caio', email: 'caio@loja.example' });
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    expect(t.sentTo('caio@loja.example')).toHaveLength(0);
    expect(t.sentTo('admin@loja.example')).toHaveLength(0);
  });
});

describe('customer notices on every status change', () => {
  test('by default: one notice per change in the ticket language, each stating the rule that applies', async () => {
    const t = await startAutomationApp({});
    try {
      await t.email(MARIA, 'm1@cliente');
      await t.drainOutbox();
      // "Em análise" -> "Em andamento": the customer hears about it (Octadesk's "email on every update").
      await t.api('PATCH', '/api/tickets/10001', { status: 'open' });
      await t.drainOutbox();
      expect(t.sentTo(MARIA).map((m) => m.purpose)).toEqual(['status_notice']);
      expect(t.sentTo(MARIA)[0]!.text).toContain('agora está "Em andamento"');
      await t.api('PATCH', '/api/tickets/10001', { status: 'solved' });
      await t.drainOutbox();
      const solved = t.sentTo(MARIA)[1]!;
      expect(solved.text).toContain('foi marcado como "Finalizado"');
      // Email: the reopen window (7 days by default) is what the text promises.
      expect(solved.text).toContain('responder em até 7 dias que o chamado #10001 será reaberto');
      await t.api('PATCH', '/api/tickets/10001', { status: 'closed' });
      await t.drainOutbox();
      expect(t.sentTo(MARIA)[2]!.text).toContain('O chamado #10001 (Pedido 10482 atrasado) foi encerrado');
      expect(t.sentTo(MARIA)[2]!.text).toContain('em até 7 dias');
      expect(t.sentTo(MARIA)).toHaveLength(3);
    } finally {
      await t.stop();
    }
  });

  test('no notice for a change the customer made, nor for one that came with an agent reply', async () => {
    const t = await startAutomationApp({});
    try {
      await t.email(MARIA, 'm1@cliente');
      const r = await t.api('POST', '/api/tickets/10001/replies', { body: 'Já enviamos.' });
      expect(r.status).toBe(202);
      await t.drainOutbox();
      // new -> pending came with the reply: the reply is the update.
      expect(t.sentTo(MARIA).map((m) => m.purpose)).toEqual(['reply']);
      expect((await t.getTicket(10001)).status).toBe('pending');
      // The customer answers: pending -> open, their own doing.
      await t.email(MARIA, 'm2@cliente', { subject: 'Re: [#10001] Pedido', text: 'Obrigada' });
      await t.drainOutbox();
      expect((await t.getTicket(10001)).status).toBe('open');
      expect(t.sentTo(MARIA).map((m) => m.purpose)).toEqual(['reply']);
    } finally {
      await t.stop();
    }
  });

  test('configurable per status and per channel; the older switches still work', async () => {
    const t = await startAutomationApp({
      automation: { statusNotices: { statuses: ['solved'], channels: { zap: [] } }, notifyCustomerOnClosed: true },
    });
    try {
      await t.email(MARIA, 'm1@cliente');
      await t.whatsapp('+5511987654321', 'w1', 'Oi');
      await t.api('PATCH', '/api/tickets/10001', { status: 'open' });
      await t.api('PATCH', '/api/tickets/10001', { status: 'solved' });
      await t.api('PATCH', '/api/tickets/10001', { status: 'closed' });
      await t.api('PATCH', '/api/tickets/10002', { status: 'solved' });
      await t.drainOutbox();
      expect(t.sentTo(MARIA).map((m) => m.text.split('\n')[2])).toEqual([
        expect.stringContaining('"Finalizado"'),
        expect.stringContaining('foi encerrado'),
      ]);
      expect(t.chat.outbox('zap').sent).toEqual([]);
    } finally {
      await t.stop();
    }
  });
});

describe("the customer's choice of notices (portal setting)", () => {
  test('"only when my answer is needed": no notice for open or solved, one when the ticket waits for them', async () => {
    const t = await startAutomationApp({});
    try {
      await t.email(MARIA, 'm1@cliente');
      const contactId = (await t.getTicket(10001)).requester.id;
      await t.app.database.kysely
        .insertInto('portal_contact_settings')
        .values({ contact_id: contactId, notify: 'needs_reply', organization: null, updated_at: t.now() })
        .execute();
      await t.api('PATCH', '/api/tickets/10001', { status: 'open' });
      await t.api('PATCH', '/api/tickets/10001', { status: 'pending' });
      await t.api('PATCH', '/api/tickets/10001', { status: 'solved' });
      await t.drainOutbox();
      expect(t.sentTo(MARIA).map((m) => m.text.split('\n')[2])).toEqual([expect.stringContaining('"Aguardando sua resposta"')]);
    } finally {
      await t.stop();
    }
  });
});

describe('chat resume rule (fake clock)', () => {
  const PHONE = '+5511987654321';
  test('a plain message soon after a close reopens the ticket; after the window, a new ticket linked to the old', async () => {
    const t = await startAutomationApp({}, Date.parse('2026-11-18T15:00:00Z'), 'sqlite', { resumeWindowHours: 48 });
    try {
      await t.whatsapp(PHONE, 'w1', 'Meu pedido não chegou');
      await t.api('PATCH', '/api/tickets/10001', { status: 'closed' });
      await t.drainOutbox();
      // The closing notice states the chat rule (48 hours), not the email one.
      const closing = t.chat.outbox('zap').sent.at(-1)!;
      expect(closing.text).toContain('responder em até 2 dias que o chamado #10001 será reaberto');

      t.advance(10 * 60_000);
      expect(await t.whatsapp(PHONE, 'w2', 'Ainda não chegou')).toMatchObject({ status: 'appended', ticketNumber: 10001 });
      expect((await t.getTicket(10001)).status).toBe('open');

      await t.api('PATCH', '/api/tickets/10001', { status: 'closed' });
      t.advance(49 * HOUR);
      const later = await t.whatsapp(PHONE, 'w3', 'Outra dúvida');
      expect(later).toMatchObject({ status: 'created', ticketNumber: 10002, matchedBy: 'follow_up' });
      expect((await t.getTicket(10002)).followUpOf).toBe((await t.getTicket(10001)).id);
      expect((await t.getTicket(10001)).status).toBe('closed');
    } finally {
      await t.stop();
    }
  });
});

describe('knownContactsOnly on a chat channel', () => {
  test('reply: an unknown number gets the polite template and no ticket data; a known customer goes through', async () => {
    const t = await startAutomationApp(
      { automation: { autoAcknowledge: { enabled: true } } },
      Date.parse('2026-11-18T15:00:00Z'),
      'sqlite',
      { knownContactsOnly: 'reply' },
    );
    try {
      const r = await t.whatsapp('+5511911112222', 'u1', 'Oi, quero saber do pedido 123');
      await t.drainOutbox();
      const toUnknown = t.chat.outbox('zap').sent;
      expect(toUnknown).toHaveLength(1);
      expect(toUnknown[0]!.text).toContain('cadastre este número na sua conta');
      expect(toUnknown[0]!.text).not.toMatch(/#\d{5}/);
      // Kept (never lost) on one closed ticket for the team, nobody notified, no status moves.
      if (r.status !== 'created') throw new Error('expected the message to be kept');
      expect(await t.getTicket(r.ticketNumber)).toMatchObject({ status: 'closed', category: 'unknown_contact' });
      await t.whatsapp('+5511911112222', 'u2', 'Alô?');
      await t.drainOutbox();
      expect(t.chat.outbox('zap').sent).toHaveLength(1);
      expect((await t.getTicket(r.ticketNumber)).messages.filter((m: any) => m.direction === 'in')).toHaveLength(2);

      // A customer known by email whose phone is linked: a normal ticket and acknowledgement.
      await t.email(MARIA, 'm1@cliente');
      const contactId = (await t.getTicket(r.ticketNumber + 1)).requester.id;
      expect(
        (
          await t.api('POST', `/api/contacts/${contactId}/identities`, {
            kind: 'phone',
            address: '+5511933334444',
            evidence: 'customer account data',
          })
        ).status,
      ).toBe(201);
      const known = await t.whatsapp('+5511933334444', 'k1', 'Oi, sou a Maria');
      expect(known).toMatchObject({ status: 'created' });
      await t.drainOutbox();
      expect(t.chat.outbox('zap').sent.at(-1)!.purpose).toBe('auto_ack');
    } finally {
      await t.stop();
    }
  });

  test('review: the ticket is flagged for the team and the unknown sender gets no acknowledgement', async () => {
    const t = await startAutomationApp(
      { automation: { autoAcknowledge: { enabled: true } } },
      Date.parse('2026-11-18T15:00:00Z'),
      'sqlite',
      { knownContactsOnly: 'review' },
    );
    try {
      const r = await t.whatsapp('+5511955556666', 'v1', 'Oi');
      if (r.status !== 'created') throw new Error('expected a ticket');
      expect(await t.getTicket(r.ticketNumber)).toMatchObject({ status: 'new', category: 'review' });
      await t.drainOutbox();
      expect(t.chat.outbox('zap').sent).toEqual([]);
      expect(t.sentTo('ana@loja.example')).toEqual([]);
    } finally {
      await t.stop();
    }
  });
});

describe('delivery fallback', () => {
  test("an agent reply the chat channel refuses for good (window closed) goes by the customer's email, and the message says so", async () => {
    const t = await startAutomationApp({});
    try {
      const first = await t.whatsapp('+5511987654321', 'w1', 'Oi, meu pedido?');
      if (first.status !== 'created') throw new Error('expected a ticket');
      const contactId = (await t.getTicket(10001)).requester.id;
      await t.api('POST', `/api/contacts/${contactId}/identities`, { kind: 'email', address: MARIA, evidence: 'e-mail do pedido' });
      t.chat.outbox('zap').failures.push(new t.chat.ChannelError('whatsapp_window_closed', 'outside the 24-hour window', false));
      expect((await t.api('POST', '/api/tickets/10001/replies', { body: 'Seu pedido saiu hoje.' })).status).toBe(202);
      await t.drainOutbox();
      expect(t.chat.outbox('zap').sent).toEqual([]);
      expect(t.sentTo(MARIA)).toEqual([expect.objectContaining({ channelId: 'mail', text: 'Seu pedido saiu hoje.', purpose: 'reply' })]);
      const reply = (await t.getTicket(10001)).messages.find((m: any) => m.purpose === 'reply');
      expect(reply).toMatchObject({ channel: 'mail', to: MARIA, deliveryStatus: 'sent' });
      expect(reply!.metadata.fallbacks).toEqual([expect.objectContaining({ from: 'zap', code: 'whatsapp_window_closed' })]);
    } finally {
      await t.stop();
    }
  });

  test('without another allowed way to reach the customer the message stays failed with the reason', async () => {
    // Only the chat channel is in the fallback order (the test mail channel could carry a phone).
    const t = await startAutomationApp({ delivery: { fallbackOrder: ['zap'] } });
    try {
      await t.whatsapp('+5511987654321', 'w1', 'Oi');
      t.chat.outbox('zap').failures.push(new t.chat.ChannelError('whatsapp_131026', 'undeliverable', false));
      await t.api('POST', '/api/tickets/10001/replies', { body: 'Olá' });
      await t.drainOutbox();
      const reply = (await t.getTicket(10001)).messages.find((m: any) => m.purpose === 'reply');
      expect(reply).toMatchObject({ channel: 'zap', deliveryStatus: 'failed', errorCode: 'whatsapp_131026' });
    } finally {
      await t.stop();
    }
  });
});
