/**
 * The portal beyond email: a WhatsApp customer signs in with a code sent by WhatsApp and their
 * portal reply keeps the conversation on WhatsApp; a second brand shows only its channels'
 * tickets and does not accept the first brand's session; a closed request takes a follow-up.
 */
import { createTestChannelDefinition } from '../support/test-channel.js';
import { mailText, startPortalTestApp, type PortalTestApp } from './portal-harness.js';

/** A cookie jar that, like a browser, sends a cookie only under its Path (longest path first). */
function browser(base: string) {
  const jar = new Map<string, { name: string; path: string; value: string }>();
  async function go(method: string, path: string, body?: string | FormData) {
    const cookies = [...jar.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    const res = await fetch(base + path, {
      method,
      redirect: 'manual',
      headers: {
        cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const cpath = /Path=([^;]+)/.exec(c)?.[1] ?? '/';
      if (/Max-Age=0/.test(c)) jar.delete(`${name}|${cpath}`);
      else jar.set(`${name}|${cpath}`, { name, path: cpath, value: pair!.slice(i + 1) });
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }
  const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { go, csrf, jar };
}

/** The code of the next sign-in mail after `before` (other mail, such as status notices, is skipped). */
async function mailedCode(t: PortalTestApp, before: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const m = t.smtp.messages.slice(before).find((x) => x.subject().includes('link de acesso'));
    if (m) return /\b(\d{6})\b/.exec(mailText(m))![1]!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no sign-in mail');
}

describe('customer portal: WhatsApp sign-in, brands, follow-ups', () => {
  let t: PortalTestApp;
  const zap = createTestChannelDefinition('zaptest', 'chat', ['whatsapp', 'phone']);

  beforeAll(async () => {
    t = await startPortalTestApp(
      { brands: [{ id: 'outlet', path: '/outlet', name: 'Loja Outlet', colors: { primary: '#b3261e' }, channels: ['zap'] }] },
      'sqlite',
      { definitions: [zap.definition], channels: [{ id: 'zap', kind: 'zaptest' }] },
    );
    const zapCtx = t.app.running.find((c) => c.entry.id === 'zap')!.context;
    const o = await zapCtx.ingest({
      message: {
        externalId: 'wa-1',
        from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net', displayName: 'Rita Alves' },
        proof: { level: 'channel' },
        text: 'Oi, meu pedido 555 veio errado',
      },
    });
    expect(o).toMatchObject({ status: 'created', ticketNumber: 10001 });
    await t.customerMail('m1', 'maria@cliente.test', 'Maria Souza', 'Pedido 10482 atrasado', 'Meu pedido não chegou.');
  }, 60_000);
  afterAll(async () => t?.stop());

  async function signInWhatsApp(b: ReturnType<typeof browser>, base: string) {
    const page = await b.go('GET', `${base}/sign-in`);
    const before = zap.outbox('zap').sent.length;
    const r = await b.go(
      'POST',
      `${base}/sign-in`,
      `_csrf=${encodeURIComponent(b.csrf(page.text))}&address=${encodeURIComponent('+55 (11) 98765-4321')}`,
    );
    expect(r.status).toBe(200);
    for (let i = 0; i < 50 && zap.outbox('zap').sent.length === before; i++) await new Promise((res) => setTimeout(res, 50));
    const sent = zap.outbox('zap').sent[before]!;
    expect(sent.recipient).toEqual({ kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' });
    const code = /\b(\d{6})\b/.exec(sent.text)![1]!;
    const ok = await b.go(
      'POST',
      `${base}/sign-in/code`,
      `_csrf=${encodeURIComponent(b.csrf(r.text))}&address=${encodeURIComponent('+5511987654321')}&code=${code}`,
    );
    expect(ok.status).toBe(303);
  }

  test('a WhatsApp customer gets the code by WhatsApp, no mail; the portal reply keeps the conversation on WhatsApp', async () => {
    const b = browser(t.baseUrl);
    const mailsBefore = t.smtp.messages.length;
    await signInWhatsApp(b, '/portal');
    expect(t.smtp.messages.length).toBe(mailsBefore);
    const list = await b.go('GET', '/portal/');
    expect(list.text).toContain('data-number="10001"');
    expect(list.text).not.toContain('data-number="10002"');
    const page = await b.go('GET', '/portal/requests/10001');
    const fd = new FormData();
    fd.append('_csrf', b.csrf(page.text));
    fd.append('body', 'Mandei pelo portal');
    expect((await b.go('POST', '/portal/requests/10001/reply', fd)).status).toBe(303);
    const sentBefore = zap.outbox('zap').sent.length;
    expect((await t.api('POST', '/api/tickets/10001/replies', { body: 'Recebido, Rita!', visibility: 'public' })).status).toBe(202);
    for (let i = 0; i < 100 && zap.outbox('zap').sent.length === sentBefore; i++) await new Promise((res) => setTimeout(res, 50));
    expect(zap.outbox('zap').sent.at(-1)).toMatchObject({
      text: 'Recebido, Rita!',
      recipient: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
    });
  });

  test("a brand shows only its channels' tickets, in its colours, and does not take another brand's session", async () => {
    const b = browser(t.baseUrl);
    await signInWhatsApp(b, '/outlet');
    const list = await b.go('GET', '/outlet/');
    expect(list.text).toContain('Loja Outlet');
    expect(list.text).toContain('data-number="10001"');
    expect((await b.go('GET', '/outlet/brand.css')).text).toContain('--p:#b3261e');
    // Maria's ticket came in by email, not on the outlet's channel: it does not exist there.
    const maria = browser(t.baseUrl);
    const page = await maria.go('GET', '/portal/sign-in');
    const before = t.smtp.messages.length;
    const sent = await maria.go('POST', '/portal/sign-in', `_csrf=${encodeURIComponent(maria.csrf(page.text))}&address=maria@cliente.test`);
    await t.smtp.waitFor(before + 1);
    const code = await mailedCode(t, before);
    expect(
      (
        await maria.go(
          'POST',
          '/portal/sign-in/code',
          `_csrf=${encodeURIComponent(maria.csrf(sent.text))}&address=maria@cliente.test&code=${code}`,
        )
      ).status,
    ).toBe(303);
    expect((await maria.go('GET', '/portal/requests/10002')).status).toBe(200);
    // The /portal session cookie, presented to /outlet, signs nobody in there.
    const portalCookie = maria.jar.get('ponte_portal|/portal')!;
    const r = await fetch(`${t.baseUrl}/outlet/`, { redirect: 'manual', headers: { cookie: `ponte_portal=${portalCookie.value}` } });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toContain('/outlet/sign-in');
  });

  test('a closed request offers a follow-up; replying opens a new request linked to it', async () => {
    expect((await t.api('PATCH', '/api/tickets/10002', { status: 'closed' })).status).toBe(200);
    await t.app.database.kysely
      .updateTable('tickets')
      .set({ closed_at: Date.now() - 30 * 86_400_000 })
      .where('number', '=', 10002)
      .execute();
    const b = browser(t.baseUrl);
    const page0 = await b.go('GET', '/portal/sign-in');
    const before = t.smtp.messages.length;
    const sent = await b.go('POST', '/portal/sign-in', `_csrf=${encodeURIComponent(b.csrf(page0.text))}&address=maria@cliente.test`);
    await t.smtp.waitFor(before + 1);
    const code = await mailedCode(t, before);
    await b.go('POST', '/portal/sign-in/code', `_csrf=${encodeURIComponent(b.csrf(sent.text))}&address=maria@cliente.test&code=${code}`);
    const page = await b.go('GET', '/portal/requests/10002');
    expect(page.text).toContain('id="closed-note"');
    expect(page.text).not.toContain('id="mark-solved"');
    const fd = new FormData();
    fd.append('_csrf', b.csrf(page.text));
    fd.append('body', 'Voltou a atrasar');
    const r = await b.go('POST', '/portal/requests/10002/reply', fd);
    expect(r.status).toBe(303);
    const n = Number(/requests\/(\d+)/.exec(r.location!)![1]);
    expect(n).toBeGreaterThan(10002);
    const follow = await t.api('GET', `/api/tickets/${n}`);
    expect(follow.body.followUpOf).toBe((await t.api('GET', '/api/tickets/10002')).body.id);
    expect((await t.api('GET', '/api/tickets/10002')).body.status).toBe('closed');
  });
});
