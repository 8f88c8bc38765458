/**
 * The agent console in real Chromium: sign in with the keyboard, a ticket that arrives by email
 * appears live, the agent answers and solves it (the SMTP sink receives the reply), an internal
 * note never reaches the sink, a second agent sees the reply without reloading, and the phone
 * layout fits 375 px. Any CSP violation or console error fails the test.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { chromiumAvailable, givePassword, markDocument, openBrowser, sameDocument, signIn, type TestBrowser } from './browser-harness.js';

const run = chromiumAvailable();
const maybe = run ? describe : describe.skip;

maybe('agent console in Chromium', () => {
  let t: TestApp;
  let smtp: SmtpCapture;
  let ana: TestBrowser;
  let bia: TestBrowser;
  const shots = mkdtempSync(join(tmpdir(), 'ponte-shots-'));

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    const email = createEmailChannelDefinition({
      connectImap: async () => {
        throw new Error('no IMAP server in this test: mail enters through ingest');
      },
      reconnect: { baseMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0, stableAfterMs: 60_000 },
    });
    t = await startTestApp({
      definitions: [email],
      channels: [
        {
          id: 'support',
          kind: 'email',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: { host: '127.0.0.1', port: 1, user: 'support@help.test', password: 'x' },
          smtp: smtp.smtpConfig(),
        },
      ],
      // Mailed sign-in links name this origin; the test follows their path on the test server.
      config: {
        console: { livePollMs: 200, attachments: { maxBytes: 200_000 } },
        server: { host: '127.0.0.1', port: 0, publicUrl: 'http://console.loja.example' },
      },
      loops: true,
    });
    await givePassword(t.app.database.kysely, t.adminId, 'ana-password-123');
    const bia2 = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
    await givePassword(t.app.database.kysely, bia2.id, 'bia-password-456');
    ana = await openBrowser();
    bia = await openBrowser({ width: 375, height: 740 });
  }, 60_000);

  afterAll(async () => {
    await ana?.close();
    await bia?.close();
    await t?.stop();
    await smtp?.stop();
    rmSync(shots, { recursive: true, force: true });
  });

  test('the CSP detector itself catches an inline style (so a clean run means something)', async () => {
    const probe = await openBrowser();
    try {
      await probe.page.goto(`${t.baseUrl}/login`);
      await probe.page.evaluate(
        "const s = document.createElement('style'); s.textContent = 'body { color: red }'; document.head.append(s);",
      );
      await probe.page.waitForTimeout(200);
      expect(() => probe.assertClean()).toThrow(/style-src/);
    } finally {
      await probe.close();
    }
  });

  test('sign in, live arrival, reply and solve by keyboard, note stays internal, a second agent sees the reply live', async () => {
    const p = ana.page;
    // A wrong password is refused with a message, nothing else.
    await p.goto(`${t.baseUrl}/login`);
    await p.fill('#email', 'admin@loja.example');
    await p.fill('#password', 'wrong-password');
    await p.press('#password', 'Enter');
    await p.waitForSelector('#login-error');
    // The refused sign-in answers 401, which Chromium logs; that one line is expected.
    expect(ana.problems.errors).toEqual([expect.stringContaining('status of 401')]);
    ana.problems.errors.length = 0;

    await signIn(p, t.baseUrl, 'admin@loja.example', 'ana-password-123');
    expect(await p.title()).toMatch(/Todos abertos/);
    await markDocument(p);

    // Mail arrives while the inbox is open: the row appears without a reload.
    const outcome = await t.context('support').ingest({
      message: {
        externalId: '<m1@cliente.test>',
        from: { kind: 'email', address: 'maria@cliente.test', displayName: 'Maria Souza' },
        subject: 'Pedido 10482 atrasado',
        text: 'Meu pedido ainda não chegou. <script>alert(1)</script>',
      },
    });
    expect(outcome).toMatchObject({ status: 'created', ticketNumber: 10001 });
    const row = p.locator('#rows tr[data-number="10001"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await sameDocument(p)).toBe(true);
    await expect(row.textContent()).resolves.toContain('Maria Souza');
    expect(await row.getAttribute('class')).toContain('unread');

    // The second agent, on a phone, opens the ticket.
    await signIn(bia.page, t.baseUrl, 'bia@loja.example', 'bia-password-456');
    await bia.page.goto(`${t.baseUrl}/tickets/10001`);
    await markDocument(bia.page);
    // Customer text is shown as text: the script tag is visible, never executed.
    await expect(bia.page.locator('#thread .msg.in .body').first().textContent()).resolves.toContain('<script>alert(1)</script>');
    expect(await bia.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await bia.page.screenshot({ path: join(shots, 'ticket-375.png'), fullPage: true });
    expect(statSync(join(shots, 'ticket-375.png')).size).toBeGreaterThan(5000);

    // Keyboard only: j focuses the first row, Enter opens it, s = "send and set solved", type, Ctrl+Enter.
    await p.keyboard.press('j');
    await Promise.all([p.waitForURL(/\/tickets\/10001/), p.keyboard.press('Enter')]);
    // A file over the limit is refused before any upload, in the agent's language.
    await p.setInputFiles('#reply-files', { name: 'video-caixa.png', mimeType: 'image/png', buffer: Buffer.alloc(300_000, 1) });
    await p.locator('#files-error').filter({ hasText: '"video-caixa.png" passa de 195 KB, o limite para anexos.' }).waitFor();
    expect(await p.evaluate("document.getElementById('reply-form').checkValidity()")).toBe(false);
    // A file chosen in the reply box travels with the reply (the page script lists it first).
    await p.setInputFiles('#reply-files', {
      name: 'rastreio-10482.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4 rastreio'),
    });
    await p.locator('#chosen-files li').filter({ hasText: 'rastreio-10482.pdf' }).waitFor();
    await p.keyboard.press('s');
    await p.keyboard.type('Olá Maria, o pedido 10482 sai hoje.');
    await Promise.all([p.waitForURL(/m=sent/), p.keyboard.press('Control+Enter')]);
    await p.locator('#ticket-status').filter({ hasText: 'Finalizado' }).waitFor();

    const [mail] = await smtp.waitFor(1, 15_000);
    expect(mail!.to).toEqual(['maria@cliente.test']);
    expect(mail!.raw.toString('utf8')).toContain('sai hoje');
    expect(mail!.subject()).toContain('#10001');
    expect(mail!.raw.toString('utf8')).toMatch(/Content-Disposition: attachment;\s+filename=rastreio-10482\.pdf/);
    expect(mail!.raw.toString('utf8')).toContain(Buffer.from('%PDF-1.4 rastreio').toString('base64'));
    await p.locator('#thread .msg.out .attachments').filter({ hasText: 'rastreio-10482.pdf' }).waitFor();

    // Delivery receipts through the channel's receipt path: the open page shows each step live.
    await markDocument(p);
    await p.locator('#thread .msg.out .delivery.d-sent').filter({ hasText: 'Enviada' }).waitFor({ timeout: 10_000 });
    const out = await t.app.database.kysely
      .selectFrom('messages')
      .select(['external_id'])
      .where('direction', '=', 'out')
      .where('visibility', '=', 'public')
      .executeTakeFirstOrThrow();
    await t.context('support').updateDelivery({ externalId: out.external_id!, status: 'delivered', at: Date.now() });
    await p.locator('#thread .msg.out .delivery.d-delivered').filter({ hasText: 'Entregue' }).waitFor({ timeout: 10_000 });
    await t.context('support').updateDelivery({ externalId: out.external_id!, status: 'read', at: Date.now() });
    await p.locator('#thread .msg.out .delivery.d-read').filter({ hasText: 'Lida' }).waitFor({ timeout: 10_000 });
    expect(await sameDocument(p)).toBe(true);

    // The other agent sees the reply appear, and the status change, without reloading.
    await bia.page.locator('#thread .msg.out').filter({ hasText: 'sai hoje' }).waitFor({ timeout: 10_000 });
    await bia.page.locator('#ticket-status').filter({ hasText: 'Finalizado' }).waitFor({ timeout: 10_000 });
    expect(await sameDocument(bia.page)).toBe(true);

    // An internal note (n, type, Ctrl+Enter) is shown to agents, and is never mailed.
    await p.keyboard.press('n');
    await p.keyboard.type('Cliente VIP, conferir o estoque antes.');
    await Promise.all([p.waitForURL(/m=note/), p.keyboard.press('Control+Enter')]);
    await p.locator('#thread .msg.internal').filter({ hasText: 'Cliente VIP' }).waitFor();
    await bia.page.locator('#thread .msg.internal').filter({ hasText: 'Cliente VIP' }).waitFor({ timeout: 10_000 });
    await t.drainOutbox();
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages.some((m) => m.raw.toString('utf8').includes('Cliente VIP'))).toBe(false);

    ana.assertClean();
    bia.assertClean();
  });

  test('new conversation: the agent writes first by email, the SMTP sink receives it, the ticket page opens', async () => {
    const p = ana.page;
    await p.goto(`${t.baseUrl}/`);
    await Promise.all([p.waitForURL(/\/new$/), p.click('#new-conversation')]);
    await p.selectOption('#nc-channel', 'support');
    await p.fill('#nc-to', 'joana@cliente.test');
    await p.fill('#nc-name', 'Joana Lima');
    await p.fill('#nc-subject', 'Seu reembolso do pedido 7781');
    await p.fill('#nc-body', 'Olá Joana, o reembolso foi aprovado hoje.');
    const before = smtp.messages.length;
    await Promise.all([p.waitForURL(/m=started/), p.click('#nc-start')]);
    await p.locator('.flash').filter({ hasText: 'Conversa iniciada por support' }).waitFor();
    const mails = await smtp.waitFor(before + 1, 15_000);
    const mail = mails[before]!;
    expect(mail.to).toEqual(['joana@cliente.test']);
    expect(mail.subject()).toContain('Seu reembolso do pedido 7781');
    expect(mail.raw.toString('utf8')).toContain('reembolso foi aprovado hoje');
    ana.assertClean();
  });

  test('magic link: the agent asks for a link, the SMTP sink receives it, following it signs in; a reused link fails clearly', async () => {
    const b = await openBrowser();
    try {
      const p = b.page;
      await p.goto(`${t.baseUrl}/login`);
      await p.fill('#magic-email', 'bia@loja.example');
      const before = smtp.messages.length;
      await Promise.all([p.waitForURL(/\/login\/link$/), p.click('#magic-send')]);
      await p.locator('#magic-sent').filter({ hasText: 'bia@loja.example' }).waitFor();
      const mails = await smtp.waitFor(before + 1, 15_000);
      const mail = mails[before]!;
      expect(mail.to).toEqual(['bia@loja.example']);
      const text = mail.raw
        .toString('utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
      const link = /(http:\/\/console\.loja\.example\/login\/link\/[\w-]+)/.exec(text)![1]!;
      const path = new URL(link).pathname;
      await p.goto(`${t.baseUrl}${path}`);
      await Promise.all([p.waitForURL((u) => u.pathname === '/'), p.click('#magic-continue')]);
      await expect(p.locator('.topbar summary').textContent()).resolves.toContain('Bia');
      await p.goto(`${t.baseUrl}${path}`);
      await p.locator('#magic-error').filter({ hasText: 'já foi usado ou expirou' }).waitFor();
      // The reused link answers 410, which Chromium logs; that one line is expected.
      expect(b.problems.errors).toEqual([expect.stringContaining('status of 410')]);
      b.problems.errors.length = 0;
      b.assertClean();
    } finally {
      await b.close();
    }
  });

  test('a form post without the CSRF token is refused and changes nothing', async () => {
    const cookies = await ana.context.cookies();
    const header = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${t.baseUrl}/tickets/10001/reply`, {
      method: 'POST',
      headers: { cookie: header, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'body=forged&visibility=public',
    });
    expect(res.status).toBe(403);
    const ticket = await t.getTicket(10001);
    expect(ticket.messages.some((m: { text: string }) => m.text === 'forged')).toBe(false);
  });
});
