/**
 * The portal over HTTP, as a customer's browser or a shop's backend would use it: no
 * enumeration, sign-in only to proven identities (never to a claim), rate limits, codes, the
 * JSON API with a session or a signed token, 404 for other people's tickets, internal notes
 * never disclosed, new requests (and the same reason + reference leading to the open one),
 * upload errors, solved / reopen, and the stored notification choice.
 */
import { startPortalTestApp, mailText, type PortalTestApp } from './portal-harness.js';
import { customerWantsNotice } from '../../src/web/portal/portal.repository.js';
import { describeEachDatabase } from '../core/db-fixtures.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filesUnder = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : []);

/** A tiny cookie jar over fetch (one browser). */
function browser(base: string) {
  const jar = new Map<string, string>();
  async function go(method: string, path: string, body?: string | FormData, headers: Record<string, string> = {}) {
    const res = await fetch(base + path, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const v = pair!.slice(i + 1);
      if (/Max-Age=0/.test(c)) jar.delete(pair!.slice(0, i));
      else jar.set(pair!.slice(0, i), v);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers };
  }
  const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { jar, go, csrf };
}

describeEachDatabase('customer portal over HTTP on %s', (kind) => {
  let t: PortalTestApp;
  beforeAll(async () => {
    t = await startPortalTestApp({}, kind);
    await t.customerMail('m1', 'maria@cliente.test', 'Maria Souza', 'Pedido 10482 atrasado', 'Meu pedido não chegou.');
    await t.customerMail('p1', 'pedro@outro.test', 'Pedro Lima', 'Troca de tamanho', 'Quero trocar.');
    const note = await t.api('POST', '/api/tickets/10001/replies', { body: 'NOTA INTERNA: cliente VIP, CPF 123', visibility: 'internal' });
    expect(note.status).toBe(201);
  }, 60_000);
  afterAll(async () => t?.stop());

  async function signInByCode(address: string) {
    const b = browser(t.baseUrl);
    const page = await b.go('GET', '/portal/sign-in');
    const before = t.smtp.messages.length;
    const sent = await b.go(
      'POST',
      '/portal/sign-in',
      `_csrf=${encodeURIComponent(b.csrf(page.text))}&address=${encodeURIComponent(address)}`,
    );
    expect(sent.status).toBe(200);
    await t.smtp.waitFor(before + 1);
    let mail = t.smtp.messages.slice(before).find((m) => mailText(m).includes('/portal/auth/'));
    for (let i = 0; i < 100 && !mail; i++) {
      await new Promise((r) => setTimeout(r, 50));
      mail = t.smtp.messages.slice(before).find((m) => mailText(m).includes('/portal/auth/'));
    }
    const code = /\b(\d{6})\b/.exec(mailText(mail!))![1]!;
    const ok = await b.go(
      'POST',
      '/portal/sign-in/code',
      `_csrf=${encodeURIComponent(b.csrf(sent.text))}&address=${encodeURIComponent(address)}&code=${code}`,
    );
    expect(ok.status).toBe(303);
    return b;
  }

  test('the same answer for a known, an unknown and a claimed-only address; only the proven one gets mail', async () => {
    // Pedro's ticket carries a claim (typed, never proven) of another address.
    const ticket = await t.app.database.kysely.selectFrom('tickets').select('id').where('number', '=', 10002).executeTakeFirstOrThrow();
    await t.app.database.kysely
      .insertInto('ticket_claims')
      .values({
        id: '01KCLAIM000000000000000000',
        ticket_id: ticket.id,
        kind: 'email',
        address: 'claimed@outro.test',
        display_name: null,
        created_at: Date.now(),
        linked_contact_id: null,
        linked_at: null,
        linked_by: null,
      })
      .execute();
    const b = browser(t.baseUrl);
    const token = b.csrf((await b.go('GET', '/portal/sign-in')).text);
    const before = t.smtp.messages.length;
    const answers = [];
    for (const address of ['nobody@nowhere.test', 'claimed@outro.test', 'maria@cliente.test']) {
      const r = await b.go('POST', '/portal/sign-in', `_csrf=${encodeURIComponent(token)}&address=${encodeURIComponent(address)}`);
      answers.push({ status: r.status, body: r.text.replaceAll(address, 'ADDRESS') });
    }
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(answers[0]!.body).toBe(answers[1]!.body);
    expect(answers[0]!.body).toBe(answers[2]!.body);
    const mails = (await t.smtp.waitFor(before + 1)).slice(before);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.smtp.messages.slice(before).map((m) => m.to)).toEqual([['maria@cliente.test']]);
    expect(mailText(mails[0]!)).toMatch(new RegExp(`${t.baseUrl}/portal/auth/[\\w-]{43}`));
    expect(mails[0]!.header('auto-submitted')).toBe('auto-replied');
  });

  test('the language follows Accept-Language until the customer picks one', async () => {
    const es = await fetch(`${t.baseUrl}/portal/sign-in`, { headers: { 'accept-language': 'es-AR,es;q=0.9' } });
    expect(await es.text()).toContain('Ingresa para ver tus solicitudes');
    const en = await fetch(`${t.baseUrl}/portal/sign-in`, { headers: { 'accept-language': 'en-US', cookie: 'ponte_lang=pt-BR' } });
    expect(await en.text()).toContain('Entre para ver suas solicitações');
  });

  test("a signed link's organization groups contacts the config does not know", async () => {
    await t.customerMail('l1', 'lia@terceiro.test', 'Lia Ramos', 'Boleto vencido', 'Preciso de outro boleto.');
    const lia = browser(t.baseUrl);
    expect((await lia.go('GET', t.signedUrl({ email: 'lia@terceiro.test', org: 'parceiro-x' }).slice(t.baseUrl.length))).status).toBe(303);
    const pedro = browser(t.baseUrl);
    expect((await pedro.go('GET', t.signedUrl({ email: 'pedro@outro.test', org: 'parceiro-x' }).slice(t.baseUrl.length))).status).toBe(303);
    const org = JSON.parse((await pedro.go('GET', '/portal/api/requests?scope=org')).text);
    expect(org.requests.map((r: { number: number; mine: boolean }) => [r.number, r.mine]).sort()).toEqual([
      [10002, true],
      [10003, false],
    ]);
    // Read-only for a colleague: a reply is refused and nothing is stored.
    const session = JSON.parse((await pedro.go('GET', '/portal/api/session')).text);
    expect(session.organization).toEqual({ id: 'parceiro-x', name: 'parceiro-x' });
    const r = await pedro.go('POST', '/portal/api/requests/10003/replies', JSON.stringify({ body: 'intruso' }), {
      'content-type': 'application/json',
      'x-csrf-token': session.csrfToken,
    });
    expect(r.status).toBe(409);
    expect((await t.api('GET', '/api/tickets/10003')).body.messages.some((m: { text: string }) => m.text === 'intruso')).toBe(false);
  });

  test('sign-in requests are rate-limited per address (429), and a wrong code is refused', async () => {
    const b = browser(t.baseUrl);
    const token = b.csrf((await b.go('GET', '/portal/sign-in')).text);
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await b.go('POST', '/portal/sign-in', `_csrf=${encodeURIComponent(token)}&address=ratelimited@nowhere.test`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const bad = await b.go('POST', '/portal/sign-in/code', `_csrf=${encodeURIComponent(token)}&address=maria@cliente.test&code=000000`);
    expect(bad.status).toBe(401);
    expect(bad.text).toContain('id="code-error"');
  });

  test('a form post without the CSRF token is refused (403)', async () => {
    const b = await signInByCode('pedro@outro.test');
    const r = await b.go('POST', '/portal/requests/10002/solve', '');
    expect(r.status).toBe(403);
    expect((await t.api('GET', '/api/tickets/10002')).body.status).toBe('new');
  });

  test('JSON API with the session: my requests only, 404 for another customer, no internal note, CSRF on writes', async () => {
    const b = await signInByCode('maria@cliente.test');
    const list = JSON.parse((await b.go('GET', '/portal/api/requests')).text);
    expect(list.requests.map((r: { number: number }) => r.number)).toEqual([10001]);
    const other = await b.go('GET', '/portal/api/requests/10002');
    expect(other.status).toBe(404);
    const mine = await b.go('GET', '/portal/api/requests/10001');
    expect(mine.status).toBe(200);
    expect(mine.text).not.toContain('NOTA INTERNA');
    expect(mine.text).not.toContain('maria@cliente.test');
    const noCsrf = await b.go('POST', '/portal/api/requests/10001/replies', JSON.stringify({ body: 'x' }), {
      'content-type': 'application/json',
    });
    expect(noCsrf.status).toBe(403);
    const session = JSON.parse((await b.go('GET', '/portal/api/session')).text);
    const reply = await b.go('POST', '/portal/api/requests/10001/replies', JSON.stringify({ body: 'Pelo JSON' }), {
      'content-type': 'application/json',
      'x-csrf-token': session.csrfToken,
    });
    expect(reply.status).toBe(202);
    const agentView = await t.api('GET', '/api/tickets/10001');
    expect(agentView.body.messages.some((m: { text: string; direction: string }) => m.text === 'Pelo JSON' && m.direction === 'in')).toBe(
      true,
    );
  });

  test('JSON API with a merchant-signed token; a tampered or expired token is 401', async () => {
    const url = new URL(t.signedUrl({ email: 'pedro@outro.test' }));
    const bearer = Buffer.from(url.searchParams.toString()).toString('base64url');
    const ok = await fetch(`${t.baseUrl}/portal/api/requests`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { requests: Array<{ number: number }> }).requests.map((r) => r.number)).toEqual([10002]);
    url.searchParams.set('email', 'maria@cliente.test');
    const tampered = await fetch(`${t.baseUrl}/portal/api/requests`, {
      headers: { authorization: `Bearer ${Buffer.from(url.searchParams.toString()).toString('base64url')}` },
    });
    expect(tampered.status).toBe(401);
    const expired = new URL(t.signedUrl({ email: 'pedro@outro.test', expInSeconds: -5 }));
    const r = await fetch(`${t.baseUrl}/portal/api/requests`, {
      headers: { authorization: `Bearer ${Buffer.from(expired.searchParams.toString()).toString('base64url')}` },
    });
    expect(r.status).toBe(401);
  });

  test('a new request; the same category and reference as an open one lands on that one', async () => {
    const b = await signInByCode('pedro@outro.test');
    const page = await b.go('GET', '/portal/new');
    expect(page.text).toContain('Entrega');
    const post = async (title: string, reference: string) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({
        _csrf: b.csrf(page.text),
        category: 'delivery',
        title,
        reference,
        impact: 'high',
        body: `${title}: detalhes`,
      }))
        fd.append(k, v);
      return b.go('POST', '/portal/new', fd);
    };
    const first = await post('Entrega incompleta', 'PED-777');
    expect(first.status).toBe(303);
    const n = Number(/requests\/(\d+)/.exec(first.location!)![1]);
    const created = await t.api('GET', `/api/tickets/${n}`);
    expect(created.body).toMatchObject({
      subject: 'Entrega incompleta',
      category: 'delivery',
      reference: 'PED-777',
      priority: 'high',
      origin: 'portal',
    });
    const again = await post('Ainda falta item', 'PED-777');
    expect(again.location).toContain(`/requests/${n}?m=existing`);
    const missing = new FormData();
    missing.append('_csrf', b.csrf(page.text));
    missing.append('title', 'sem categoria');
    const refused = await b.go('POST', '/portal/new', missing);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="new-error"');
    // A file too large: the request is refused and nothing typed is lost.
    const withBig = new FormData();
    withBig.append('_csrf', b.csrf(page.text));
    withBig.append('title', 'Nota fiscal errada');
    withBig.append('body', 'O CNPJ da nota está errado, segue a foto.');
    withBig.append('files', new Blob([Buffer.alloc(300_000, 1)], { type: 'application/pdf' }), 'foto.pdf');
    const tooBig = await b.go('POST', '/portal/new', withBig);
    expect(tooBig.status).toBe(413);
    expect(tooBig.text).toContain('value="Nota fiscal errada"');
    expect(tooBig.text).toContain('>O CNPJ da nota está errado, segue a foto.</textarea>');
    // A cross-site post (no CSRF field of this session) gets the refusal without its text in the page.
    const forged = new FormData();
    forged.append('title', 'texto de outro site');
    forged.append('body', 'texto de outro site');
    forged.append('files', new Blob([Buffer.alloc(300_000, 1)], { type: 'application/pdf' }), 'foto.pdf');
    const refusedForged = await b.go('POST', '/portal/new', forged);
    expect(refusedForged.status).toBe(413);
    expect(refusedForged.text).not.toContain('texto de outro site');
  });

  test('upload errors are clear and store nothing: too large (413), type not allowed (415)', async () => {
    const b = await signInByCode('pedro@outro.test');
    const page = await b.go('GET', '/portal/requests/10002');
    const send = async (file: Blob, name: string) => {
      const fd = new FormData();
      fd.append('_csrf', b.csrf(page.text));
      fd.append('body', 'com anexo');
      fd.append('files', file, name);
      return b.go('POST', '/portal/requests/10002/reply', fd);
    };
    const blobsBefore = filesUnder(t.blobsDir);
    const big = await send(new Blob([Buffer.alloc(300_000, 1)], { type: 'application/pdf' }), 'grande.pdf');
    expect(big.status).toBe(413);
    expect(big.text).toMatch(/grande demais|too large/);
    // What the customer typed is back in the box, ready to send without the file.
    expect(big.text).toContain('>com anexo</textarea>');
    const exe = await send(new Blob([Buffer.from('MZ')], { type: 'application/x-msdownload' }), 'virus.exe');
    expect(exe.status).toBe(415);
    expect(exe.text).toMatch(/não é aceito|not accepted/);
    const detail = await t.api('GET', '/api/tickets/10002');
    expect(detail.body.messages.some((m: { text: string }) => m.text === 'com anexo')).toBe(false);
    expect(filesUnder(t.blobsDir)).toEqual(blobsBefore);
    // A well-formed file sent to a request that is not theirs: refused, and the file is not kept.
    const fd = new FormData();
    fd.append('_csrf', b.csrf(page.text));
    fd.append('body', 'com anexo');
    fd.append('files', new Blob([Buffer.from('%PDF-1.4 comprovante')], { type: 'application/pdf' }), 'comprovante.pdf');
    expect((await b.go('POST', '/portal/requests/99999/reply', fd)).status).toBe(404);
    const onlyFiles = (names: string[]) => names.filter((n) => statSync(join(t.blobsDir, n)).isFile());
    expect(onlyFiles(filesUnder(t.blobsDir))).toEqual(onlyFiles(blobsBefore));
  });

  test('this is solved, then reopen; the notification choice is stored for the notices', async () => {
    const b = await signInByCode('pedro@outro.test');
    let page = await b.go('GET', '/portal/requests/10002');
    expect((await b.go('POST', '/portal/requests/10002/solve', `_csrf=${encodeURIComponent(b.csrf(page.text))}`)).status).toBe(303);
    expect((await t.api('GET', '/api/tickets/10002')).body.status).toBe('solved');
    page = await b.go('GET', '/portal/requests/10002');
    expect(page.text).toContain('id="reopen"');
    expect((await b.go('POST', '/portal/requests/10002/reopen', `_csrf=${encodeURIComponent(b.csrf(page.text))}`)).status).toBe(303);
    expect((await t.api('GET', '/api/tickets/10002')).body.status).toBe('open');
    const prefs = await b.go('GET', '/portal/preferences');
    expect((await b.go('POST', '/portal/preferences', `_csrf=${encodeURIComponent(b.csrf(prefs.text))}&notify=needs_reply`)).status).toBe(
      303,
    );
    const contact = (await t.api('GET', '/api/tickets/10002')).body.requesterId as string;
    expect(await customerWantsNotice(t.app.database.kysely, contact, false)).toBe(false);
    expect(await customerWantsNotice(t.app.database.kysely, contact, true)).toBe(true);
  });
});
