/** The inbox and ticket pages over HTTP: views, order, paging, searches (proven and claimed), claim linking. */
import { describeEachDatabase } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword } from './browser-harness.js';
import { consoleClient, type ConsoleClient } from './console-http.js';

const numbers = (page: string) => [...page.matchAll(/<tr class="ticket-row[^"]*" data-number="(\d+)"/g)].map((m) => Number(m[1]));

describeEachDatabase('console inbox and ticket page (%s)', (kind) => {
  const mail = createTestChannelDefinition('test', 'email');
  let t: TestApp;
  let c: ConsoleClient;
  let now = Date.parse('2026-11-30T12:00:00Z');
  beforeEach(async () => {
    now = Date.parse('2026-11-30T12:00:00Z');
    t = await startTestApp({
      database: kind,
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      clock: { now: () => now },
      config: { businessHours: { sla: { firstResponseHours: 2 } } },
    });
    await givePassword(t.app.database.kysely, t.adminId, 'admin-password-1');
    c = consoleClient(t.baseUrl);
    await c.get('/login');
    expect((await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1' })).status).toBe(303);
  });
  afterEach(() => t.stop());

  const customer = (i: number, over: Record<string, unknown> = {}) => {
    now += 60_000;
    return t.context('mail').ingest({
      message: {
        externalId: `m${i}`,
        from: { kind: 'email', address: `c${i}@example.com`, displayName: `Cliente ${i}` },
        subject: `Assunto ${i}`,
        text: `Texto ${i}`,
        ...over,
      } as never,
    });
  };

  test('a custom-field filter finds the exact value (through the fields index), not a longer one that starts the same', async () => {
    for (let i = 1; i <= 4; i++) await customer(i);
    const set = async (n: number, fields: Record<string, string>) =>
      expect((await t.api('PATCH', `/api/tickets/${n}`, { fields })).status).toBe(200);
    await set(10001, { cpf: '123.456.789-09' });
    await set(10002, { order_id: 'PED-20931' });
    await set(10003, { order_id: 'PED-209', loja: 'São Paulo' });
    const filter = async (f: string) => numbers((await c.get(`/?view=all&field=${encodeURIComponent(f)}`)).text);
    expect(await filter('order_id:PED-20931')).toEqual([10002]);
    expect(await filter('order_id:PED-209')).toEqual([10003]);
    expect(await filter('cpf:123.456.789-09')).toEqual([10001]);
    expect(await filter('loja:São Paulo')).toEqual([10003]);
    expect(await filter('loja:Sao Paulo')).toEqual([]);
    expect(await filter('cpf:PED-20931')).toEqual([]);
    // FTS and SQL syntax typed as a value is only words to look up: nothing more is found, nothing breaks.
    expect(await filter('order_id:PED" OR 1=1 --')).toEqual([]);
    expect(await filter('order_id:PED* NEAR(209)')).toEqual([]);
    expect(await filter('order_id:%')).toEqual([]);
    // Only punctuation in the value: no words to look up, the plain scan still answers.
    await set(10004, { marca: '-' });
    expect(await filter('marca:-')).toEqual([10004]);
  });

  test('views split by status and assignee; last activity first; a reply moves a ticket to "awaiting the customer"', async () => {
    for (let i = 1; i <= 4; i++) await customer(i);
    expect(numbers((await c.get('/?view=open')).text)).toEqual([10004, 10003, 10002, 10001]);
    now += 60_000;
    expect((await t.api('POST', '/api/tickets/10002/replies', { body: 'Olá' })).status).toBe(202);
    expect((await t.api('PATCH', '/api/tickets/10003', { assignee: t.adminId })).status).toBe(200);
    expect(numbers((await c.get('/?view=open')).text)).toEqual([10003, 10004, 10001]);
    expect(numbers((await c.get('/?view=pending')).text)).toEqual([10002]);
    expect(numbers((await c.get('/?view=mine')).text)).toEqual([10003]);
    expect(numbers((await c.get('/?view=unassigned')).text)).toEqual([10004, 10001]);
    expect(numbers((await c.get('/?view=all&sort=created')).text)).toEqual([10004, 10003, 10002, 10001]);
    // Unread until opened by this agent.
    expect((await c.get('/?view=open')).text).toMatch(/class="ticket-row unread" data-number="10004"/);
    await c.get('/tickets/10004');
    expect((await c.get('/?view=open')).text).toMatch(/class="ticket-row" data-number="10004"/);
  });

  test('SLA order shows the earliest due first, overdue in red; paging walks every ticket once', async () => {
    for (let i = 1; i <= 55; i++) await customer(i);
    now += 3 * 3600_000;
    const first = await c.get('/?view=open&sort=due');
    expect(numbers(first.text).slice(0, 3)).toEqual([10001, 10002, 10003]);
    expect(first.text).toContain('class="overdue"');
    // The SLA overview counts the same tickets (both due indexes, on each database).
    const sla = await c.get('/admin/sla');
    expect(sla.text).toMatch(/<dd>55<\/dd>/);
    expect(sla.text).toContain('<a class="overdue" href="/?view=open&amp;sort=due">55</a>');
    const next = /href="\/\?([^"]*cursor=[^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const second = await c.get(`/?${next}`);
    expect(numbers(second.text)).toEqual([10051, 10052, 10053, 10054, 10055]);
    const byActivity = await c.get('/?view=open');
    expect(numbers(byActivity.text)).toHaveLength(50);
    const more = /href="\/\?([^"]*cursor=[^"]+)"/.exec(byActivity.text)![1]!.replace(/&amp;/g, '&');
    expect(numbers((await c.get(`/?${more}`)).text)).toEqual([10005, 10004, 10003, 10002, 10001]);
  });

  test('search: #number, words, a proven email, and a phone that was only claimed', async () => {
    await customer(1, { subject: 'Troca de tamanho' });
    await customer(2, { text: 'O boleto venceu ontem', claims: [{ kind: 'phone', address: '+5511987654321' }] });
    await customer(3);
    expect(numbers((await c.get('/?view=all&q=%2310003')).text)).toEqual([10003]);
    expect(numbers((await c.get('/?view=all&q=tamanho')).text)).toEqual([10001]);
    expect(numbers((await c.get('/?view=all&q=BOLETO')).text)).toEqual([10002]);
    expect(numbers((await c.get('/?view=all&q=c3%40example.com')).text)).toEqual([10003]);
    expect(numbers((await c.get('/?view=all&q=%2B55+11+98765-4321')).text)).toEqual([10002]);
    expect(numbers((await c.get('/?view=all&q=nobody%40example.com')).text)).toEqual([]);
  });

  test('a claimed phone is shown as a claim; an agent links it with evidence and it becomes a proven identity', async () => {
    await customer(1, { claims: [{ kind: 'phone', address: '+5511987654321' }] });
    const page = await c.get('/tickets/10001');
    const claims = page.text.slice(page.text.indexOf('class="claims"'));
    expect(claims).toContain('+5511987654321');
    const action = /action="(\/tickets\/10001\/claims\/[0-9A-Z]+\/link)"/.exec(page.text)![1]!;
    expect((await c.post(action, { evidence: '' })).status).toBe(400);
    expect((await c.post(action, { evidence: 'she confirmed by phone call' })).status).toBe(303);
    const after = await c.get('/tickets/10001');
    const proven = after.text.slice(
      after.text.indexOf('class="identities"'),
      after.text.indexOf('</ul>', after.text.indexOf('class="identities"')),
    );
    expect(proven).toContain('+5511987654321');
    expect(after.text).not.toContain('class="claims"');
  });

  test('requester panel: a merge into the requester is undone, and a wrong identity is unlinked, each audited', async () => {
    await customer(1);
    await customer(2, { claims: [{ kind: 'email', address: 'c1@example.com' }] });
    const page = await c.get('/tickets/10002');
    const action = /action="(\/tickets\/10002\/claims\/[0-9A-Z]+\/link)"/.exec(page.text)![1]!;
    const conflict = await c.post(action, { evidence: 'same person, confirmed by phone' });
    expect(conflict.status).toBe(409);
    const from = /name="from" value="([0-9A-Z]{26})"/.exec(conflict.text)![1]!;
    // A forged form naming a contact nobody claimed on this ticket merges nothing.
    await customer(3);
    const db = t.app.database.kysely;
    const stranger = (await db.selectFrom('tickets').select('requester_id').where('number', '=', 10003).executeTakeFirstOrThrow())
      .requester_id;
    const forged = await c.post('/tickets/10002/merge', { from: stranger, evidence: 'trust me' });
    expect(forged.status).toBe(409);
    expect(forged.text).toContain('Só dá para mesclar daqui o contato dono de uma identidade declarada neste ticket.');
    expect(await db.selectFrom('contact_merges').select('id').execute()).toEqual([]);
    expect((await c.post('/tickets/10002/merge', { from, evidence: 'same person, confirmed by phone' })).status).toBe(303);
    const merged = await c.get('/tickets/10002');
    expect(merged.text).toContain('Mesclados neste contato');
    const undo = /action="(\/tickets\/10002\/merges\/[0-9A-Z]{26}\/undo)"/.exec(merged.text)![1]!;
    const undone = await c.post(undo, {});
    expect(undone.status).toBe(303);
    expect(undone.headers.get('location')).toBe('/tickets/10002?m=undone');
    const after = await c.get('/tickets/10002?m=undone');
    expect(after.text).toContain('Mesclagem desfeita.');
    const proven = (text: string) =>
      text.slice(text.indexOf('class="identities"'), text.indexOf('</ul>', text.indexOf('class="identities"')));
    expect(proven(after.text)).not.toContain('c1@example.com');
    expect(after.text).not.toContain('Mesclados neste contato');
    expect(proven((await c.get('/tickets/10001')).text)).toContain('c1@example.com');
    // A second undo of the same merge is refused.
    expect((await c.post(undo, {})).status).toBe(409);

    expect((await c.post('/tickets/10001/identities/unlink', { kind: 'email', address: 'c1@example.com', evidence: '' })).status).toBe(400);
    expect(
      (await c.post('/tickets/10002/identities/unlink', { kind: 'email', address: 'c1@example.com', evidence: 'not theirs' })).status,
    ).toBe(404);
    const unlinked = await c.post('/tickets/10001/identities/unlink', {
      kind: 'email',
      address: 'c1@example.com',
      evidence: 'typo by the agent',
    });
    expect(unlinked.status).toBe(303);
    expect(proven((await c.get('/tickets/10001')).text)).not.toContain('c1@example.com');
    const audit = await t.app.database.kysely.selectFrom('audit_log').select('action').orderBy('id').execute();
    expect(audit.map((a) => a.action).filter((a) => a.startsWith('contact.'))).toEqual([
      'contact.merged',
      'contact.merge_undone',
      'contact.identity_unlinked',
    ]);
  });

  test('the properties form changes assignee, priority, category and reference, each in the history; an unknown assignee is refused', async () => {
    await customer(1);
    await c.get('/tickets/10001');
    expect(
      (
        await c.post('/tickets/10001/props', {
          status: 'open',
          assignee: t.adminId,
          priority: 'high',
          category: 'entrega',
          reference: 'PED-1',
        })
      ).status,
    ).toBe(303);
    const page = await c.get('/tickets/10001');
    expect(page.text).toMatch(/<option value="high" selected>/);
    expect(page.text).toContain('entrega');
    const history = page.text.slice(page.text.indexOf('class="audit"'));
    expect(history).toContain('priority: normal → high');
    expect(history).toContain('assignee: — → Admin');
    expect(numbers((await c.get('/?view=all&reference=PED-1')).text)).toEqual([10001]);
    expect((await c.post('/tickets/10001/props', { assignee: '01ZZZZZZZZZZZZZZZZZZZZZZZZ' })).status).toBe(409);
    // The same rule as the API's PATCH: a disabled agent cannot be given a ticket.
    const bia = await t.api('POST', '/api/agents', { name: 'Bia', email: 'bia@loja.example' });
    expect(bia.status).toBe(201);
    const biaId = (bia.body as { agent: { id: string } }).agent.id;
    expect((await t.api('POST', `/api/agents/${biaId}/disable`, {})).status).toBe(200);
    const refused = await c.post('/tickets/10001/props', { assignee: biaId });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('this agent is disabled');
    expect((await t.api('GET', '/api/tickets/10001')).body).toMatchObject({ assigneeId: t.adminId });
  });
});
