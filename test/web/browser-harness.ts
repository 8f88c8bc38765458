/**
 * Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, one fresh profile
 * (--user-data-dir, a temp dir playwright passes) per browser. Every page records CSP violations, console errors and page errors; `assertClean`
 * fails the test on any of them (a console that works only with 'unsafe-inline' fails here).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serviceAvailable } from '../support/services.js';
import { hashPassword } from '../../src/web/shared/password-hash.js';
import { setPasswordHash } from '../../src/web/shared/web-auth.repository.js';
import type { Executor } from '../../src/db/database.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return serviceAvailable(
    'chromium',
    existsSync(CHROMIUM),
    `${CHROMIUM} not found (apt-get install chromium); browser tests of the console skipped`,
  );
}

export interface Problems {
  csp: string[];
  errors: string[];
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  problems: Problems;
  assertClean(): void;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1280, height: 800 }, locale = 'pt-BR'): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ponte-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale,
  });
  const problems: Problems = { csp: [], errors: [] };
  await context.exposeBinding('__reportCsp', (_src, text: string) => void problems.csp.push(text));
  // Browser-side code as text: this project compiles without the DOM library.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => window.__reportCsp(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`,
  });
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.errors.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.errors.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  return {
    context,
    page,
    problems,
    assertClean() {
      const all = [...problems.csp.map((c) => `CSP: ${c}`), ...problems.errors];
      if (all.length) throw new Error(`the page reported problems:\n${all.join('\n')}`);
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function givePassword(db: Executor, agentId: string, password: string): Promise<void> {
  await setPasswordHash(db, agentId, await hashPassword(password, { N: 1024, r: 8, p: 1 }), Date.now());
}

/** Signs in with the keyboard only: type, Tab, type, Enter. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  // Chromium applies autofocus at a rendering step after `load`: typing earlier goes to the page
  // body (the sign-in then fails now and then). The field must get the focus by itself.
  await page.waitForFunction("document.activeElement && document.activeElement.id === 'email'", undefined, { timeout: 5000 });
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.keyboard.press('Enter')]);
}

/** A marker that survives only while the document is not reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__same = true');
}
export async function sameDocument(page: Page): Promise<boolean> {
  return (await page.evaluate('window.__same === true')) as boolean;
}
