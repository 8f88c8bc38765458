/**
 * The OpenAPI document against the real app (SQLite and PostgreSQL, HTTP on 127.0.0.1): every
 * route the express app mounts (walked from its router stack, channels' /hooks and the portal's
 * API included) is described, nothing described is missing from the app, and real requests (successes and errors)
 * to every described operation answer with a documented status, media type and a body that
 * matches the schema. Only the HTML pages of the console and the portal are outside the document.
 * The integration routes (webhooks, erasure, proactive tickets) are driven in openapi-integrations.ts.
 */
import { webformChannel } from '../../channels/webform/index.js';
import { createWhatsappCloudChannelDefinition } from '../../channels/whatsapp-cloud/index.js';
import { signBody } from '../../channels/whatsapp-cloud/signature.js';
import { signLink } from '../../src/web/portal/merchant-link.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { APP_SECRET, PHONE_NUMBER_ID } from '../whatsapp/cloud-fixtures.js';
import { startGraphStub, STUB_TOKEN, type GraphStub } from '../whatsapp/cloud-graph-stub.js';
import { deliver } from '../whatsapp/fake-socket.js';
import { waitFor, whatsappDefinitionForTests } from '../whatsapp/harness.js';
import { checkSchema } from './json-schema-check.js';
import { driveCoreApi } from './openapi-core-drive.js';
import { driveIntegrations } from './openapi-integrations.js';
import { createCaller, documentedOperations, mountedRoutes, templateOf, type OpenApiDoc } from './openapi-harness.js';

const SITE = 'https://loja.example.com.br';
const PORTAL_SECRET = 'portal-secret-for-openapi-tests-0123456789';
const mail = createTestChannelDefinition('test', 'email', ['email', 'phone']);
/** A Baileys number with its socket faked at the adapter's boundary (WhatsApp's servers are unreachable): its pairing QR is served by the API. */
const baileys = whatsappDefinitionForTests();
const fields = { nome: 'name', email: 'email', telefone: 'phone', pedido: 'reference', mensagem: 'message' };
/** HTML surfaces, not API: the console (mounted at /console here) and the portal's pages. */
const isHtmlPage = (path: string) => path.startsWith('/console') || (path.startsWith('/portal') && !path.startsWith('/portal/api'));

describe.each(['sqlite', 'postgres'] as const)('OpenAPI document matches the app and its real answers (%s)', (database) => {
  /** PostgreSQL needs PONTE_TEST_POSTGRES_URL (skipped loudly otherwise, failing under CI). */
  const ready =
    database === 'sqlite' || serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set (OpenAPI conformance)');
  let t: TestApp;
  let stub: GraphStub;
  let doc: OpenApiDoc;
  const seen = new Set<string>();
  const problems: string[] = [];
  let call: ReturnType<typeof createCaller>;

  beforeAll(async () => {
    if (!ready) return;
    stub = await startGraphStub();
    t = await startTestApp({
      database,
      definitions: [mail.definition, webformChannel, createWhatsappCloudChannelDefinition({ retryDelaysMs: [20] }), baileys.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'whatsapp' },
        {
          id: 'contato',
          kind: 'webform',
          mode: 'public',
          origin: 'site form',
          replyVia: 'mail',
          allowedOrigins: [SITE],
          fields,
          rateLimit: { perIpPerMinute: 10, perFormPerMinute: 100 },
        },
        {
          id: 'wa',
          kind: 'whatsapp-cloud',
          phoneNumberId: PHONE_NUMBER_ID,
          accessToken: '${WA_TOKEN}',
          appSecret: '${WA_APP_SECRET}',
          verifyToken: '${WA_VERIFY}',
          graphBaseUrl: stub.baseUrl,
          graphVersion: 'v21.0',
        },
      ],
      config: { console: { path: '/console' }, portal: { enabled: true, name: 'Loja', signingSecret: '${PORTAL_SECRET}' } },
      env: { WA_TOKEN: STUB_TOKEN, WA_APP_SECRET: APP_SECRET, WA_VERIFY: 'verify-me-123', PORTAL_SECRET },
    });
    doc = (await t.api('GET', '/api/openapi.json')).body;
    call = createCaller(
      () => t.baseUrl,
      () => doc,
      seen,
      problems,
      () => t.adminToken,
    );
  });
  afterAll(async () => {
    await t?.stop();
    await stub?.close();
  });

  test('every route the app mounts is in the document, and every documented operation is mounted', () => {
    if (!ready) return;
    const routes = mountedRoutes(t.app.http);
    const api = routes.filter((r) => !isHtmlPage(r.path));
    expect(api.length).toBeGreaterThan(40);
    const missing = api.filter((r) => {
      const template = templateOf(doc, r.path);
      if (!template) return true;
      return r.method !== 'all' && !doc.paths[template]![r.method];
    });
    expect(missing).toEqual([]);
    const mounted = new Set(api.flatMap((r) => (r.method === 'all' ? [] : [`${r.method.toUpperCase()} ${templateOf(doc, r.path)}`])));
    expect(documentedOperations(doc).filter((op) => !mounted.has(op))).toEqual([]);
    // The walk sees the HTML pages too: they are left out on purpose, not missed.
    expect(routes.filter((r) => isHtmlPage(r.path)).length).toBeGreaterThan(10);
  });

  test('the core /api routes answer as documented (successes and errors)', async () => {
    if (!ready) return;
    await driveCoreApi(t, call);
    expect(problems).toEqual([]);
    const want = [
      'PATCH /api/tickets/{number} 409',
      'PATCH /api/tickets/{number} 413',
      'PATCH /api/tickets/{number} 415',
      'POST /api/tickets/{number}/replies 403',
      'POST /api/tickets/{number}/replies 409',
      'GET /api/audit 403',
      'POST /api/contacts/{id}/identities 409',
      'POST /api/contacts/merges/{mergeId}/undo 409',
      'POST /api/tickets/{number}/claims/{claimId}/verify 202',
      'GET /api/attachments/{id} 200',
    ];
    expect(want.filter((w) => !seen.has(w))).toEqual([]);
  });

  test('the pairing route serves the QR of a number waiting to be paired: png, svg and json', async () => {
    if (!ready) return;
    await waitFor(() => baileys.factory.sockets.length > 0, 5000, 'the Baileys socket');
    const tpl = '/api/channels/{id}/pairing';
    const before = await call('GET', '/api/channels/zap/pairing?format=json', tpl);
    expect(before.body).toMatchObject({ hasQr: false });
    await deliver(baileys.factory.latest(), 'connection.update', { qr: '2@pairing-ref-for-the-test,bm90LWEta2V5,aWRlbnRpdHk=,YWR2' });
    await waitFor(() => t.app.running.find((c) => c.entry.id === 'zap')?.runtime.pairing?.()?.qr !== undefined, 3000, 'the QR');
    const json = await call('GET', '/api/channels/zap/pairing?format=json', tpl);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ state: 'needs_pairing', hasQr: true, pairingCode: null });
    const svg = await call('GET', '/api/channels/zap/pairing?format=svg', tpl);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.text).toMatch(/^<svg[^>]*>.*<path/s);
    const png = await call('GET', '/api/channels/zap/pairing', tpl);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(
      await (await fetch(`${t.baseUrl}/api/channels/zap/pairing`, { headers: { authorization: `Bearer ${t.adminToken}` } })).arrayBuffer(),
    );
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(problems).toEqual([]);
  });

  test('webhooks, erasure and proactive tickets answer as documented', async () => {
    if (!ready) return;
    await driveIntegrations(t, call);
    expect(problems).toEqual([]);
  });

  test('the /hooks routes answer as documented: web form (JSON and plain HTML) and WhatsApp Cloud', async () => {
    if (!ready) return;
    const form = '/hooks/forms/contato';
    const tpl = '/hooks/forms/{formId}';
    const submission = {
      nome: 'Rita Lima',
      email: 'rita@customer.test',
      telefone: '(11) 98765-4321',
      pedido: 'PED-77',
      mensagem: 'Meu pedido não chegou.',
    };
    await call('OPTIONS', form, tpl, { headers: { origin: SITE, 'access-control-request-method': 'POST' } });
    await call('OPTIONS', form, tpl, { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    const created = await call('POST', form, tpl, { body: submission, headers: { origin: SITE } });
    expect(created.status).toBe(201);
    expect((await call('POST', form, tpl, { body: submission, headers: { origin: SITE } })).status).toBe(200);
    await call('POST', form, tpl, { body: submission, headers: { origin: 'https://evil.example' } });
    await call('POST', form, tpl, { raw: '{"nome": ', headers: { origin: SITE, 'content-type': 'application/json' } });
    await call('POST', form, tpl, { raw: 'oi', headers: { origin: SITE, 'content-type': 'text/csv' } });
    const page = await call('POST', form, tpl, {
      raw: new URLSearchParams({ ...submission, pedido: 'PED-78' }).toString(),
      headers: { origin: SITE, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    let limited = 0;
    for (let i = 0; i < 12 && limited === 0; i++)
      if ((await call('POST', form, tpl, { body: { ...submission, pedido: `PED-9${i}` }, headers: { origin: SITE } })).status === 429)
        limited++;
    expect(limited).toBe(1);

    const wa = '/hooks/whatsapp-cloud/wa';
    const waTpl = '/hooks/whatsapp-cloud/{channelId}';
    const verify = await call('GET', `${wa}?hub.mode=subscribe&hub.verify_token=verify-me-123&hub.challenge=4242`, waTpl);
    expect(verify.text).toBe('4242');
    await call('GET', `${wa}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=4242`, waTpl);
    const event = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    expect(
      (
        await call('POST', wa, waTpl, {
          raw: event,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(event, APP_SECRET) },
        })
      ).status,
    ).toBe(200);
    await call('POST', wa, waTpl, {
      raw: event,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(event, 'not-the-secret') },
    });
    await call('POST', wa, waTpl, {
      raw: '{oops',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody('{oops', APP_SECRET) },
    });
    expect(problems).toEqual([]);
    for (const s of ['201', '200', '403', '400', '415', '429']) expect(seen).toContain(`POST ${tpl} ${s}`);
    for (const s of ['200', '401', '400']) expect(seen).toContain(`POST ${waTpl} ${s}`);
  });

  test('the portal API answers as documented (signed bearer token and cookie session)', async () => {
    if (!ready) return;
    const ctx = t.context('mail');
    const o = await ctx.ingest({
      message: {
        externalId: '<p1@cliente.test>',
        from: { kind: 'email', address: 'joana@cliente.test', displayName: 'Joana' },
        subject: 'Troca',
        text: 'Quero trocar o tamanho.',
      },
    });
    if (o.status !== 'created') throw new Error(`ingest: ${o.status}`);
    const n = o.ticketNumber;
    const claims = { email: 'joana@cliente.test', phone: '', org: '', exp: Math.floor(Date.now() / 1000) + 600 };
    const query = new URLSearchParams({ ...claims, exp: String(claims.exp), sig: signLink(PORTAL_SECRET, claims) });
    const bearer = Buffer.from(query.toString()).toString('base64url');
    const p = '/portal/api';
    await call('GET', `${p}/session`, `${p}/session`, { token: bearer });
    await call('GET', `${p}/session`, `${p}/session`, { token: null });
    await call('GET', `${p}/requests`, `${p}/requests`, {
      token: Buffer.from(query.toString().replace('sig=', 'sig=0')).toString('base64url'),
    });
    const list = await call('GET', `${p}/requests`, `${p}/requests`, { token: bearer });
    expect(list.body.requests.map((r: { number: number }) => r.number)).toEqual([n]);
    await call('GET', `${p}/requests?status=lost`, `${p}/requests`, { token: bearer });
    // The desk answers with a file: the portal shows it and serves it.
    const up = await fetch(`${t.baseUrl}/api/uploads?filename=recibo.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'text/plain' },
      body: 'recibo 123',
    });
    const upload = ((await up.json()) as { upload: string }).upload;
    expect((await t.api('POST', `/api/tickets/${n}/replies`, { body: 'Segue o recibo.', attachments: [upload] })).status).toBe(202);
    const detail = await call('GET', `${p}/requests/${n}`, `${p}/requests/{number}`, { token: bearer });
    const att = detail.body.messages.flatMap((m: { attachments: Array<{ id: string }> }) => m.attachments)[0];
    await call('GET', `${p}/requests/${n}/attachments/${att.id}`, `${p}/requests/{number}/attachments/{id}`, { token: bearer });
    await call('GET', `${p}/requests/${n}/attachments/01J00000000000000000000000`, `${p}/requests/{number}/attachments/{id}`, {
      token: bearer,
    });
    await call('GET', `${p}/requests/99999`, `${p}/requests/{number}`, { token: bearer });
    await call('POST', `${p}/requests/${n}/replies`, `${p}/requests/{number}/replies`, { token: bearer, body: { body: 'Obrigada!' } });
    await call('POST', `${p}/requests/${n}/replies`, `${p}/requests/{number}/replies`, { token: bearer, body: { body: '' } });
    await call('POST', `${p}/requests/${n}/replies`, `${p}/requests/{number}/replies`, {
      token: bearer,
      raw: '{"body":',
      headers: { 'content-type': 'application/json' },
    });
    await call('POST', `${p}/requests/99999/replies`, `${p}/requests/{number}/replies`, { token: bearer, body: { body: 'oi' } });
    await call('POST', `${p}/requests`, `${p}/requests`, {
      token: bearer,
      body: { title: 'Outro pedido', body: 'Também quero trocar a cor.' },
    });
    await call('POST', `${p}/requests`, `${p}/requests`, { token: bearer, body: { title: '' } });
    await call('POST', `${p}/requests/${n}/solve`, `${p}/requests/{number}/solve`, { token: bearer });
    await call('POST', `${p}/requests/${n}/reopen`, `${p}/requests/{number}/reopen`, { token: bearer });
    await call('POST', `${p}/requests/${n}/reopen`, `${p}/requests/{number}/reopen`, { token: bearer });
    await call('POST', `${p}/requests/99999/solve`, `${p}/requests/{number}/solve`, { token: bearer });
    await call('PUT', `${p}/preferences`, `${p}/preferences`, { token: bearer, body: { notify: 'needs_reply' } });
    await call('PUT', `${p}/preferences`, `${p}/preferences`, { token: bearer, body: { notify: 'never' } });
    // A cookie session (the signed link in a browser) must send the CSRF token on writes.
    const signedIn = await fetch(`${t.baseUrl}/portal/signed?${query.toString()}`, { redirect: 'manual' });
    const cookie =
      signedIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0]!)
        .find((c) => c.startsWith('ponte_portal=')) ?? '';
    expect(cookie).toMatch(/^ponte_portal=/);
    const session = await call('GET', `${p}/session`, `${p}/session`, { token: null, headers: { cookie } });
    expect(typeof session.body.csrfToken).toBe('string');
    await call('POST', `${p}/requests/${n}/solve`, `${p}/requests/{number}/solve`, { token: null, headers: { cookie } });
    expect(problems).toEqual([]);
    for (const s of ['200', '401', '400']) expect(seen).toContain(`GET ${p}/requests ${s}`);
    for (const s of ['202', '400', '404']) expect(seen).toContain(`POST ${p}/requests/{number}/replies ${s}`);
    for (const s of ['200', '403', '404']) expect(seen).toContain(`POST ${p}/requests/{number}/solve ${s}`);
    expect(seen).toContain(`POST ${p}/requests/{number}/reopen 409`);
  });

  test('health, readiness, metrics and the document itself', async () => {
    if (!ready) return;
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await call('GET', path, path, { token: null })).status).toBe(200);
    await call('GET', '/api/openapi.json', '/api/openapi.json', { token: null });
    expect(problems).toEqual([]);
  });

  test('every documented operation was driven by a real request; the check itself can fail', () => {
    if (!ready) return;
    // 500 is documented (any route can fail unexpectedly) but no request here may meet it.
    expect([...seen].filter((s) => s.endsWith(' 500'))).toEqual([]);
    const driven = new Set([...seen].map((s) => s.split(' ').slice(0, 2).join(' ')));
    expect(documentedOperations(doc).filter((op) => !driven.has(op))).toEqual([]);
    const documentedStatuses = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).flatMap((op) => (typeof op === 'string' ? [] : Object.keys(op.responses))),
    );
    // Figures for the report: operations and statuses exercised.
    process.stdout.write(
      `openapi conformance (${database}): ${driven.size} operations driven, ${seen.size} of ${documentedStatuses.length} documented answers seen\n`,
    );
    const receipts = (doc.paths['/api/erasures']!.get as { responses: Record<string, { content: Record<string, { schema: object }> }> })
      .responses['200']!.content['application/json']!.schema;
    expect(checkSchema(receipts, { receipts: [{ id: 1, scope: 'all' }] })).toEqual(
      expect.arrayContaining(['$.receipts[0].id: expected string, got integer', '$.receipts[0].contactId: required']),
    );
    const ticket = (
      doc.paths['/api/tickets/{number}']!.get as { responses: Record<string, { content: Record<string, { schema: object }> }> }
    ).responses['200']!.content['application/json']!.schema;
    expect(checkSchema(ticket, { number: 1, secret: 'x' })).toEqual(
      expect.arrayContaining(['$.secret: not in the schema', '$.id: required']),
    );
  });
});
