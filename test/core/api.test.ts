/**
 * The agent REST API over real HTTP, on SQLite and PostgreSQL: list filters, cursor pagination,
 * the thread with attachments, downloads, PATCH transitions, and the error statuses (400 with
 * field paths, 401, 403, 404, 409), the OpenAPI document and /healthz.
 */
import { createApiRouter } from '../../src/http/api-router.js';
import { createTicketEvents } from '../../src/tickets/ticket-events.js';
import { parseConfig } from '../../src/config/loader.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const DAY = 24 * 3600_000;
const DAY1 = Date.UTC(2026, 9, 1, 12);
const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);
const FILLERS = 25;
const PDF = Buffer.from('%PDF-1.4\n% nota fiscal 10482\n%%EOF\n', 'utf8');

describeEachDatabase('agent API on %s', (kind) => {
  let t: TestApp;
  let now = DAY1;
  const clock = { now: () => now };
  const n: Record<'maria' | 'zap' | 'joao', number> = { maria: 0, zap: 0, joao: 0 };
  let agent: { id: string; token: string };
  let all: number[] = [];

  const numberOf = (o: { status: string; ticketNumber?: number }) => {
    if (o.status !== 'created') throw new Error(`expected a new ticket, got ${o.status}`);
    return o.ticketNumber!;
  };
  const list = async (query: string) => {
    const r = await t.api('GET', `/api/tickets?${query}`);
    if (r.status !== 200) throw new Error(`GET /api/tickets?${query} -> ${r.status} ${JSON.stringify(r.body)}`);
    return (r.body.tickets as Array<{ number: number }>).map((x) => x.number).sort((a, b) => a - b);
  };

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
      database: kind,
      clock,
    });
    agent = await t.createAgent({ name: 'Ana', email: 'ana@loja.example' });
    const blob = await t.context('mail').blobs.put(PDF);
    n.maria = numberOf(
      await t.context('mail').ingest({
        message: {
          externalId: '<maria-1@example.com>',
          from: { kind: 'email', address: 'Maria@Example.com', displayName: 'Maria Souza' },
          subject: 'Pedido 10482 atrasado',
          text: 'Meu pedido não chegou. Segue a nota.',
          attachments: [{ blobKey: blob.key, filename: 'nota fiscal.pdf', contentType: 'application/pdf', size: blob.size }],
          ticketFields: { category: 'entrega', reference: 'PED-10482', priority: 'high', customFields: { loja: 'centro', canal: 'site' } },
        },
      }),
    );
    now = DAY1 + DAY;
    n.zap = numberOf(
      await t.context('zap').ingest({
        message: {
          externalId: 'wa-1',
          from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
          fromAliases: [{ kind: 'phone', address: '+5511987654321' }],
          text: 'Quero trocar o tamanho',
        },
      }),
    );
    now = DAY1 + 2 * DAY;
    n.joao = numberOf(
      await t.context('mail').ingest({
        message: {
          externalId: '<joao-1@example.com>',
          from: { kind: 'email', address: 'joao@example.com' },
          subject: 'Nota fiscal',
          text: 'O boleto_vencido 100% não abre',
        },
      }),
    );
    now = DAY1 + 3 * DAY;
    for (let i = 0; i < FILLERS; i++) {
      now += 1000;
      await t.context('mail').ingest({
        message: {
          externalId: `<filler-${i}@example.com>`,
          from: { kind: 'email', address: `filler${i}@example.com` },
          subject: `Dúvida ${i}`,
          text: 'Uma pergunta',
        },
      });
    }
    expect((await t.api('PATCH', `/api/tickets/${n.maria}`, { assignee: agent.id })).status).toBe(200);
    expect((await t.api('PATCH', `/api/tickets/${n.joao}`, { status: 'solved' })).status).toBe(200);
    // An SLA due date in the past (automation sets these; here it is set directly).
    await t.app.database.kysely
      .updateTable('tickets')
      .set({ first_response_due_at: now - 1 })
      .where('number', '=', n.zap)
      .execute();
    all = await list('limit=200');
  });
  afterAll(() => t?.stop());

  test('the seed is what the filters below assume', () => {
    expect(all).toHaveLength(3 + FILLERS);
  });

  test.each([
    ['status=solved', ['joao']],
    ['channel=zap', ['zap']],
    ['requester=maria@example.com', ['maria']],
    ['requester=MARIA%40EXAMPLE.COM', ['maria']],
    ['requester=%2B55%2011%2098765-4321', ['zap']],
    ['requester=5511987654321', ['zap']],
    ['requester=nobody@example.com', []],
    ['priority=high', ['maria']],
    ['priority=low,urgent', []],
    ['category=entrega', ['maria']],
    ['reference=PED-10482', ['maria']],
    ['field=loja:centro', ['maria']],
    ['field=canal:site', ['maria']],
    ['field=loja:norte', []],
    ['field=lo%25:%25', []],
    ['q=boleto_vencido', ['joao']],
    ['q=100%25', ['joao']],
    ['q=PEDIDO%2010482', ['maria']],
    ['q=trocar', ['zap']],
    ['overdue=true', ['zap']],
    [`createdFrom=${DAY1 + DAY - 1}&createdTo=${DAY1 + DAY + 1}`, ['zap']],
    [
      `createdFrom=${new Date(DAY1 + 2 * DAY - 60_000).toISOString()}&createdTo=${new Date(DAY1 + 2 * DAY + 60_000).toISOString()}`,
      ['joao'],
    ],
    [`createdTo=2026-10-02`, ['maria']],
  ] as const)('GET /api/tickets?%s', async (query, expected) => {
    expect(await list(query)).toEqual(expected.map((k) => n[k]).sort((a, b) => a - b));
  });

  test('filters: status lists, assignee by id and "none"', async () => {
    const open = await list('status=new,open,pending&limit=200');
    expect(open).toContain(n.maria);
    expect(open).not.toContain(n.joao);
    expect(await list(`assignee=${agent.id}`)).toEqual([n.maria]);
    const none = await list('assignee=none&limit=200');
    expect(none).toHaveLength(all.length - 1);
    expect(none).not.toContain(n.maria);
  });

  test('cursor pagination walks every ticket once, newest first, with no gaps', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await t.api('GET', `/api/tickets?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.tickets.length).toBeLessThanOrEqual(7);
      seen.push(...r.body.tickets.map((x: { number: number }) => x.number));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(all);
    // Newest first: ticket numbers grow with time here.
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    // Filters and cursors combine.
    const first = await t.api('GET', '/api/tickets?status=new&limit=2');
    const second = await t.api('GET', `/api/tickets?status=new&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.tickets.every((x: { status: string }) => x.status === 'new')).toBe(true);
    expect(second.body.tickets.map((x: { number: number }) => x.number)).not.toContain(first.body.tickets[0].number);
  });

  test('GET /api/tickets/:number has the thread, attachments and events; the attachment streams its bytes', async () => {
    await t.api('POST', `/api/tickets/${n.maria}/replies`, { body: 'Olá Maria, verificando.' });
    const r = await t.api('GET', `/api/tickets/${n.maria}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      number: n.maria,
      subject: 'Pedido 10482 atrasado',
      category: 'entrega',
      reference: 'PED-10482',
      priority: 'high',
      customFields: { loja: 'centro', canal: 'site' },
      assigneeId: agent.id,
      requester: { name: 'Maria Souza', identities: [{ kind: 'email', address: 'maria@example.com' }] },
    });
    expect(r.body.messages.map((m: any) => [m.direction, m.authorType, m.visibility])).toEqual([
      ['in', 'customer', 'public'],
      ['out', 'agent', 'public'],
    ]);
    const [att] = r.body.messages[0].attachments;
    expect(att).toMatchObject({
      filename: 'nota fiscal.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
      url: `/api/attachments/${att.id}`,
    });
    expect(r.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['created', 'assignee', 'status']));

    const res = await fetch(t.baseUrl + att.url, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''nota%20fiscal.pdf");
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
    const anonymous = await fetch(t.baseUrl + att.url);
    expect(anonymous.status).toBe(401);
  });

  test('PATCH walks the status transitions; closed is final (409); nothing goes back to new', async () => {
    const id = numberOf(
      await t.context('mail').ingest({
        message: { externalId: '<patch-1@x>', from: { kind: 'email', address: 'patch@example.com' }, subject: 'status', text: 'x' },
      }),
    );
    for (const status of ['open', 'pending', 'solved', 'open', 'closed']) {
      const r = await t.api('PATCH', `/api/tickets/${id}`, { status });
      expect([status, r.status, r.body.status]).toEqual([status, 200, status]);
    }
    const reopen = await t.api('PATCH', `/api/tickets/${id}`, { status: 'open' });
    expect(reopen.status).toBe(409);
    expect(reopen.body.error).toBe('conflict');
    const other = await t.api('PATCH', `/api/tickets/${n.zap}`, { status: 'new' });
    expect(other.status).toBe(200); // already new: no change
    await t.api('PATCH', `/api/tickets/${n.zap}`, { status: 'open' });
    expect((await t.api('PATCH', `/api/tickets/${n.zap}`, { status: 'new' })).status).toBe(409);
    expect((await t.api('GET', `/api/tickets/${id}`)).body.status).toBe('closed');
  });

  test('replies: public is queued (202), internal is stored (201)', async () => {
    const pub = await t.api('POST', `/api/tickets/${n.zap}/replies`, { body: 'Claro, qual tamanho?' });
    expect(pub).toMatchObject({ status: 202, body: { message: { visibility: 'public', deliveryStatus: 'queued', channel: 'zap' } } });
    const note = await t.api('POST', `/api/tickets/${n.zap}/replies`, { body: 'cliente antigo', visibility: 'internal' });
    expect(note).toMatchObject({ status: 201, body: { message: { visibility: 'internal' } } });
  });

  test('400 lists every bad field with its path', async () => {
    const patch = await t.api('PATCH', `/api/tickets/${n.maria}`, { status: 'bogus', priority: 3, assignee: 'x' });
    expect(patch.status).toBe(400);
    expect(patch.body.error).toBe('validation_failed');
    expect(patch.body.issues.map((i: any) => i.path).sort()).toEqual(['body.assignee', 'body.priority', 'body.status']);

    const query = await t.api('GET', '/api/tickets?limit=0&status=foo&cursor=zzz&bogus=1');
    expect(query.status).toBe(400);
    expect(query.body.issues.map((i: any) => i.path).sort()).toEqual(['query', 'query.cursor', 'query.limit', 'query.status[0]']);
    expect(query.body.issues.find((i: any) => i.path === 'query').message).toContain('bogus');

    const reply = await t.api('POST', `/api/tickets/${n.maria}/replies`, { body: '   ', visibility: 'loud' });
    expect(reply.status).toBe(400);
    expect(reply.body.issues.map((i: any) => i.path).sort()).toEqual(['body.body', 'body.visibility']);

    const params = await t.api('GET', '/api/tickets/abc');
    expect(params).toMatchObject({ status: 400, body: { issues: [{ path: 'params.number' }] } });
    const broken = await t.api('PATCH', `/api/tickets/${n.maria}`, '{"status": ');
    expect(broken).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const empty = await t.api('PATCH', `/api/tickets/${n.maria}`, {});
    expect(empty.status).toBe(400);
    // PostgreSQL text cannot hold U+0000: refused up front with the path, on every database.
    expect(await t.api('GET', '/api/tickets?q=ab%00cd')).toMatchObject({ status: 400, body: { issues: [{ path: 'query.q' }] } });
    expect(await t.api('POST', `/api/tickets/${n.maria}/replies`, { body: 'a\u0000b' })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.body' }] },
    });
    expect(await t.api('PATCH', `/api/tickets/${n.maria}`, { fields: { 'k\u0000': 'v' } })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.fields.k\u0000' }] },
    });
    // A path parameter that is not valid percent-encoding is bad input, not a crash.
    expect(await t.api('GET', '/api/tickets/%zz')).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    const unknownAssignee = await t.api('PATCH', `/api/tickets/${n.maria}`, { assignee: '01J00000000000000000000000' });
    expect(unknownAssignee).toMatchObject({ status: 400, body: { issues: [{ path: 'body.assignee' }] } });
  });

  test('401 without a valid token; a non-admin lists agents (id, name, email) but cannot create one', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer short' },
      { authorization: 'Bearer pt_unknown_token_0123456789' },
    ];
    for (const headers of attempts) {
      const r = await fetch(`${t.baseUrl}/api/tickets`, { headers });
      expect(r.status).toBe(401);
      expect(((await r.json()) as { error: string }).error).toBe('unauthenticated');
    }
    const listed = await t.api('GET', '/api/agents', undefined, agent.token);
    expect(listed.status).toBe(200);
    for (const a of listed.body.agents) expect(Object.keys(a).sort()).toEqual(['email', 'id', 'name']);
    expect((await t.api('POST', '/api/agents', { name: 'Eve' }, agent.token)).status).toBe(403);
    expect((await t.api('GET', '/api/agents')).status).toBe(200);
    expect((await t.api('GET', '/api/tickets', undefined, agent.token)).status).toBe(200);
  });

  test('404 for unknown tickets, attachments and routes', async () => {
    expect((await t.api('GET', '/api/tickets/999999')).status).toBe(404);
    expect((await t.api('PATCH', '/api/tickets/999999', { priority: 'low' })).status).toBe(404);
    expect((await t.api('POST', '/api/tickets/999999/replies', { body: 'oi' })).status).toBe(404);
    expect((await t.api('GET', '/api/attachments/01J00000000000000000000000')).status).toBe(404);
    expect((await t.api('GET', '/api/nothing-here')).status).toBe(404);
    expect((await t.api('GET', '/nothing-here')).status).toBe(404);
  });

  test('/api/openapi.json documents every route of the API router', async () => {
    const r = await fetch(`${t.baseUrl}/api/openapi.json`);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const loaded = parseConfig({ security: { secret: 'test-secret-0123456789abcdef' } }, { env: {}, definitions: [] });
    const router = createApiRouter({
      database: t.app.database,
      config: loaded.config,
      channels: t.app.channels,
      running: () => [],
      events: createTicketEvents(),
      sendClaimCode: async () => ({ ok: false, reason: 'no_channel' }),
      blobs: t.app.blobs,
      clock,
      wakeOutbox: () => {},
      uploadKey: Buffer.alloc(32),
    });
    const routes = (router as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> }).stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => [m, `/api${l.route!.path.replace(/:(\w+)/g, '{$1}')}`] as const))
      .filter(([, path]) => path !== '/api/openapi.json');
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const [method, path] of routes) {
      expect([method, path, !!doc.paths[path]?.[method]]).toEqual([method, path, true]);
    }
    expect(doc.paths['/healthz']).toBeDefined();
    const listParams = (doc.paths['/api/tickets']!.get as { parameters: Array<{ name: string }> }).parameters.map((p) => p.name);
    expect(listParams).toEqual(
      expect.arrayContaining([
        'status',
        'channel',
        'requester',
        'assignee',
        'priority',
        'category',
        'reference',
        'field',
        'createdFrom',
        'createdTo',
        'q',
        'overdue',
        'cursor',
        'limit',
      ]),
    );
  });

  test('/healthz answers without a token, with the database and each channel', async () => {
    const r = await fetch(`${t.baseUrl}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', database: 'ok', channels: { mail: expect.any(String), zap: expect.any(String) } });
  });
});
