/**
 * The customer portal in real Chromium: a customer asks for a sign-in link, receives it in the
 * SMTP sink, opens it, sees exactly their requests, replies with an attachment (the agent sees it
 * through the API), never sees the internal note, gets 404 for another customer's ticket, sees a
 * colleague's request in the organization view; a merchant-signed link signs in, an expired or
 * tampered one does not; the phone layout fits 375 px. Any CSP violation fails the test.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumAvailable, openBrowser, type TestBrowser } from './browser-harness.js';
import { mailText, startPortalTestApp, type PortalTestApp } from './portal-harness.js';

const run = chromiumAvailable();
const maybe = run ? describe : describe.skip;
const SHOTS = join(process.cwd(), 'docs', 'screenshots');

maybe('customer portal in Chromium', () => {
  let t: PortalTestApp;
  let maria: TestBrowser;
  let joana: TestBrowser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startPortalTestApp();
    await t.customerMail('m1', 'maria@cliente.test', 'Maria Souza', 'Pedido 10482 atrasado', 'Meu pedido ainda não chegou.');
    await t.customerMail('j1', 'joana@cliente.test', 'Joana Prado', 'Nota fiscal do pedido 2231', 'Preciso da nota fiscal.');
    await t.customerMail('p1', 'pedro@outro.test', 'Pedro Lima', 'Troca de tamanho', 'Quero trocar o tamanho.');
    expect(
      (await t.api('POST', '/api/tickets/10001/replies', { body: 'NOTA INTERNA: conferir estoque, cliente VIP', visibility: 'internal' }))
        .status,
    ).toBe(201);
    expect(
      (await t.api('POST', '/api/tickets/10001/replies', { body: 'Olá Maria, pode nos enviar a foto da etiqueta?', visibility: 'public' }))
        .status,
    ).toBe(202);
    await t.smtp.waitFor(1, 15_000);
    maria = await openBrowser({ width: 1280, height: 900 });
    joana = await openBrowser({ width: 375, height: 800 });
  }, 90_000);

  afterAll(async () => {
    await maria?.close();
    await joana?.close();
    await t?.stop();
  });

  test('sign in by the mailed link, my requests only, reply with an attachment, no internal note, 404 for another customer, organization view', async () => {
    const p = maria.page;
    await p.goto(`${t.baseUrl}/portal/`);
    expect(p.url()).toContain('/portal/sign-in');
    await p.fill('#address', 'maria@cliente.test');
    const before = t.smtp.messages.length;
    await Promise.all([p.waitForURL(/sign-in$/), p.click('button[type="submit"].p-primary')]);
    await p.locator('#check-inbox').waitFor();
    await t.smtp.waitFor(before + 1, 15_000);
    const mail = t.smtp.messages.slice(before).find((m) => mailText(m).includes('/portal/auth/'))!;
    expect(mail.to).toEqual(['maria@cliente.test']);
    const link = new RegExp(`${t.baseUrl}/portal/auth/[\\w-]{43}`).exec(mailText(mail))![0];

    await p.goto(link);
    await Promise.all([p.waitForURL(`${t.baseUrl}/portal/`), p.click('#continue')]);
    const numbers = await p.locator('#requests tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')));
    expect(numbers).toEqual(['10001']);
    await expect(p.locator('#requests').textContent()).resolves.toContain('Aguardando sua resposta');
    // The link works once.
    const again = await p.goto(link);
    expect(again!.status()).toBe(410);

    await p.goto(`${t.baseUrl}/portal/requests/10001`);
    const thread = (await p.locator('#thread').textContent())!;
    expect(thread).toContain('foto da etiqueta');
    expect(thread).toContain('Meu pedido ainda não chegou.');
    expect(await p.content()).not.toContain('NOTA INTERNA');
    await p.fill('#body', 'Segue a foto da etiqueta.');
    await p.setInputFiles('#files', {
      name: 'etiqueta.png',
      mimeType: 'image/png',
      buffer: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
    });
    await Promise.all([p.waitForURL(/m=sent/), p.click('#send-reply')]);
    await p.locator('#thread .p-me').filter({ hasText: 'Segue a foto da etiqueta.' }).waitFor();
    const download = p.locator('#thread .p-me a[download]').filter({ hasText: 'etiqueta.png' });
    await download.waitFor();
    const fileRes = await p.request.get(t.baseUrl + (await download.getAttribute('href'))!);
    expect(fileRes.status()).toBe(200);
    await p.screenshot({ path: join(SHOTS, 'portal-ticket-desktop.png'), fullPage: true });

    // The agent sees the reply and its attachment like any customer message.
    const agentView = await t.api('GET', '/api/tickets/10001');
    const msg = agentView.body.messages.find((m: { text: string }) => m.text === 'Segue a foto da etiqueta.');
    expect(msg).toMatchObject({ direction: 'in', visibility: 'public', authorType: 'customer' });
    expect(msg.attachments.map((a: { filename: string }) => a.filename)).toEqual(['etiqueta.png']);
    expect(agentView.body.status).toBe('open');

    // Another customer's ticket does not exist for Maria.
    const other = await p.goto(`${t.baseUrl}/portal/requests/10003`);
    expect(other!.status()).toBe(404);
    expect(await p.content()).not.toContain('Troca de tamanho');

    // Organization view (cliente.test): Joana's request is there.
    await p.goto(`${t.baseUrl}/portal/?scope=org`);
    const orgNumbers = await p.locator('#requests tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')));
    expect(orgNumbers.sort()).toEqual(['10001', '10002']);
    await p.goto(`${t.baseUrl}/portal/requests/10002`);
    await p.locator('#read-only').waitFor();
    expect(await p.locator('#reply-form').count()).toBe(0);

    // Language switch: the same page in English.
    await p.selectOption('#p-lang-select', 'en');
    await Promise.all([p.waitForURL(/requests\/10002/), p.click('.p-lang button')]);
    await expect(p.locator('h1').first().textContent()).resolves.toContain('Nota fiscal');
    await expect(p.locator('.p-nav').textContent()).resolves.toContain('My requests');

    // Chromium logs the 404 and 410 answers above as console errors; nothing else may appear.
    expect(maria.problems.errors.filter((e) => !/status of (404|410)/.test(e))).toEqual([]);
    maria.problems.errors.length = 0;
    maria.assertClean();
  });

  test('a merchant-signed link signs in (phone layout fits 375 px); expired or tampered links do not', async () => {
    const p = joana.page;
    const expired = await p.goto(t.signedUrl({ email: 'joana@cliente.test', expInSeconds: -60 }));
    expect(expired!.status()).toBe(401);
    await p.locator('#signed-error').waitFor();
    const tampered = new URL(t.signedUrl({ email: 'joana@cliente.test' }));
    tampered.searchParams.set('email', 'maria@cliente.test');
    expect((await p.goto(tampered.toString()))!.status()).toBe(401);
    expect((await p.goto(`${t.baseUrl}/portal/`)) && p.url()).toContain('/portal/sign-in');
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await p.screenshot({ path: join(SHOTS, 'portal-sign-in-phone.png') });

    const good = t.signedUrl({ email: 'joana@cliente.test', org: 'cliente-sa' });
    await p.goto(good);
    expect(p.url()).toBe(`${t.baseUrl}/portal/`);
    const numbers = await p.locator('#requests tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')));
    expect(numbers).toEqual(['10002']);
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await p.screenshot({ path: join(SHOTS, 'portal-list-phone.png'), fullPage: true });
    expect(statSync(join(SHOTS, 'portal-list-phone.png')).size).toBeGreaterThan(5000);
    await p.goto(`${t.baseUrl}/portal/requests/10002`);
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await p.screenshot({ path: join(SHOTS, 'portal-ticket-phone.png'), fullPage: true });
    await p.goto(`${t.baseUrl}/portal/new`);
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await p.screenshot({ path: join(SHOTS, 'portal-new-phone.png'), fullPage: true });

    // The same signed link cannot be used twice.
    const other = await openBrowser({ width: 375, height: 800 });
    try {
      expect((await other.page.goto(good))!.status()).toBe(401);
    } finally {
      await other.close();
    }
    expect(joana.problems.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    joana.problems.errors.length = 0;
    joana.assertClean();
  });
});
