/**
 * Fuzzing the HTTP surface: a few thousand random and malformed requests (broken JSON, wrong
 * types, huge strings, unicode, prototype-pollution keys, arrays for objects, bad tokens and
 * params) to every route. Never a 5xx; the process stays up; a refused mutation writes nothing.
 * Seeded: the seed is printed, and PONTE_FUZZ_SEED=<seed> replays a run.
 */
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';
import { createPrng } from '../support/prng.js';

const MAX_REQUESTS = 3000;
const MAX_MS = 40_000;
/** Fewer than this is no fuzz: on a loaded machine the run goes on past MAX_MS to reach it, up to HARD_MS. */
const MIN_REQUESTS = 500;
const HARD_MS = 110_000;
const SEED = Number(process.env.PONTE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** encodeURIComponent refuses lone surrogates; send U+FFFD for them instead. */
function enc(s: string): string {
  return encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

const TABLES = [
  'agents',
  'contacts',
  'contact_identities',
  'tickets',
  'ticket_participants',
  'messages',
  'attachments',
  'outbox',
  'ticket_events',
  'timers',
  'inbound_receipts',
  'channel_state',
  'audit_log',
  'used_upload_tokens',
  'contact_merges',
  'ticket_claims',
];

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

describeEachDatabase('API fuzz on %s', (kind) => {
  const mail = createTestChannelDefinition('test', 'email');
  let t: TestApp;
  let agentToken = '';
  let attachmentId = '';
  /** An agent the fuzz may disable, rotate and edit (the tokens it sends with must keep working). */
  let victimId = '';
  const contactIds: string[] = [];
  const claimIds: string[] = [];
  let identityId = '';
  let tick = Date.UTC(2026, 10, 2, 12);
  // Every write stamps a new time, so an update that should not have happened shows in the fingerprint.
  const clock = { now: () => ++tick };

  beforeAll(async () => {
    t = await startTestApp({ definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }], database: kind, clock });
    agentToken = (await t.createAgent({ name: 'Agente', email: 'agente@loja.example' })).token;
    const blob = await t.context('mail').blobs.put('conteúdo do anexo');
    for (let i = 0; i < 3; i++) {
      await t.context('mail').ingest({
        message: {
          externalId: `<seed-${i}@x>`,
          from: { kind: 'email', address: `cliente${i}@example.com` },
          subject: `Pedido ${i}`,
          text: 'oi',
          attachments: i === 0 ? [{ blobKey: blob.key, filename: 'a.txt', contentType: 'text/plain', size: blob.size }] : [],
          claims: [{ kind: 'phone', address: `+55119000000${i}0` }],
        },
      });
    }
    attachmentId = (await t.getTicket(10001)).messages[0]!.attachments[0]!.id;
    victimId = (await t.createAgent({ name: 'Alvo', email: 'alvo@loja.example' })).id;
    const db = t.app.database.kysely;
    contactIds.push(...(await db.selectFrom('contacts').select('id').execute()).map((r) => r.id));
    claimIds.push(...(await db.selectFrom('ticket_claims').select('id').execute()).map((r) => r.id));
    identityId = (await db.selectFrom('contact_identities').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => t?.stop());

  /** Row counts of every table plus the newest ticket update, in one round trip. */
  async function fingerprint(): Promise<string> {
    const counts = TABLES.map((name) => `(SELECT count(*) FROM ${name}) AS ${name}`).join(', ');
    const r = await sql<Record<string, unknown>>`SELECT ${sql.raw(counts)}, (SELECT max(updated_at) FROM tickets) AS updated`.execute(
      t.app.database.kysely,
    );
    return JSON.stringify(Object.values(r.rows[0]!).map((v) => String(v)));
  }

  test(`${MAX_REQUESTS} random and malformed requests: never a 5xx, refused writes change nothing (seed ${SEED})`, async () => {
    console.log(`API fuzz on ${kind}: seed ${SEED} (replay with PONTE_FUZZ_SEED=${SEED})`);
    const rand = createPrng(SEED);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const chance = (p: number) => rand() < p;

    const ULIDISH = ['01J00000000000000000000000', attachmentId, '01JZZZZZZZZZZZZZZZZZZZZZZZ', 'IIIIIIIIIIIIIIIIIIIIIIIIII', 'x'];
    const strings = (): string => {
      switch (int(14)) {
        case 0:
          return '';
        case 1:
          return ' '.repeat(int(5));
        case 2:
          return 'Olá, tudo bem? ção ñ ü 日本語 🙂👍🏽 עברית';
        case 3:
          return '\u0000\u0001\u0007\u001b[31m';
        case 4:
          return '\ud800 lone \udfff surrogates';
        case 5:
          return 'x'.repeat(pick([255, 256, 1000, 100_001, 300_000]));
        case 6:
          return "'; DROP TABLE tickets; --";
        case 7:
          return '%_\\%\\_';
        case 8:
          return pick(['open', 'closed', 'new', 'pending', 'solved', 'urgent', 'low', 'public', 'internal', 'none']);
        case 9:
          return pick(ULIDISH);
        case 10:
          return '<script>alert(1)</script>';
        case 11:
          return String(int(2 ** 31));
        case 12:
          return '__proto__';
        default:
          return Math.random()
            .toString(36)
            .slice(2, 2 + int(20));
      }
    };
    const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
    const value = (depth: number): unknown => {
      switch (int(depth > 3 ? 6 : 9)) {
        case 0:
          return null;
        case 1:
          return chance(0.5);
        case 2:
          return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 10001]);
        case 3:
        case 4:
        case 5:
          return strings();
        case 6:
          return Array.from({ length: int(4) }, () => value(depth + 1));
        case 7:
        case 8: {
          const o: Record<string, unknown> = {};
          for (let i = int(4); i > 0; i--) o[chance(0.3) ? pick(DANGEROUS_KEYS) : strings().slice(0, 30)] = value(depth + 1);
          return o;
        }
        default:
          return strings();
      }
    };
    const validBodies: Record<string, () => Record<string, unknown>> = {
      reply: () => ({ body: 'Olá!', ...(chance(0.5) ? { visibility: pick(['public', 'internal']) } : {}) }),
      patch: () =>
        pick([
          { priority: pick(['low', 'normal', 'high', 'urgent']) },
          { category: 'entrega' },
          { fields: { loja: 'centro' } },
          { status: pick(['open', 'pending']) },
          { reference: null },
        ]),
      agent: () => ({ name: 'Novo', email: `n${int(1e9)}@loja.example`, ...(chance(0.3) ? { expiresInDays: pick([1, 30, null]) } : {}) }),
      agentPatch: () => pick([{ name: 'Alvo 2' }, { phone: '+5511900000099' }, { email: null }, { role: 'agent' }]),
      rotate: () => (chance(0.5) ? {} : { expiresInDays: pick([1, 365, null]) }),
      contact: () => pick([{ name: 'Maria' }, { locale: 'pt-BR' }, { name: null }]),
      identity: () => ({
        kind: pick(['email', 'phone', 'whatsapp', 'whatsapp_lid']),
        address: pick([`f${int(1e9)}@x.example`, '+5511912345678', '5511912345678@s.whatsapp.net', '123@lid', 'cliente1@example.com']),
        evidence: 'checked by phone',
      }),
      merge: () => ({ from: pick([...contactIds, ...ULIDISH]), evidence: 'same person' }),
      evidence: () => ({ evidence: 'proof given', ...(chance(0.3) ? { contactId: pick(contactIds) } : {}) }),
    };
    /** A valid body, a valid body with one field broken or an extra key, or garbage. */
    const body = (kindOf: keyof typeof validBodies): string => {
      const r = int(10);
      if (r === 0)
        return pick([
          '{',
          '{"body": ',
          '[1,2',
          'null',
          '"string"',
          '123',
          'true',
          '{"a":1}{"b":2}',
          '\u0000',
          '{"body":"x",}',
          "{'body':'x'}",
          '{"__proto__": {"admin": true}, "body": "x"}',
          '{"constructor": {"prototype": {"polluted": 1}}}',
        ]);
      if (r === 1) return JSON.stringify(value(0));
      if (r === 2) return JSON.stringify([validBodies[kindOf]!()]);
      if (r === 3) return 'x'.repeat(pick([1024 * 1024 + 10, 2 * 1024 * 1024]));
      if (r === 4) return '['.repeat(5000) + ']'.repeat(5000);
      const b: Record<string, unknown> = validBodies[kindOf]!();
      if (r <= 6) return JSON.stringify(b);
      const keys = Object.keys(b);
      if (r === 7 && keys.length) b[pick(keys)] = value(1);
      else if (r === 8) b[chance(0.5) ? pick(DANGEROUS_KEYS) : strings().slice(0, 20)] = value(1);
      else return `{"__proto__": ${JSON.stringify(value(1))}, ${JSON.stringify(b).slice(1)}`;
      return JSON.stringify(b);
    };
    const ticketParam = () =>
      pick([
        '10001',
        '10002',
        '10003',
        '99999',
        '0',
        '-1',
        '1e3',
        '1.5',
        '99999999999999999999',
        'abc',
        '%F0%9F%99%82',
        '%',
        '%zz',
        '..%2F..',
        'null',
        '%20',
        enc(strings()).slice(0, 200) || 'x',
      ]);
    const contactParam = () => (chance(0.8) ? pick(contactIds) : pick([...ULIDISH, enc(strings()).slice(0, 60) || 'x']));
    const QUERY_KEYS = [
      'identity',
      'targetType',
      'targetId',
      'action',
      'status',
      'channel',
      'requester',
      'assignee',
      'priority',
      'category',
      'reference',
      'origin',
      'field',
      'createdFrom',
      'createdTo',
      'q',
      'overdue',
      'cursor',
      'limit',
      'format',
    ];
    const query = (): string => {
      const parts: string[] = [];
      for (let i = int(5); i > 0; i--) {
        const k = chance(0.8)
          ? pick(QUERY_KEYS)
          : pick([
              '__proto__',
              'constructor[prototype][x]',
              '__proto__[admin]',
              'status[]',
              'limit[$gt]',
              'a[b][c]',
              strings().slice(0, 10),
            ]);
        const v = chance(0.5)
          ? pick([
              'new,open',
              'closed',
              'true',
              'false',
              '5',
              '0',
              '201',
              '-3',
              'none',
              'loja:centro',
              ':',
              'a:',
              '2026-11-02',
              '2026-13-45',
              'x',
              'png',
              'json',
              'svg',
              'maria@example.com',
              '+5511987654321',
            ])
          : strings().slice(0, 600);
        parts.push(`${enc(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${chance(0.05) ? pick(['%', '%zz', '%E0%A4%A', '%00']) : enc(v)}`);
      }
      return parts.length ? `?${parts.join('&')}` : '';
    };
    const auth = (): Record<string, string> => {
      const r = int(12);
      if (r < 6) return { authorization: `Bearer ${t.adminToken}` };
      if (r < 8) return { authorization: `Bearer ${agentToken}` };
      return pick<Record<string, string>>([
        {},
        { authorization: 'Bearer' },
        { authorization: 'Bearer x' },
        { authorization: `bearer ${t.adminToken}x` },
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { authorization: `Bearer ${'A'.repeat(5000)}` },
        { authorization: `Bearer ${t.adminToken} extra` },
      ]);
    };
    const contentType = () =>
      pick([
        'application/json',
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/json; charset=nope',
        '',
      ]);

    const next = (): Req => {
      const headers = auth();
      switch (int(17)) {
        case 0:
          return { method: 'GET', path: `/api/tickets${query()}`, headers };
        case 1:
          return { method: pick(['GET', 'DELETE', 'PUT']), path: `/api/tickets/${ticketParam()}`, headers };
        case 2:
        case 3:
          return {
            method: 'POST',
            path: `/api/tickets/${ticketParam()}/replies`,
            headers: { ...headers, 'content-type': contentType() },
            body: body('reply'),
          };
        case 4:
        case 5:
          return {
            method: pick(['PATCH', 'PATCH', 'PATCH', 'POST']),
            path: `/api/tickets/${ticketParam()}${chance(0.1) ? query() : ''}`,
            headers: { ...headers, 'content-type': contentType() },
            body: body('patch'),
          };
        case 6:
          return { method: 'GET', path: `/api/attachments/${chance(0.7) ? pick(ULIDISH) : enc(strings()).slice(0, 100) || 'x'}`, headers };
        case 7:
          return {
            method: 'GET',
            path: pick([
              '/api/channels',
              `/api/channels/${pick(['mail', 'nope', '%00', '..'])}/pairing${query()}`,
              '/api/openapi.json',
              '/healthz',
              '/api',
              '/',
              '/api/tickets/10001/replies',
            ]),
            headers,
          };
        case 8:
          return {
            method: pick(['GET', 'POST']),
            path: '/api/agents',
            headers: { ...headers, 'content-type': contentType() },
            body: body('agent'),
          };
        case 9:
          return {
            method: pick(['GET', 'POST', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE']),
            path: pick([
              '/api/tickets',
              '/api/tickets/10001/tickets/1',
              '/api/../healthz',
              '/api/tickets//10001',
              `/api/${strings().slice(0, 20)}`,
            ]),
            headers,
            ...(chance(0.5) ? { body: body('patch') } : {}),
          };
        case 11:
          return {
            method: 'GET',
            path: pick([`/api/contacts${query()}`, `/api/contacts/${contactParam()}`, `/api/audit${query()}`, '/api/me', '/api/agents']),
            headers,
          };
        case 12:
          return {
            method: pick(['PATCH', 'PATCH', 'PUT']),
            path: `/api/contacts/${contactParam()}`,
            headers: { ...headers, 'content-type': contentType() },
            body: body('contact'),
          };
        case 13:
          return chance(0.6)
            ? {
                method: 'POST',
                path: `/api/contacts/${contactParam()}/identities`,
                headers: { ...headers, 'content-type': contentType() },
                body: body('identity'),
              }
            : {
                method: 'DELETE',
                path: `/api/contacts/${contactParam()}/identities/${chance(0.5) ? identityId : pick(ULIDISH)}${chance(0.3) ? query() : ''}`,
                headers: { ...headers, 'content-type': contentType() },
                body: body('evidence'),
              };
        case 14:
          return chance(0.7)
            ? {
                method: 'POST',
                path: `/api/contacts/${contactParam()}/merge`,
                headers: { ...headers, 'content-type': contentType() },
                body: body('merge'),
              }
            : { method: 'POST', path: `/api/contacts/merges/${pick(ULIDISH)}/undo`, headers };
        case 15:
          return {
            method: 'POST',
            path: `/api/tickets/${ticketParam()}/claims/${chance(0.7) ? pick(claimIds) : pick(ULIDISH)}/link`,
            headers: { ...headers, 'content-type': contentType() },
            body: body('evidence'),
          };
        case 16: {
          const target = chance(0.8) ? victimId : pick(ULIDISH);
          return chance(0.5)
            ? {
                method: 'POST',
                path: `/api/agents/${target}/${pick(['disable', 'enable', 'rotate-token'])}`,
                headers: { ...headers, 'content-type': contentType() },
                body: body('rotate'),
              }
            : {
                method: 'PATCH',
                path: `/api/agents/${target}`,
                headers: { ...headers, 'content-type': contentType() },
                body: body('agentPatch'),
              };
        }
        default:
          return {
            method: 'PATCH',
            path: `/api/tickets/${pick(['10001', '10002', '10003'])}`,
            headers: { ...headers, 'content-type': 'application/json' },
            body: body('patch'),
          };
      }
    };

    const failures: Array<{ i: number; req: string; status: number; body: string }> = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    let sent = 0;
    for (let i = 0; i < MAX_REQUESTS && (Date.now() - started < MAX_MS || sent < MIN_REQUESTS) && Date.now() - started < HARD_MS; i++) {
      const req = next();
      const mutating = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
      const before = mutating ? await fingerprint() : '';
      const method = req.method;
      let status: number;
      let text = '';
      try {
        const res = await fetch(t.baseUrl + req.path, {
          method,
          headers: req.headers,
          ...(req.body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: req.body } : {}),
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        text = (await res.text()).slice(0, 300);
      } catch (err) {
        failures.push({ i, req: `${method} ${req.path.slice(0, 200)}`, status: -1, body: String(err) });
        continue;
      }
      sent++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const describe = `${method} ${req.path.slice(0, 200)} ${JSON.stringify(req.headers).slice(0, 200)} ${String(req.body ?? '').slice(0, 300)}`;
      if (status >= 500) failures.push({ i, req: describe, status, body: text });
      if (mutating && status >= 400 && (await fingerprint()) !== before)
        failures.push({ i, req: describe, status, body: `refused with ${status} but rows changed: ${text}` });
      if (failures.length >= 10) break;
    }
    const summary = [...statuses.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, c]) => `${s}:${c}`)
      .join(' ');
    console.log(`API fuzz on ${kind}: ${sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (${summary})`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(Math.min(MAX_REQUESTS, MIN_REQUESTS));
    // Mostly refusals, but the valid share got through.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);

    // Still up and still correct.
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ok = await t.api('POST', '/api/tickets/10002/replies', { body: 'depois do fuzz' });
    expect(ok.status).toBe(202);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('admin');
  }, 180_000);
});
