/**
 * "Email me a sign-in link": a single-use link, valid 15 minutes, its token stored only as a
 * hash (web_tokens, purpose `magic`), so any gateway process can honour it. The request answers
 * the same page, at the same speed, whether or not the address is an agent's (the mail leaves
 * after the answer); requests are counted per address and per IP in the database like password
 * attempts. The link is built only from server.publicUrl: a link built from the Host header of
 * the request could point anywhere. Following the link shows one button (a mail scanner that
 * fetches links does not use it up); pressing it signs in.
 */
import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type { OutboundMessage } from '../../channel/contract.js';
import type { Agent } from '../../db/repositories/agent.repository.js';
import { newId } from '../../domain/ids.js';
import { html } from '../shared/html.js';
import { t, type WebLocale } from '../shared/i18n.js';
import { page } from '../shared/layout.js';
import { safeNext, startSession } from '../shared/session-auth.js';
import { afterFailure, retryAfterMs, type ThrottlePolicy } from '../shared/sign-in-throttle.js';
import { ctx, type WebContext } from '../shared/web-context.js';
import {
  agentForSignIn,
  consumeWebToken,
  countRecentWebTokens,
  createWebToken,
  getAttempts,
  lockAgent,
  peekWebToken,
  putAttempts,
} from '../shared/web-auth.repository.js';
import type { ConsoleRuntime } from './console-deps.js';

export const MAGIC_LINK_MINUTES = 15;
/** Every request counts (not only failures): a few links per address, more per IP, per 15 minutes. */
const ADDRESS_POLICY: ThrottlePolicy = { maxFailures: 3, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
const IP_POLICY: ThrottlePolicy = { maxFailures: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/** Whether the sign-in page offers the link: only with a public URL to put in it. */
export function magicLinkEnabled(rt: ConsoleRuntime): boolean {
  return !!rt.deps.config.server.publicUrl;
}

export function magicLinkForm(web: WebContext, next: string): ReturnType<typeof html> {
  return html`<form method="post" action="${web.href('/login/link')}" class="magic" id="magic-form">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <input type="hidden" name="next" value="${next}">
  <label for="magic-email">${web.tr('magic_or')}</label>
  <input id="magic-email" name="email" type="email" autocomplete="username" required maxlength="320">
  <button type="submit" id="magic-send">${web.tr('magic_request')}</button>
</form>`;
}

export function registerMagicLinkRoutes(router: Router, rt: ConsoleRuntime): void {
  const db = () => rt.deps.database.kysely;
  const now = () => rt.deps.clock.now();
  const authPage = (web: WebContext, inner: ReturnType<typeof html>, status = 200) => ({
    status,
    body: page(web, { title: web.tr('sign_in'), page: 'login', body: html`<section class="auth">${inner}</section>` }),
  });
  const invalid = (web: WebContext) =>
    authPage(
      web,
      html`<p class="error" role="alert" id="magic-error">${web.tr('magic_invalid')}</p><p><a href="${web.href('/login')}">${web.tr('sign_in')}</a></p>`,
      410,
    );

  /** The email channel that carries the link: the agent's notification channel if it mails, else the first that does. */
  function mailSender(agent: Agent) {
    const running = rt.deps
      .running()
      .filter((c) => c.runtime.sender && c.entry.capabilities.canSend && c.entry.capabilities.deliversTo.includes('email'));
    return running.find((c) => c.entry.id === agent.notifyChannelId) ?? running[0];
  }

  async function sendLink(agent: Agent, locale: WebLocale, next: string | undefined): Promise<void> {
    const channel = mailSender(agent);
    if (!channel || !agent.email) {
      rt.deps.logger.warn({ agentId: agent.id }, 'console sign-in link not sent: no email channel can send');
      return;
    }
    // At most ADDRESS_POLICY.maxFailures links per agent per window, decided in one transaction:
    // parallel requests slip past the attempt counters (read, then write) but not past this.
    const token = await db()
      .transaction()
      .execute(async (trx) => {
        await lockAgent(trx, rt.deps.database.dialect, agent.id);
        if ((await countRecentWebTokens(trx, agent.id, 'magic', now() - ADDRESS_POLICY.windowMs)) >= ADDRESS_POLICY.maxFailures)
          return undefined;
        return createWebToken(trx, agent.id, 'magic', now(), MAGIC_LINK_MINUTES * 60_000);
      });
    if (!token) {
      rt.deps.logger.warn({ agentId: agent.id }, 'console sign-in link not sent: too many links for this agent in the last 15 minutes');
      return;
    }
    const origin = rt.deps.config.server.publicUrl!.replace(/\/$/, '');
    const link = `${origin}${rt.base}/login/link/${token}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    const at = now();
    const message: OutboundMessage = {
      outboxId: newId(at),
      messageId: newId(at),
      channelId: channel.entry.id,
      externalId: `console-sign-in.${randomBytes(12).toString('hex')}@ponte.invalid`,
      ticket: { id: '', number: 0, subject: t(locale, 'magic_mail_subject', { name: t(locale, 'app_name') }), subjectToken: '', locale },
      recipient: { kind: 'email', address: agent.email },
      text: t(locale, 'magic_mail_body', { agent: agent.name, minutes: MAGIC_LINK_MINUTES, link }),
      attachments: [],
      threading: { references: [] },
      automatic: true,
      purpose: 'system',
    };
    try {
      await channel.runtime.sender!.send(message);
    } catch (err) {
      // Never the link: it signs in.
      rt.deps.logger.warn({ channel: channel.entry.id, code: (err as { code?: string }).code }, 'console sign-in link not sent');
    }
  }

  router.post('/login/link', async (req, res) => {
    const web = ctx(res);
    if (!magicLinkEnabled(rt)) return res.status(404).type('text/plain').send('not found');
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase().slice(0, 320) : '';
    const next = safeNext(body.next, rt.base);
    const at = now();
    const ipKey = `mi:${req.ip ?? 'unknown'}`;
    const addressKey = `ma:${email}`;
    const [ipRec, addrRec] = await Promise.all([getAttempts(db(), ipKey), getAttempts(db(), addressKey)]);
    const wait = Math.max(retryAfterMs(ipRec, at), retryAfterMs(addrRec, at));
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      const r = authPage(
        web,
        html`<p class="error" role="alert" id="magic-error">${web.tr('too_many_attempts', { minutes: Math.ceil(wait / 60_000) })}</p><p><a href="${web.href('/login')}">${web.tr('sign_in')}</a></p>`,
        429,
      );
      return res.status(r.status).type('html').send(r.body);
    }
    await putAttempts(db(), ipKey, afterFailure(ipRec, IP_POLICY, at));
    if (email) await putAttempts(db(), addressKey, afterFailure(addrRec, ADDRESS_POLICY, at));
    const found = email ? await agentForSignIn(db(), email) : undefined;
    // The same page for every address; the mail (if any) leaves after the answer.
    const r = authPage(
      web,
      html`<h1>${web.tr('sign_in_title')}</h1><p class="flash" role="status" id="magic-sent">${web.tr('magic_sent', { email, minutes: MAGIC_LINK_MINUTES })}</p><p><a href="${web.href('/login')}">${web.tr('sign_in')}</a></p>`,
    );
    res.status(r.status).type('html').send(r.body);
    if (found)
      void sendLink(found.agent, web.locale, next).catch((err: unknown) => rt.deps.logger.warn({ err }, 'console sign-in link failed'));
  });

  router.get('/login/link/:token', async (req, res) => {
    const web = ctx(res);
    const token = String(req.params.token).slice(0, 100);
    const agent = await peekWebToken(db(), token, now(), ['magic']);
    if (!agent) {
      const r = invalid(web);
      return res.status(r.status).type('html').send(r.body);
    }
    const next = safeNext(req.query.next, rt.base) ?? '';
    const r = authPage(
      web,
      html`<h1>${web.tr('sign_in_title')}</h1><p>${web.tr('magic_confirm')}</p>
<form method="post" action="${web.href(`/login/link/${token}`)}"><input type="hidden" name="_csrf" value="${web.csrf}"><input type="hidden" name="next" value="${next}"><button type="submit" class="primary" id="magic-continue" autofocus>${web.tr('magic_continue', { name: agent.name })}</button></form>`,
    );
    res.type('html').send(r.body);
  });

  router.post('/login/link/:token', async (req, res) => {
    const web = ctx(res);
    const token = String(req.params.token).slice(0, 100);
    const agent = await peekWebToken(db(), token, now(), ['magic']);
    // Single use, decided by the database (two clicks, or two processes, cannot both sign in).
    if (!agent || !(await consumeWebToken(db(), token, now(), ['magic']))) {
      const r = invalid(web);
      return res.status(r.status).type('html').send(r.body);
    }
    await startSession(rt.sessions, req, res, agent.id);
    res.redirect(303, safeNext((req.body as Record<string, unknown>).next, rt.base) ?? web.href('/'));
  });
}
