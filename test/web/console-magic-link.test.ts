/**
 * "Email me a sign-in link" over HTTP: the link is mailed through an email channel, works once
 * and for 15 minutes, in any gateway process sharing the database; the request answers the
 * same for unknown addresses and is rate-limited; without server.publicUrl it is not offered.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { consoleClient, type ConsoleClient } from './console-http.js';

const PUBLIC = 'http://console.loja.example';

describe('console: sign-in link by email', () => {
  const mail = createTestChannelDefinition('test', 'email');
  let t: TestApp;
  let now = Date.parse('2026-11-30T12:00:00Z');
  let dbPath: string;
  beforeEach(async () => {
    now = Date.parse('2026-11-30T12:00:00Z');
    dbPath = join(mkdtempSync(join(tmpdir(), 'ponte-magic-')), 'ponte.db');
    t = await startTestApp({
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      clock: { now: () => now },
      config: { server: { host: '127.0.0.1', port: 0, publicUrl: PUBLIC }, database: { driver: 'sqlite', path: dbPath } },
    });
  });
  afterEach(() => t.stop());

  async function requestLink(c: ConsoleClient, email: string) {
    await c.get('/login');
    return c.post('/login/link', { email });
  }
  async function mailedLink(count = 1): Promise<string> {
    for (let i = 0; i < 100 && mail.outbox('mail').sent.length < count; i++) await new Promise((r) => setTimeout(r, 20));
    const m = mail.outbox('mail').sent[count - 1]!;
    const link = /(http\S+\/login\/link\/\S+)/.exec(m.text)![1]!;
    expect(link.startsWith(`${PUBLIC}/login/link/`)).toBe(true);
    return new URL(link).pathname + new URL(link).search;
  }

  test('the link is mailed to the agent, signs in once, and a second use fails with a clear message', async () => {
    const c = consoleClient(t.baseUrl);
    const login = await c.get('/login');
    expect(login.text).toContain('id="magic-form"');
    const r = await requestLink(c, ' ADMIN@loja.example ');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Se admin@loja.example for de um agente, um link de acesso está a caminho. Ele vale uma vez, por 15 minutos.');
    const path = await mailedLink();
    const m = mail.outbox('mail').sent[0]!;
    expect(m.recipient).toEqual({ kind: 'email', address: 'admin@loja.example' });
    expect(m.ticket.subject).toBe('Seu link de acesso ao Ponte');
    // The token is stored only as its hash.
    const token = path.split('/').pop()!;
    const rows = await t.app.database.kysely.selectFrom('web_tokens').select(['id', 'purpose']).execute();
    expect(rows).toEqual([{ id: expect.not.stringContaining(token), purpose: 'magic' }]);
    // Opening the link (a mail scanner does that too) uses nothing up; the button signs in.
    const confirm = await c.get(path);
    expect(confirm.text).toContain('Entrar como Admin');
    expect((await c.get(path)).status).toBe(200);
    const signed = await c.post(path, {});
    expect(signed.status).toBe(303);
    expect(signed.headers.get('location')).toBe('/');
    expect((await c.get('/')).status).toBe(200);
    const again = consoleClient(t.baseUrl);
    const reused = await again.get(path);
    expect(reused.status).toBe(410);
    expect(reused.text).toContain('Este link de acesso já foi usado ou expirou. Peça um novo.');
    await again.get('/login');
    expect((await again.post(path, {})).status).toBe(410);
    expect(again.cookies.has('ponte_session')).toBe(false);
  });

  test('after 15 minutes the link has expired', async () => {
    const c = consoleClient(t.baseUrl);
    await requestLink(c, 'admin@loja.example');
    const path = await mailedLink();
    now += 15 * 60_000 + 1000;
    const expired = await c.get(path);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('já foi usado ou expirou');
  });

  test('an unknown address gets the very same answer and no mail; requests are rate-limited', async () => {
    const c = consoleClient(t.baseUrl);
    const known = await requestLink(c, 'admin@loja.example');
    const unknown = await requestLink(c, 'nobody@loja.example');
    const strip = (s: string) =>
      s
        .replace(/(admin|nobody)@loja\.example/g, 'X')
        .replace(/value="[\w-]{43}"/g, '')
        .replace(/content="[\w-]{43}"/g, '');
    expect(unknown.status).toBe(known.status);
    expect(strip(unknown.text)).toBe(strip(known.text));
    await mailedLink(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(mail.outbox('mail').sent).toHaveLength(1);
    await requestLink(c, 'admin@loja.example');
    await requestLink(c, 'admin@loja.example');
    const limited = await requestLink(c, 'admin@loja.example');
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Muitas tentativas. Tente de novo em 15 min.');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
  });

  test('when the attempt counters lose their updates (parallel requests read, then write), the agent still gets at most three links', async () => {
    // The race, made deterministic: every request finds the counters empty, as parallel
    // requests that all read before any wrote would.
    for (let i = 0; i < 8; i++) {
      const c = consoleClient(t.baseUrl);
      expect((await requestLink(c, 'admin@loja.example')).status).toBe(200);
      await t.app.database.kysely.deleteFrom('login_attempts').execute();
    }
    await mailedLink(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.outbox('mail').sent).toHaveLength(3);
    expect(await t.app.database.kysely.selectFrom('web_tokens').select('purpose').execute()).toHaveLength(3);
  });

  test('a link asked for in one gateway process signs in through another sharing the database', async () => {
    const second = createTestChannelDefinition('test', 'email');
    const other = await startTestApp({
      definitions: [second.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      clock: { now: () => now },
      config: { server: { host: '127.0.0.1', port: 0, publicUrl: PUBLIC }, database: { driver: 'sqlite', path: dbPath } },
    });
    try {
      await requestLink(consoleClient(t.baseUrl), 'admin@loja.example');
      const path = await mailedLink();
      const c = consoleClient(other.baseUrl);
      await c.get(path);
      expect((await c.post(path, {})).status).toBe(303);
      expect((await c.get('/')).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});

describe('console: sign-in link without server.publicUrl', () => {
  let t: TestApp;
  afterEach(() => t.stop());
  test('is not offered (a link from the Host header could point anywhere)', async () => {
    t = await startTestApp();
    const c = consoleClient(t.baseUrl);
    expect((await c.get('/login')).text).not.toContain('magic-form');
    expect((await c.post('/login/link', { email: 'admin@loja.example' })).status).toBe(404);
  });
});
