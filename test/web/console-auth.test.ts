/** Sign-in, sessions, CSRF and page safety of the console, over HTTP against the whole app. */
import { describeEachDatabase } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword } from './browser-harness.js';
import { consoleClient } from './console-http.js';

describeEachDatabase('console sign-in and sessions (%s)', (kind) => {
  const mail = createTestChannelDefinition('test', 'email');
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ database: kind, definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }] });
    await givePassword(t.app.database.kysely, t.adminId, 'admin-password-1');
  });
  afterEach(() => t.stop());

  async function signedIn(email = 'admin@loja.example', password = 'admin-password-1') {
    const c = consoleClient(t.baseUrl);
    await c.get('/login');
    const r = await c.post('/login', { email, password });
    expect(r.status).toBe(303);
    return c;
  }

  test('a page without a session sends the browser to sign in; the cookie is HttpOnly and SameSite=Lax', async () => {
    const c = consoleClient(t.baseUrl);
    const r = await c.get('/tickets/10001');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/login?next=%2Ftickets%2F10001');
    await c.get('/login');
    const ok = await c.post('/login', { email: 'ADMIN@loja.example ', password: 'admin-password-1', next: '/tickets/10001' });
    expect(ok.headers.get('location')).toBe('/tickets/10001');
    const cookie = ok.headers.getSetCookie().find((h) => h.startsWith('ponte_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
  });

  test('after sign-in, only paths of the console are followed (no open redirect)', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const c = consoleClient(t.baseUrl);
      await c.get('/login');
      const r = await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1', next });
      expect(r.headers.get('location')).toBe('/');
    }
  });

  test('the sign-in form needs its CSRF token', async () => {
    const c = consoleClient(t.baseUrl);
    await c.get('/login');
    const r = await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1' }, { csrf: null });
    expect(r.status).toBe(403);
    expect(c.cookies.has('ponte_session')).toBe(false);
  });

  test('five wrong passwords lock the account for 15 minutes, even with the right one, for every IP', async () => {
    const c = consoleClient(t.baseUrl);
    await c.get('/login');
    for (let i = 0; i < 5; i++) expect((await c.post('/login', { email: 'admin@loja.example', password: `wrong-${i}` })).status).toBe(401);
    const locked = await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(locked.text).toContain('15 min');
    const row = await t.app.database.kysely
      .selectFrom('login_attempts')
      .selectAll()
      .where('key', '=', 'a:admin@loja.example')
      .executeTakeFirstOrThrow();
    expect(row.failures).toBe(5);
    // Unknown accounts answer exactly like wrong passwords.
    expect((await c.post('/login', { email: 'nobody@loja.example', password: 'x' })).text).toContain('incorretos');
  });

  test('sign out everywhere ends the other browsers; a disabled agent is signed out at once', async () => {
    const a = await signedIn();
    const b = await signedIn();
    expect((await b.get('/')).status).toBe(200);
    await a.get('/');
    expect((await a.post('/logout-everywhere', {})).status).toBe(303);
    expect((await b.get('/')).status).toBe(303);

    const bia = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
    await givePassword(t.app.database.kysely, bia.id, 'bia-password-12');
    const biaBrowser = await signedIn('bia@loja.example', 'bia-password-12');
    expect((await biaBrowser.get('/')).status).toBe(200);
    const admin = await signedIn();
    await admin.get('/admin/agents');
    expect((await admin.post(`/admin/agents/${bia.id}/disable`, {})).status).toBe(303);
    expect((await biaBrowser.get('/')).status).toBe(303);
  });

  test('agents cannot open admin pages; admins invite with a one-time link that sets a password once', async () => {
    const admin = await signedIn();
    await admin.get('/admin/agents');
    const invited = await admin.post('/admin/agents', { name: 'Caio <b>', email: 'caio@loja.example', role: 'agent' });
    expect(invited.status).toBe(201);
    expect(invited.text).toContain('Caio &lt;b&gt;');
    const link = /<code class="secret" id="one-time-link">([^<]+)<\/code>/.exec(invited.text)![1]!;
    const path = new URL(link).pathname;
    const caio = consoleClient(t.baseUrl);
    await caio.get(path);
    expect((await caio.post(path, { password: 'short' })).status).toBe(400);
    expect((await caio.post(path, { password: 'caio-password-1' })).status).toBe(303);
    expect((await caio.get('/')).status).toBe(200);
    expect((await caio.get('/admin/agents')).status).toBe(403);
    const again = consoleClient(t.baseUrl);
    expect((await again.get(path)).status).toBe(410);
  });

  test('paths that are not the console stay the gateway JSON 404 (no cookie, no CSRF refusal)', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await fetch(`${t.baseUrl}/no-such-page`, { method });
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ error: 'not_found' });
      expect(r.headers.getSetCookie()).toEqual([]);
    }
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });

  test('pages carry a strict CSP; customer text is escaped everywhere', async () => {
    await t.context('mail').ingest({
      message: {
        externalId: 'x1',
        from: { kind: 'email', address: 'evil@example.com', displayName: '<img src=x onerror=alert(1)>' },
        subject: '"><script>alert(1)</script>',
        text: '<b>hi</b>',
      },
    });
    const c = await signedIn();
    const inbox = await c.get('/?view=all');
    expect(inbox.headers.get('content-security-policy')).toMatch(/script-src 'self'; style-src 'self'/);
    expect(inbox.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(inbox.text).not.toContain('<script>alert(1)');
    expect(inbox.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(inbox.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const ticket = await c.get('/tickets/10001');
    expect(ticket.text).toContain('&lt;b&gt;hi&lt;/b&gt;');
    expect(ticket.text).not.toMatch(/<script(?! type="module" src=)/);
  });
});
