/**
 * Contacts by proof: what a sender typed but no channel proved is a claim on the ticket
 * (searchable, shown), never an identity of anyone; the person proves it with a one-time code.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describeEachDatabase('claims and one-time codes on %s', (kind) => {
  let t: TestApp;
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);
  let seq = 0;
  const uniq = (p: string) => `${p}-${++seq}`;
  const phone = () => `+55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
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
  /** A public form post as the web form adapter sends it: email as `from`, the typed phone as a claim. */
  const formPost = (email: string, claimedPhone: string, text: string) =>
    t.context('mail').ingest({
      message: {
        externalId: uniq('form'),
        from: { kind: 'email', address: email },
        claims: [{ kind: 'phone', address: claimedPhone }],
        subject: 'Troca',
        text,
      },
    });
  const whatsapp = (from: string, text: string) =>
    t
      .context('zap')
      .ingest({ message: { externalId: uniq('wa'), from: { kind: 'phone', address: from }, proof: { level: 'channel' }, text } });

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
      database: kind,
      clock: { now: () => now },
    });
  });
  afterAll(() => t?.stop());

  test('a claim is shown and searchable on its ticket, and never an identity', async () => {
    const typed = phone();
    const r = await formPost(`${uniq('ana')}@example.com`, typed, 'Quero trocar o tamanho');
    if (r.status !== 'created') throw new Error('expected a ticket');
    const ticket = (await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body;
    expect(ticket.claims).toEqual([expect.objectContaining({ kind: 'phone', address: typed, linkedAt: null })]);
    expect(ticket.requester.identities.map((i: any) => i.kind)).toEqual(['email']);
    expect(await contactOf('phone', typed)).toBeUndefined();
    const found = await t.api('GET', `/api/tickets?q=${encodeURIComponent(typed.slice(3))}`);
    expect(found.status).toBe(200);
    expect(found.body.tickets.map((x: any) => x.number)).toContain(r.ticketNumber);
  });

  /** The code the requester got (by email: their form's address) for this ticket. */
  const codeMailedTo = (address: string) =>
    /(?<!\d)(\d{6})(?!\d)/.exec(
      mail
        .outbox('mail')
        .sent.filter((m) => m.recipient.address === address)
        .at(-1)!.text,
    )![1]!;

  test('the requester proves the phone they typed: the code mailed to them comes back from that phone', async () => {
    const typed = phone();
    const email = `${uniq('bia')}@example.com`;
    const r = await formPost(email, typed, 'Meu pedido veio errado');
    if (r.status !== 'created') throw new Error('expected a ticket');
    const claimId = (await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body.claims[0].id;
    const sent = await t.api('POST', `/api/tickets/${r.ticketNumber}/claims/${claimId}/verify`);
    expect(sent).toMatchObject({ status: 202, body: { sent: true, channel: 'mail', to: email } });
    await t.drainOutbox();
    const code = codeMailedTo(email);
    expect(mail.outbox('mail').sent.at(-1)!.text).toContain(typed);

    // A wrong code from the phone proves nothing: the phone holder's own ticket.
    const wrong = await whatsapp(typed, String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    expect(wrong).toMatchObject({ status: 'created' });
    // The right one links the phone to the requester and lands on the ticket.
    const right = await t.context('zap').ingest({
      message: {
        externalId: uniq('wa'),
        from: { kind: 'whatsapp', address: `${typed.slice(1)}@s.whatsapp.net` },
        fromAliases: [{ kind: 'phone', address: typed }],
        proof: { level: 'channel' },
        text: `código ${code}`,
      },
    });
    expect(right).toMatchObject({ status: 'appended', ticketNumber: r.ticketNumber, matchedBy: 'signed_token' });
    expect(await contactOf('whatsapp', `${typed.slice(1)}@s.whatsapp.net`)).toBe(await contactOf('email', email));
    const ticket = (await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body;
    expect(ticket.claims[0]).toMatchObject({ linkedBy: 'one_time_code', linkedContactId: ticket.requester.id });
    expect(ticket.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['claim_code_sent', 'claim_proven']));
  });

  test("a stranger typing a customer's email beside their own phone cannot prove the phone onto that customer", async () => {
    const victimEmail = `${uniq('victim')}@example.com`;
    const first = await t.context('mail').ingest({
      message: {
        externalId: uniq('m'),
        from: { kind: 'email', address: victimEmail },
        subject: 'Pedido 1',
        text: 'Meu endereço é Rua X, 10',
      },
    });
    if (first.status !== 'created') throw new Error('expected a ticket');
    const strangerPhone = phone();
    const r = await formPost(victimEmail, strangerPhone, 'troca');
    if (r.status !== 'created') throw new Error('expected a ticket');
    const claimId = (await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body.claims[0].id;
    await t.api('POST', `/api/tickets/${r.ticketNumber}/claims/${claimId}/verify`);
    await t.drainOutbox();
    // The code went to the victim's mailbox; the stranger never sees it and guesses.
    expect(mail.outbox('mail').sent.at(-1)!.recipient.address).toBe(victimEmail);
    for (let i = 0; i < 6; i++) await whatsapp(strangerPhone, String(100000 + i));
    expect(await contactOf('phone', strangerPhone)).not.toBe(await contactOf('email', victimEmail));
    expect((await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body.claims[0].linkedAt).toBeNull();
    // Typing the victim's ticket number from the stranger's phone gives the stranger their own ticket.
    const probe = await whatsapp(strangerPhone, `#${first.ticketNumber} qual o endereço?`);
    expect(probe.status === 'appended' && probe.ticketNumber === first.ticketNumber).toBe(false);
  });

  test('a code from an unproven sender (a mail From:) links nothing; five wrong codes void it', async () => {
    const typed = phone();
    const email = `${uniq('caio')}@example.com`;
    const r = await formPost(email, typed, 'x');
    if (r.status !== 'created') throw new Error('expected a ticket');
    const claimId = (await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body.claims[0].id;
    await t.api('POST', `/api/tickets/${r.ticketNumber}/claims/${claimId}/verify`);
    await t.drainOutbox();
    const code = codeMailedTo(email);
    // The phone typed as an email-less "from" over a channel that proves nothing.
    await t.context('mail').ingest({ message: { externalId: uniq('m'), from: { kind: 'phone', address: typed }, text: code } });
    expect((await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body.claims[0].linkedAt).toBeNull();
    for (let i = 1; i <= 5; i++) await whatsapp(typed, String((Number(code) + i) % 1_000_000).padStart(6, '0'));
    const late = await whatsapp(typed, code);
    expect(late.status === 'appended' && late.ticketNumber === r.ticketNumber).toBe(false);
    expect((await t.api('GET', `/api/tickets/${r.ticketNumber}`)).body.claims[0].linkedAt).toBeNull();
    expect((await t.api('POST', `/api/tickets/${r.ticketNumber}/claims/01J0000000000000000000000X/verify`)).status).toBe(404);
  });
});
