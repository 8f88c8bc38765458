/**
 * The ingest pipeline and its repositories against real databases (SQLite always, PostgreSQL
 * when PONTE_TEST_POSTGRES_URL is set): outcomes, idempotency, contacts and their aliases, the
 * closed-ticket policy, automatic mail, agents writing by email, the audit trail, ticket numbers
 * under concurrent writers, and all-or-nothing transactions.
 */
import { createHash } from 'node:crypto';
import pino from 'pino';
import { createTicketEvents } from '../../src/tickets/ticket-events.js';
import { parseConfig } from '../../src/config/loader.js';
import type { Executor } from '../../src/db/database.js';
import type { InboundEnvelopeInput } from '../../src/domain/envelope.js';
import { createIngest } from '../../src/ingest/pipeline.js';
import { sanitizeEmailHtml } from '../../src/ingest/sanitize-html.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase, scratchDatabase } from './db-fixtures.js';

/**
 * better-sqlite3 throws the SqliteError class of the first test file that loaded it, so across
 * jest module registries `toThrow()` (an instanceof check) misses it: match the message instead.
 */
const UNIQUE_VIOLATION = /UNIQUE constraint failed|duplicate key value violates unique constraint/;

const TABLES = [
  'contacts',
  'contact_identities',
  'tickets',
  'ticket_participants',
  'messages',
  'attachments',
  'inbound_receipts',
  'channel_state',
  'outbox',
  'ticket_events',
  'counters',
  'timers',
  'blob_objects',
] as const;

async function rowCounts(db: Executor): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const r = await db
      .selectFrom(t as any)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  return out;
}

const HOUR = 3600_000;
const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);
const CHANNELS = [
  { id: 'mail', kind: 'test' },
  { id: 'zap', kind: 'testchat' },
];

describeEachDatabase('ingest pipeline on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12, 0, 0);
  const clock = { now: () => now };
  let seq = 0;
  /** A unique tag per call keeps the tests of this shared app apart. */
  const uniq = (p: string) => `${p}-${++seq}`;

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: CHANNELS,
      database: kind,
      clock,
      config: { tickets: { reopenWindowHours: 24 } },
    });
  });
  afterAll(() => t?.stop());

  const ingest = (channelId: string, env: InboundEnvelopeInput) => t.context(channelId).ingest(env);
  const email = (externalId: string, from: string, over: Record<string, unknown> = {}): InboundEnvelopeInput => ({
    message: {
      externalId,
      from: { kind: 'email', address: from },
      subject: 'Pedido atrasado',
      text: 'Meu pedido não chegou.',
      ...over,
    } as any,
  });
  const db = () => t.app.database.kysely;
  const contactOf = async (k: string, address: string) =>
    (
      await db()
        .selectFrom('contact_identities')
        .select('contact_id')
        .where('kind', '=', k)
        .where('address', '=', address)
        .executeTakeFirst()
    )?.contact_id;

  test('outcomes: created, appended (by reference, by number, open chat ticket), duplicate, ignored; matchedBy on each', async () => {
    const from = `${uniq('ana')}@example.com`;
    const first = await ingest('mail', email(uniq('<m'), from));
    expect(first).toMatchObject({ status: 'created', matchedBy: 'new_ticket' });
    if (first.status !== 'created') throw new Error('unreachable');
    const n = first.ticketNumber;

    const byRef = await ingest(
      'mail',
      email(uniq('<m'), from, {
        subject: 'Re: Pedido atrasado',
        threadHints: { references: ['nope@x', (await t.getTicket(n)).messages[0]!.externalId] },
      }),
    );
    expect(byRef).toMatchObject({ status: 'appended', ticketNumber: n, matchedBy: 'thread_reference' });

    const byNumber = await ingest('mail', email(uniq('<m'), from, { subject: `Re: [#${n}] outra coisa` }));
    expect(byNumber).toMatchObject({ status: 'appended', ticketNumber: n, matchedBy: 'ticket_number' });

    const ext = uniq('<m');
    const again = await ingest('mail', email(ext, from));
    const dup = await ingest('mail', email(ext, from, { subject: 'anything else' }));
    expect(dup).toMatchObject({ status: 'duplicate', ticketNumber: again.status === 'created' ? again.ticketNumber : -1 });

    const ignored = await ingest('mail', {
      ...email(uniq('<m'), from),
      ignore: { reason: 'newsletter' },
      checkpoint: { key: 'uid', value: 42 },
    });
    expect(ignored).toEqual({ status: 'ignored', reason: 'newsletter' });
    expect(await t.context('mail').state.get('uid')).toBe(42);

    const jid = `55119${String(++seq).padStart(8, '0')}@s.whatsapp.net`;
    const c1 = await ingest('zap', { message: { externalId: uniq('w'), from: { kind: 'whatsapp', address: jid }, text: 'oi' } });
    const c2 = await ingest('zap', { message: { externalId: uniq('w'), from: { kind: 'whatsapp', address: jid }, text: 'tudo bem?' } });
    expect(c1).toMatchObject({ status: 'created', matchedBy: 'new_ticket' });
    expect(c2).toMatchObject({
      status: 'appended',
      matchedBy: 'open_ticket',
      ticketNumber: c1.status === 'created' ? c1.ticketNumber : -1,
    });

    const detail = await t.getTicket(n);
    expect(detail.messages.map((m: any) => m.matchedBy)).toEqual(['new_ticket', 'thread_reference', 'ticket_number']);
  });

  test('an idempotency key de-duplicates like the external id, even under another external id', async () => {
    const from = `${uniq('form')}@example.com`;
    const key = uniq('idem');
    const a = await ingest('mail', { ...email(uniq('<f'), from), idempotencyKey: key });
    const b = await ingest('mail', { ...email(uniq('<f'), from, { text: 'clicked twice' }), idempotencyKey: key });
    expect(a.status).toBe('created');
    expect(b).toMatchObject({
      status: 'duplicate',
      ticketNumber: a.status === 'created' ? a.ticketNumber : -1,
      messageId: a.status === 'created' ? a.messageId : '',
    });
    expect((await t.getTicket(a.status === 'created' ? a.ticketNumber : 0)).messages).toHaveLength(1);
  });

  test('contact identities: unique per (kind, address); email case folds; JID, LID and phone are one contact', async () => {
    const addr = `${uniq('Bia')}@Example.com`;
    await ingest('mail', email(uniq('<c'), addr));
    await ingest('mail', email(uniq('<c'), addr.toUpperCase()));
    const rows = await db()
      .selectFrom('contact_identities')
      .selectAll()
      .where('kind', '=', 'email')
      .where('address', '=', addr.toLowerCase())
      .execute();
    expect(rows).toHaveLength(1);

    // The database itself refuses a second owner of an identity.
    await expect(
      db()
        .insertInto('contact_identities')
        .values({
          id: '01J00000000000000000000000',
          contact_id: rows[0]!.contact_id,
          kind: 'email',
          address: addr.toLowerCase(),
          created_at: now,
        })
        .execute(),
    ).rejects.toHaveProperty('message', expect.stringMatching(UNIQUE_VIOLATION));

    const digits = `55219${String(++seq).padStart(8, '0')}`;
    const jid = `${digits}@s.whatsapp.net`;
    const lid = `${digits.slice(2)}77@lid`;
    const phone = `+${digits}`;
    await ingest('zap', {
      message: {
        externalId: uniq('w'),
        from: { kind: 'whatsapp', address: jid, displayName: 'Carla' },
        fromAliases: [
          { kind: 'whatsapp_lid', address: lid },
          { kind: 'phone', address: phone },
        ],
        proof: { level: 'channel' },
        text: 'oi',
      },
    });
    // Later messages arrive under only one of the identities.
    const viaLid = await ingest('zap', {
      message: { externalId: uniq('w'), from: { kind: 'whatsapp_lid', address: lid }, text: 'sou eu' },
    });
    const viaPhone = await ingest('mail', { message: { externalId: uniq('<p'), from: { kind: 'phone', address: phone }, text: 'sms?' } });
    const contact = await contactOf('whatsapp', jid);
    expect(contact).toBeDefined();
    expect(await contactOf('whatsapp_lid', lid)).toBe(contact);
    expect(await contactOf('phone', phone)).toBe(contact);
    expect(viaLid).toMatchObject({ status: 'appended', matchedBy: 'open_ticket' });
    const byPhone = await t.getTicket(viaPhone.status === 'created' ? viaPhone.ticketNumber : -1);
    expect(byPhone.requester.id).toBe(contact);
    expect((await db().selectFrom('contacts').select('name').where('id', '=', contact!).executeTakeFirstOrThrow()).name).toBe('Carla');
  });

  test('lookupAlso finds the Brazilian 12-digit form of a number without ever creating it', async () => {
    const n = String(++seq).padStart(4, '0');
    const old12 = `55318765${n}@s.whatsapp.net`; // registered before the ninth digit
    const new13 = `553198765${n}@s.whatsapp.net`;
    const first = await ingest('zap', { message: { externalId: uniq('w'), from: { kind: 'whatsapp', address: old12 }, text: 'oi' } });
    const owner = await contactOf('whatsapp', old12);
    const second = await ingest('zap', {
      message: {
        externalId: uniq('w'),
        from: { kind: 'whatsapp', address: new13 },
        lookupAlso: [{ kind: 'whatsapp', address: old12 }],
        text: 'mesmo número',
      },
    });
    expect(await contactOf('whatsapp', new13)).toBe(owner);
    expect(second).toMatchObject({ status: 'appended', ticketNumber: first.status === 'created' ? first.ticketNumber : -1 });

    // Nobody known under either form: only the sender's own form is created.
    const m = String(++seq).padStart(4, '0');
    const fresh13 = `554198765${m}@s.whatsapp.net`;
    const fresh12 = `55418765${m}@s.whatsapp.net`;
    await ingest('zap', {
      message: {
        externalId: uniq('w'),
        from: { kind: 'whatsapp', address: fresh13 },
        lookupAlso: [{ kind: 'whatsapp', address: fresh12 }],
        text: 'oi',
      },
    });
    expect(await contactOf('whatsapp', fresh13)).toBeDefined();
    expect(await contactOf('whatsapp', fresh12)).toBeUndefined();
  });

  test('closed tickets reopen within reopenWindowHours and get a linked follow-up after it; solved tickets reopen', async () => {
    const from = `${uniq('dora')}@example.com`;
    const created = await ingest('mail', email(uniq('<r'), from));
    if (created.status !== 'created') throw new Error('expected a ticket');
    const n = created.ticketNumber;
    const ref = (await t.getTicket(n)).messages[0]!.externalId;
    const reply = (over: Record<string, unknown> = {}) =>
      ingest('mail', email(uniq('<r'), from, { subject: 'Re: Pedido', threadHints: { references: [ref] }, ...over }));

    expect((await t.api('PATCH', `/api/tickets/${n}`, { status: 'closed' })).status).toBe(200);
    now += 23 * HOUR;
    expect(await reply()).toMatchObject({ status: 'appended', ticketNumber: n, matchedBy: 'thread_reference' });
    expect((await t.getTicket(n)).status).toBe('open');

    expect((await t.api('PATCH', `/api/tickets/${n}`, { status: 'closed' })).status).toBe(200);
    now += 25 * HOUR;
    const late = await reply();
    expect(late).toMatchObject({ status: 'created', matchedBy: 'follow_up' });
    const follow = await t.getTicket(late.status === 'created' ? late.ticketNumber : -1);
    expect(follow.followUpOf).toBe(created.ticketId);
    expect(follow.events.some((e: any) => e.type === 'follow_up' && e.from === created.ticketId)).toBe(true);
    expect((await t.getTicket(n)).status).toBe('closed');

    // Solved: any later customer message reopens, however late.
    expect((await t.api('PATCH', `/api/tickets/${follow.number}`, { status: 'solved' })).status).toBe(200);
    now += 1000 * HOUR;
    const followRef = follow.messages[0]!.externalId;
    expect(await reply({ threadHints: { references: [followRef] } })).toMatchObject({ status: 'appended', ticketNumber: follow.number });
    expect((await t.getTicket(follow.number)).status).toBe('open');
  });

  test('auto-replies and bounces are stored on the ticket but never change its status', async () => {
    const from = `${uniq('eva')}@example.com`;
    const created = await ingest('mail', email(uniq('<a'), from));
    if (created.status !== 'created') throw new Error('expected a ticket');
    const n = created.ticketNumber;
    const ref = (await t.getTicket(n)).messages[0]!.externalId;
    expect((await t.api('POST', `/api/tickets/${n}/replies`, { body: 'Olá, estamos vendo.' })).status).toBe(202);
    expect((await t.getTicket(n)).status).toBe('pending');

    for (const classification of ['auto_reply', 'bounce'] as const) {
      const r = await ingest(
        'mail',
        email(uniq('<a'), from, { subject: 'Automatic reply', classification, threadHints: { references: [ref] } }),
      );
      expect(r).toMatchObject({ status: 'appended', ticketNumber: n });
      expect((await t.getTicket(n)).status).toBe('pending');
    }
    expect((await t.api('PATCH', `/api/tickets/${n}`, { status: 'solved' })).status).toBe(200);
    await ingest('mail', email(uniq('<a'), from, { classification: 'auto_reply', threadHints: { references: [ref] } }));
    expect((await t.api('PATCH', `/api/tickets/${n}`, { status: 'closed' })).status).toBe(200);
    await ingest('mail', email(uniq('<a'), from, { classification: 'bounce', threadHints: { references: [ref] } }));
    const detail = await t.getTicket(n);
    expect(detail.status).toBe('closed');
    expect(detail.events.filter((e: any) => e.type === 'status').map((e: any) => e.actorType)).toEqual(['agent', 'agent', 'agent']);
    expect(detail.messages.filter((m: any) => m.classification !== 'customer').map((m: any) => m.classification)).toEqual([
      'auto_reply',
      'bounce',
      'auto_reply',
      'bounce',
    ]);

    // Without a ticket to land on, automatic mail opens nothing.
    const stray = await ingest('mail', email(uniq('<a'), `${uniq('mailer')}@example.com`, { classification: 'bounce' }));
    expect(stray).toEqual({ status: 'ignored', reason: 'bounce_without_ticket' });
  });

  test('an agent answering by email with #note adds an internal note that is never queued', async () => {
    const agentEmail = `${uniq('agente')}@loja.example`;
    const agent = await t.createAgent({ name: 'Agente', email: agentEmail });
    const created = await ingest('mail', email(uniq('<n'), `${uniq('fabi')}@example.com`));
    if (created.status !== 'created') throw new Error('expected a ticket');
    const n = created.ticketNumber;
    await t.drainOutbox();
    mail.outbox('mail').sent.length = 0;

    // The mail answers a notification sent to this agent: the channel found our per-agent token.
    const note = await ingest(
      'mail',
      email(uniq('<n'), agentEmail, {
        subject: `Re: [#${n}] Pedido atrasado`,
        text: '#note\ncliente VIP, priorizar',
        proof: { agentToken: { agentId: agent.id, ticketNumber: n } },
      }),
    );
    expect(note).toMatchObject({ status: 'appended', ticketNumber: n, asAgent: { agentId: agent.id, visibility: 'internal' } });
    const messageId = note.status === 'appended' ? note.messageId : '';
    expect(await db().selectFrom('outbox').select('id').where('message_id', '=', messageId).execute()).toEqual([]);
    await t.drainOutbox();
    expect(mail.outbox('mail').sent.filter((s) => s.text.includes('VIP'))).toEqual([]);
    const stored = (await t.getTicket(n)).messages.find((m: any) => m.id === messageId);
    expect(stored).toMatchObject({ visibility: 'internal', authorType: 'agent', authorAgentId: agent.id, text: 'cliente VIP, priorizar' });
    expect((await t.getTicket(n)).status).toBe('new');
  });

  test("unclaimed aliases: an unproven sender's second identity is a claim on the ticket, never an identity of anyone", async () => {
    const victimPhone = `+55119${String(++seq).padStart(8, '0')}`;
    const victim = await ingest('zap', {
      message: { externalId: uniq('w'), from: { kind: 'phone', address: victimPhone }, proof: { level: 'channel' }, text: 'meu pedido' },
    });
    if (victim.status !== 'created') throw new Error('expected a ticket');
    const strangerEmail = `${uniq('stranger')}@evil.example`;
    const r = await ingest(
      'mail',
      email(uniq('<s'), strangerEmail, {
        fromAliases: [{ kind: 'phone', address: victimPhone }],
        claims: [{ kind: 'phone', address: '+5511999990000' }],
      }),
    );
    if (r.status !== 'created') throw new Error('expected a new ticket for the stranger');
    expect(r.ticketNumber).not.toBe(victim.ticketNumber);
    // The victim's contact gained nothing; the stranger's contact holds only their own address.
    const victimContact = await contactOf('phone', victimPhone);
    expect(await contactOf('email', strangerEmail)).not.toBe(victimContact);
    const victimIds = await db()
      .selectFrom('contact_identities')
      .select(['kind', 'address'])
      .where('contact_id', '=', victimContact!)
      .execute();
    expect(victimIds).toEqual([{ kind: 'phone', address: victimPhone }]);
    const claims = await db()
      .selectFrom('ticket_claims')
      .select(['kind', 'address', 'linked_contact_id'])
      .where('ticket_id', '=', r.ticketId)
      .orderBy('address')
      .execute();
    expect(claims).toHaveLength(2);
    expect(claims).toEqual(
      expect.arrayContaining([
        { kind: 'phone', address: '+5511999990000', linked_contact_id: null },
        { kind: 'phone', address: victimPhone, linked_contact_id: null },
      ]),
    );
  });

  test('a forged From: of an agent (no token) is an unverified internal note: no relay, no command, no status change', async () => {
    const agentEmail = `${uniq('agente')}@loja.example`;
    const agent = await t.createAgent({ name: 'Agente', email: agentEmail });
    const created = await ingest('mail', email(uniq('<f'), `${uniq('cli')}@example.com`));
    if (created.status !== 'created') throw new Error('expected a ticket');
    const n = created.ticketNumber;
    await t.drainOutbox();
    mail.outbox('mail').sent.length = 0;

    const forged = await ingest(
      'mail',
      email(uniq('<f'), agentEmail, { subject: `Re: [#${n}] Pedido atrasado`, text: 'Pague a taxa em http://evil.example\n#solved' }),
    );
    expect(forged).toMatchObject({ status: 'appended', ticketNumber: n });
    expect(forged).not.toHaveProperty('asAgent');
    await t.drainOutbox();
    expect(mail.outbox('mail').sent.filter((s) => s.text.includes('evil.example'))).toEqual([]);
    const ticket = await t.getTicket(n);
    expect(ticket.status).toBe('new');
    const note = ticket.messages.find((m: any) => m.text.includes('evil.example'));
    expect(note).toMatchObject({
      visibility: 'internal',
      authorType: 'system',
      metadata: expect.objectContaining({ unverified: true, claimedAgentId: agent.id }),
    });

    // A token of another agent, or for another ticket, proves nothing either.
    const other = await t.createAgent({ name: 'Outro', email: `${uniq('outro')}@loja.example` });
    const wrongAgent = await ingest(
      'mail',
      email(uniq('<f'), agentEmail, {
        subject: `Re: [#${n}] x`,
        text: '#close',
        proof: { agentToken: { agentId: other.id, ticketNumber: n } },
      }),
    );
    expect(wrongAgent).not.toHaveProperty('asAgent');
    const wrongTicket = await ingest(
      'mail',
      email(uniq('<f'), agentEmail, {
        subject: `Re: [#${n}] x`,
        text: '#close',
        proof: { agentToken: { agentId: agent.id, ticketNumber: n + 999 } },
      }),
    );
    expect(wrongTicket).not.toHaveProperty('asAgent');
    const failedAuth = await ingest(
      'mail',
      email(uniq('<f'), agentEmail, {
        subject: `Re: [#${n}] x`,
        text: '#close',
        proof: { agentToken: { agentId: agent.id, ticketNumber: n }, authFailure: 'dmarc=fail' },
      }),
    );
    expect(failedAuth).not.toHaveProperty('asAgent');
    expect((await t.getTicket(n)).status).toBe('new');
  });

  test('a forged auto-reply quoting a customer thread is shown but opens the thread to nobody (sender or Cc)', async () => {
    const victim = `${uniq('vit')}@example.com`;
    const created = await ingest('mail', email(uniq('<v'), victim));
    if (created.status !== 'created') throw new Error('expected a ticket');
    const n = created.ticketNumber;
    const ref = (await t.getTicket(n)).messages[0]!.externalId;
    const attacker = `${uniq('att')}@evil.example`;
    const helper = `${uniq('cc')}@evil.example`;
    // Auto-Submitted mail holding the victim's Message-ID, with an accomplice in Cc.
    const bot = await ingest(
      'mail',
      email(uniq('<a'), attacker, {
        classification: 'auto_reply',
        threadHints: { references: [ref] },
        cc: [{ kind: 'email', address: helper }],
      }),
    );
    expect(bot).toMatchObject({ status: 'appended', ticketNumber: n });
    // Neither can now join the thread by number or reference as a person.
    for (const who of [attacker, helper]) {
      const probe = await ingest(
        'mail',
        email(uniq('<p'), who, { subject: `Re: [#${n}] Pedido atrasado`, text: 'qual o endereço?', threadHints: { references: [ref] } }),
      );
      expect(probe.status === 'appended' && probe.ticketNumber === n).toBe(false);
    }
    expect(await db().selectFrom('ticket_participants').select('contact_id').where('ticket_id', '=', created.ticketId).execute()).toEqual(
      [],
    );
  });

  test("an agent's out-of-office answering notifications is kept internal, never relayed", async () => {
    const agentEmail = `${uniq('agente')}@loja.example`;
    const agent = await t.createAgent({ name: 'Agente', email: agentEmail });
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await ingest('mail', email(uniq('<o'), `${uniq('cli')}@example.com`));
      if (created.status !== 'created') throw new Error('expected a ticket');
      const n = created.ticketNumber;
      // A plain subject and no Auto-Submitted: only the text says what it is (and it repeats).
      const ooo = await ingest(
        'mail',
        email(uniq('<o'), agentEmail, {
          subject: `Re: [#${n}] Pedido atrasado`,
          text:
            i === 0
              ? 'Estou de férias até 10/01, com acesso limitado ao e-mail. Abraços, Ana'
              : 'Volto dia 10. Em caso de urgência, ligue para a loja no número de sempre.',
          proof: { agentToken: { agentId: agent.id, ticketNumber: n } },
        }),
      );
      expect(ooo).toMatchObject({ status: 'appended', ticketNumber: n, asAgent: { visibility: i === 1 ? 'public' : 'internal' } });
      sent.push(String(n));
    }
    await t.drainOutbox();
    expect(mail.outbox('mail').sent.filter((s) => s.text.includes('férias'))).toEqual([]);
    // The second text was new (relayed once, an honest answer as far as we can tell); its repeat was not.
    expect(mail.outbox('mail').sent.filter((s) => s.text.includes('Volto dia 10'))).toHaveLength(1);
  });

  test('PATCH records an audit event for each status, priority and assignee change, with who', async () => {
    const created = await ingest('mail', email(uniq('<e'), `${uniq('gabi')}@example.com`));
    if (created.status !== 'created') throw new Error('expected a ticket');
    const n = created.ticketNumber;
    const agent = await t.createAgent({ name: 'Hugo', email: `${uniq('hugo')}@loja.example` });
    const r = await t.api('PATCH', `/api/tickets/${n}`, { status: 'open', priority: 'urgent', assignee: agent.id });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'open', priority: 'urgent', assigneeId: agent.id });
    now += 1000;
    await t.api('PATCH', `/api/tickets/${n}`, { assignee: null, priority: 'urgent' }, agent.token);
    const events = (await t.getTicket(n)).events.filter((e: any) => e.type !== 'created');
    expect(events).toEqual([
      expect.objectContaining({ type: 'status', from: 'new', to: 'open', actorType: 'agent', actorId: t.adminId }),
      expect.objectContaining({ type: 'priority', from: 'normal', to: 'urgent', actorType: 'agent', actorId: t.adminId }),
      expect.objectContaining({ type: 'assignee', from: null, to: agent.id, actorType: 'agent', actorId: t.adminId }),
      // An unchanged priority records nothing.
      expect.objectContaining({ type: 'assignee', from: agent.id, to: null, actorType: 'agent', actorId: agent.id, at: now }),
    ]);
  });

  test('a failure mid-transaction leaves nothing written, and the redelivery succeeds', async () => {
    const before = await rowCounts(db());
    const stateBefore = await t.context('mail').state.get('cursor');
    const counter = await db().selectFrom('counters').select('value').where('name', '=', 'ticket_number').executeTakeFirst();
    let calls = 0;
    const loaded = parseConfig(
      {
        database: { driver: 'sqlite', path: ':memory:' },
        security: { secret: 'test-secret-0123456789abcdef' },
        tickets: { reopenWindowHours: 24 },
        channels: CHANNELS,
      },
      { env: {}, definitions: [mail.definition, chat.definition] },
    );
    // The same pipeline over the same database, with a follow-up listener that fails once, after the
    // ticket, message, participant, receipt and events are written.
    const events = createTicketEvents();
    events.on('message.received', () => {
      calls++;
      throw new Error('injected failure');
    });
    const failing = createIngest({
      database: t.app.database,
      clock,
      config: loaded.config,
      channels: t.app.channels,
      events,
      logger: pino({ level: 'silent' }),
      sanitizeHtml: sanitizeEmailHtml,
      rawPayloads: { blobs: t.app.blobs, inlineMaxBytes: loaded.config.storage.inlineMaxBytes },
    });
    const env = {
      ...email(uniq('<x'), `${uniq('ines')}@example.com`, {
        html: '<p>Meu <b>pedido</b></p>',
        attachments: [{ blobKey: 'a'.repeat(64), filename: 'nota.pdf', contentType: 'application/pdf', size: 10 }],
      }),
      checkpoint: { key: 'cursor', value: { uid: 77 } },
    };
    // The raw payload handed over with the message is written in the message's transaction.
    const raw = Buffer.from(`raw of ${env.message.externalId}`);
    const rawKey = createHash('sha256').update(raw).digest('hex');
    await expect(failing('mail', env, { raw })).rejects.toThrow('injected failure');
    expect(calls).toBe(1);
    expect(await rowCounts(db())).toEqual(before);
    expect(await t.context('mail').state.get('cursor')).toEqual(stateBefore);
    expect(await t.app.blobs.exists(rawKey)).toBe(false);

    const redelivered = await t.context('mail').ingest(env, { raw });
    expect(redelivered).toMatchObject({ status: 'created', ticketNumber: Number(counter?.value ?? 10000) + 1 });
    expect(await t.context('mail').state.get('cursor')).toEqual({ uid: 77 });
    const after = await rowCounts(db());
    expect(after.tickets).toBe(before.tickets! + 1);
    expect(after.messages).toBeGreaterThanOrEqual(before.messages! + 1);
    expect(after.attachments).toBe(before.attachments! + 1);
    expect(after.inbound_receipts).toBe(before.inbound_receipts! + 1);
    expect(after.blob_objects).toBe(before.blob_objects! + 1);
    const stored = await db().selectFrom('messages').select('raw_key').where('external_id', '=', env.message.externalId).executeTakeFirst();
    expect(stored?.raw_key).toBe(rawKey);
    expect((await t.app.blobs.read(rawKey)).toString()).toBe(raw.toString());
    expect(await ingest('mail', env)).toMatchObject({
      status: 'duplicate',
      ticketNumber: redelivered.status === 'created' ? redelivered.ticketNumber : -1,
    });
  });

  test('a raw payload over storage.inlineMaxBytes goes to the blob store, named by the message', async () => {
    const raw = Buffer.from(`${uniq('big raw')} ${'x'.repeat(20_000)}`);
    const before = await rowCounts(db());
    const env = email(uniq('<bigraw'), `${uniq('bigraw')}@example.com`);
    const r = await t.context('mail').ingest(env, { raw });
    expect(r.status).toBe('created');
    const stored = await db()
      .selectFrom('messages')
      .select('raw_key')
      .where('external_id', '=', (env.message as { externalId: string }).externalId)
      .executeTakeFirst();
    expect(stored?.raw_key).toBe(createHash('sha256').update(raw).digest('hex'));
    expect((await t.app.blobs.read(stored!.raw_key!)).equals(raw)).toBe(true);
    expect((await rowCounts(db())).blob_objects).toBe(before.blob_objects);
  });

  test('NUL characters from a broken mailer are stored (as U+FFFD) on every database, and redelivery is still a duplicate', async () => {
    const env = email(uniq('<nul\u0000'), `${uniq('nul')}@example.com`, {
      subject: 'a\u0000b',
      text: 'linha\u0000com NUL',
      replyText: 'x\u0000',
      from: { kind: 'email', address: `${uniq('nul')}@example.com`, displayName: 'N\u0000' },
    });
    const r = await ingest('mail', env);
    expect(r.status).toBe('created');
    const detail = await t.getTicket(r.status === 'created' ? r.ticketNumber : -1);
    expect(detail.messages[0]).toMatchObject({ text: 'linha\ufffdcom NUL', subject: 'a\ufffdb' });
    expect(await ingest('mail', env)).toMatchObject({ status: 'duplicate' });
  });

  test('an invalid envelope is refused with field paths and writes nothing', async () => {
    const before = await rowCounts(db());
    await expect(ingest('mail', { message: { externalId: '', from: { kind: 'fax', address: 'x' } } } as any)).rejects.toMatchObject({
      code: 'validation_failed',
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'message.externalId' }),
        expect.objectContaining({ path: 'message.from.kind' }),
      ]),
    });
    expect(await rowCounts(db())).toEqual(before);
  });
});

describeEachDatabase('ticket numbers under concurrent writers on %s', (kind) => {
  test('50 concurrent ingests get 50 distinct consecutive numbers (PostgreSQL: two app instances on one database)', async () => {
    const scratch = await scratchDatabase(kind);
    await scratch.database.destroy();
    const apps: TestApp[] = [];
    try {
      const instances = kind === 'postgres' ? 2 : 1;
      for (let i = 0; i < instances; i++) {
        apps.push(
          await startTestApp({
            definitions: [mail.definition],
            channels: [{ id: 'mail', kind: 'test' }],
            config: { database: scratch.config },
          }),
        );
      }
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          apps[i % apps.length]!.context('mail').ingest({
            message: { externalId: `<c${i}@x>`, from: { kind: 'email', address: `c${i}@example.com` }, subject: `Pedido ${i}`, text: 'oi' },
          }),
        ),
      );
      const numbers = outcomes.map((o) => (o.status === 'created' ? o.ticketNumber : -1)).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => 10001 + i));
      const rows = await apps[0]!.app.database.kysely.selectFrom('tickets').select('number').execute();
      expect(new Set(rows.map((r) => Number(r.number))).size).toBe(50);
    } finally {
      for (const a of apps) await a.stop();
      await scratch.drop();
    }
  });
});
