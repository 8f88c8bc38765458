/** Sign-in, sign-out (here or everywhere), language, and the one-time "choose your password" link. */
import type { Response, Router } from 'express';
import { html } from '../shared/html.js';
import { WEB_LOCALES } from '../shared/i18n.js';
import { page } from '../shared/layout.js';
import { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem, verifyPassword } from '../shared/password-hash.js';
import { clearSessionCookie, requireAgent, safeNext, startSession } from '../shared/session-auth.js';
import { ACCOUNT_POLICY, afterFailure, IP_POLICY, retryAfterMs } from '../shared/sign-in-throttle.js';
import { serializeCookie } from '../shared/cookies.js';
import { ctx, LANG_COOKIE, type WebContext } from '../shared/web-context.js';
import {
  agentForSignIn,
  clearAttempts,
  consumeWebToken,
  deleteAgentSessions,
  deleteSession,
  getAttempts,
  peekWebToken,
  putAttempts,
  setPasswordHash,
} from '../shared/web-auth.repository.js';
import type { ConsoleRuntime } from './console-deps.js';
import { magicLinkEnabled, magicLinkForm, registerMagicLinkRoutes } from './magic-link-routes.js';

// A hash to verify against when the account does not exist, so both answers take as long.
const DUMMY_HASH = hashPassword('not a real password, only for timing');

function signInPage(web: WebContext, o: { error?: string; email?: string; next?: string; magic?: boolean }): string {
  const { tr } = web;
  return page(web, {
    title: tr('sign_in'),
    page: 'login',
    body: html`<section class="auth">
<h1>${tr('sign_in_title')}</h1>
${o.error ? html`<p class="error" role="alert" id="login-error">${o.error}</p>` : ''}
<form method="post" action="${web.href('/login')}">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <input type="hidden" name="next" value="${o.next ?? ''}">
  <label for="email">${tr('email')}</label>
  <input id="email" name="email" type="email" autocomplete="username" required autofocus value="${o.email ?? ''}">
  <label for="password">${tr('password')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit" class="primary">${tr('sign_in')}</button>
</form>
${o.magic ? magicLinkForm(web, o.next ?? '') : ''}
</section>`,
  });
}

/** A one-time link that is used up, expired or unknown (410 Gone). */
function linkInvalid(res: Response, web: WebContext): void {
  res
    .status(410)
    .type('html')
    .send(
      page(web, {
        title: web.tr('error_title'),
        page: 'error',
        body: html`<section class="auth"><p class="error">${web.tr('link_invalid')}</p></section>`,
      }),
    );
}

export function registerAuthRoutes(router: Router, rt: ConsoleRuntime): void {
  const db = () => rt.deps.database.kysely;
  const now = () => rt.deps.clock.now();

  router.get('/login', (req, res) => {
    const web = ctx(res);
    const next = safeNext(req.query.next, rt.base);
    if (web.agent) return res.redirect(303, next ?? web.href('/'));
    res.type('html').send(signInPage(web, { magic: magicLinkEnabled(rt), next: next ?? '' }));
  });

  router.post('/login', async (req, res) => {
    const web = ctx(res);
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase().slice(0, 320) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const next = safeNext(body.next, rt.base);
    const t = now();
    const ipKey = `i:${req.ip ?? 'unknown'}`;
    const accountKey = `a:${email}`;
    const [ipRec, accRec] = await Promise.all([getAttempts(db(), ipKey), getAttempts(db(), accountKey)]);
    const wait = Math.max(retryAfterMs(ipRec, t), retryAfterMs(accRec, t));
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      res
        .status(429)
        .type('html')
        .send(
          signInPage(web, {
            magic: magicLinkEnabled(rt),
            error: web.tr('too_many_attempts', { minutes: Math.ceil(wait / 60_000) }),
            email,
            next: next ?? '',
          }),
        );
      return;
    }
    const found = email ? await agentForSignIn(db(), email) : undefined;
    const ok = found?.hash ? await verifyPassword(password, found.hash) : (await verifyPassword(password, await DUMMY_HASH), false);
    if (!ok || !found) {
      await putAttempts(db(), ipKey, afterFailure(ipRec, IP_POLICY, t));
      if (email) await putAttempts(db(), accountKey, afterFailure(accRec, ACCOUNT_POLICY, t));
      res
        .status(401)
        .type('html')
        .send(signInPage(web, { magic: magicLinkEnabled(rt), error: web.tr('bad_credentials'), email, next: next ?? '' }));
      return;
    }
    await clearAttempts(db(), accountKey);
    await startSession(rt.sessions, req, res, found.agent.id);
    res.redirect(303, next ?? web.href('/'));
  });

  registerMagicLinkRoutes(router, rt);

  router.post('/logout', async (_req, res) => {
    const web = ctx(res);
    if (web.sessionId) await deleteSession(db(), web.sessionId);
    clearSessionCookie(res);
    res.redirect(303, web.href('/login'));
  });

  router.post('/logout-everywhere', requireAgent, async (_req, res) => {
    const web = ctx(res);
    await deleteAgentSessions(db(), web.agent!.id);
    clearSessionCookie(res);
    res.redirect(303, web.href('/login'));
  });

  router.post('/lang', (req, res) => {
    const web = ctx(res);
    const lang = String((req.body as Record<string, unknown>).lang ?? '');
    if ((WEB_LOCALES as readonly string[]).includes(lang))
      res.append('Set-Cookie', serializeCookie(LANG_COOKIE, lang, { path: web.base || '/', secure: web.secure, maxAge: 365 * 86400 }));
    const back = safeNext(req.get('referer') ? new URL(req.get('referer')!, 'http://x').pathname : undefined, rt.base);
    res.redirect(303, back ?? web.href('/'));
  });

  const welcomePage = (web: WebContext, token: string, name: string, error?: string) =>
    page(web, {
      title: web.tr('set_password_title'),
      page: 'login',
      body: html`<section class="auth">
<h1>${web.tr('set_password_title')}</h1>
<p>${name}</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${web.href(`/welcome/${token}`)}">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <label for="password">${web.tr('new_password')}</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required aria-describedby="pw-hint">
  <p id="pw-hint" class="hint">${web.tr('password_hint', { min: MIN_PASSWORD_LENGTH })}</p>
  <button type="submit" class="primary">${web.tr('set_password')}</button>
</form>
</section>`,
    });

  router.get('/welcome/:token', async (req, res) => {
    const web = ctx(res);
    const token = String(req.params.token).slice(0, 100);
    const agent = await peekWebToken(db(), token, now());
    if (!agent) return linkInvalid(res, web);
    res.type('html').send(welcomePage(web, token, agent.name));
  });

  router.post('/welcome/:token', async (req, res) => {
    const web = ctx(res);
    const token = String(req.params.token).slice(0, 100);
    const password = String((req.body as Record<string, unknown>).password ?? '');
    const agent = await peekWebToken(db(), token, now());
    if (!agent) return linkInvalid(res, web);
    const problem = passwordProblem(password);
    if (problem)
      return res
        .status(400)
        .type('html')
        .send(
          welcomePage(
            web,
            token,
            agent.name,
            problem === 'too_short' ? web.tr('password_too_short', { min: MIN_PASSWORD_LENGTH }) : web.tr('password_too_long'),
          ),
        );
    const hash = await hashPassword(password);
    if (!(await consumeWebToken(db(), token, now()))) return linkInvalid(res, web);
    await setPasswordHash(db(), agent.id, hash, now());
    await deleteAgentSessions(db(), agent.id);
    await startSession(rt.sessions, req, res, agent.id);
    res.redirect(303, `${web.href('/')}?m=password_set`);
  });
}
