/**
 * Signing in without passwords. A one-time link + code goes only to a proven identity of a
 * contact (an email or WhatsApp/phone identity in contact_identities; claims never), and every
 * request gets the same answer whether or not the address is known. Sends and failed codes are
 * rate-limited in the database per address and per IP. A merchant-signed link signs a shopper
 * straight in (HMAC checked in constant time, expiry enforced, each link usable once).
 */
import type { Request, Response, Router } from 'express';
import { html } from '../shared/html.js';
import { WEB_LOCALES } from '../shared/i18n.js';
import { serializeCookie } from '../shared/cookies.js';
import { safeNext } from '../shared/session-auth.js';
import { afterFailure, retryAfterMs, type ThrottlePolicy } from '../shared/sign-in-throttle.js';
import { getAttempts, putAttempts } from '../shared/web-auth.repository.js';
import { LANG_COOKIE } from '../shared/web-context.js';
import { verifySignedLink } from './merchant-link.js';
import { contactOfIdentity, lookupIdentities, parseSignInAddress } from './portal-access.js';
import { pctx, type PortalRuntime } from './portal-deps.js';
import { portalPage } from './portal-layout.js';
import {
  consumeSignInCode,
  consumeSignInLink,
  createPortalSession,
  createSignInToken,
  deletePortalSession,
  putContactSettings,
  signInLinkValid,
  useSignature,
  type PortalIdentity,
} from './portal.repository.js';
import { deliveryFor, sendSignIn } from './portal-signin-sender.js';

export const PORTAL_COOKIE = 'ponte_portal';
const SEND_POLICY: ThrottlePolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
// Every sign-in request counts for its IP (behind a proxy, set server.trustProxy so each customer has their own).
const IP_POLICY: ThrottlePolicy = { maxFailures: 60, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export function registerPortalAuthRoutes(router: Router, rt: PortalRuntime): void {
  const db = rt.db;

  const signInForm = (res: Response, o: { error?: string; address?: string; next?: string; status?: number }) => {
    const { web, p } = pctx(res);
    const { tp } = p;
    res
      .status(o.status ?? 200)
      .type('html')
      .send(
        portalPage(rt, web, p, {
          title: tp('sign_in_title'),
          page: 'sign-in',
          body: html`<section class="p-card p-auth">
<h1>${tp('sign_in_title')}</h1>
<p>${tp('sign_in_intro')}</p>
${o.error ? html`<p class="p-error" role="alert" id="sign-in-error">${o.error}</p>` : ''}
<form method="post" action="${web.href('/sign-in')}">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <input type="hidden" name="next" value="${o.next ?? ''}">
  <label for="address">${tp('address_label')}</label>
  <input id="address" name="address" type="text" inputmode="email" autocomplete="email" required maxlength="320" value="${o.address ?? ''}">
  <button type="submit" class="p-primary">${tp('send_link')}</button>
</form>
</section>`,
        }),
      );
  };

  const codeForm = (res: Response, o: { address: string; next?: string; error?: string; status?: number }) => {
    const { web, p } = pctx(res);
    const { tp } = p;
    res
      .status(o.status ?? 200)
      .type('html')
      .send(
        portalPage(rt, web, p, {
          title: tp('sign_in_title'),
          page: 'sign-in-code',
          body: html`<section class="p-card p-auth">
<h1>${tp('sign_in_title')}</h1>
${o.error ? html`<p class="p-error" role="alert" id="code-error">${o.error}</p>` : html`<p role="status" id="check-inbox">${tp('check_inbox', { name: rt.site.name, minutes: rt.portal.signInMinutes })}</p>`}
<form method="post" action="${web.href('/sign-in/code')}">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <input type="hidden" name="address" value="${o.address}">
  <input type="hidden" name="next" value="${o.next ?? ''}">
  <label for="code">${tp('code_label')}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
  <button type="submit" class="p-primary">${tp('sign_in_with_code')}</button>
</form>
</section>`,
        }),
      );
  };

  const tooMany = (res: Response, wait: number, again: () => void) => {
    res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
    again();
  };

  async function throttled(keys: Array<[string, ThrottlePolicy]>): Promise<{ wait: number; count(): Promise<void> }> {
    const t = rt.now();
    const recs = await Promise.all(keys.map(([k]) => getAttempts(db(), k)));
    const wait = Math.max(0, ...recs.map((r) => retryAfterMs(r, t)));
    return {
      wait,
      count: async () => void (await Promise.all(keys.map(([k, pol], i) => putAttempts(db(), k, afterFailure(recs[i], pol, t))))),
    };
  }

  async function startSession(
    req: Request,
    res: Response,
    identity: PortalIdentity,
    via: 'link' | 'code' | 'signed',
    organization: string | null,
  ): Promise<void> {
    const { web } = pctx(res);
    if (web.sessionId) await deletePortalSession(db(), web.sessionId);
    const s = await createPortalSession(db(), {
      brand: rt.site.brand,
      identity,
      organization,
      via,
      now: rt.now(),
      ttlMs: rt.ttlMs,
      userAgent: req.get('user-agent'),
      ip: req.ip,
    });
    res.append(
      'Set-Cookie',
      serializeCookie(PORTAL_COOKIE, s.token, { path: rt.base || '/', secure: web.secure, maxAge: rt.ttlMs / 1000 }),
    );
  }

  router.get('/sign-in', (req, res) => {
    const { p, web } = pctx(res);
    const next = safeNext(req.query.next, rt.base);
    if (p.viewer) return res.redirect(303, next ?? web.href('/'));
    signInForm(res, { next: next ?? '' });
  });

  router.post('/sign-in', async (req, res) => {
    const { p, web } = pctx(res);
    const body = req.body as Record<string, unknown>;
    const next = safeNext(body.next, rt.base) ?? '';
    const identity = parseSignInAddress(body.address);
    const typed = typeof body.address === 'string' ? body.address.slice(0, 320) : '';
    if (!identity) return signInForm(res, { error: p.tp('address_label'), address: typed, next, status: 400 });
    const gate = await throttled([
      [`portal:i:${req.ip ?? 'unknown'}`, IP_POLICY],
      [`portal:s:${identity.kind}:${identity.address}`, SEND_POLICY],
    ]);
    if (gate.wait > 0)
      return tooMany(res, gate.wait, () =>
        signInForm(res, { error: p.tp('too_many', { minutes: Math.ceil(gate.wait / 60_000) }), address: typed, next, status: 429 }),
      );
    await gate.count();
    // Only a proven identity of a contact gets anything; the answer is the same either way.
    const contactId = await contactOfIdentity(db(), identity, rt.deps.channels.phoneAliases);
    if (contactId) {
      const owned = await db().selectFrom('contact_identities').select(['kind', 'address']).where('contact_id', '=', contactId).execute();
      const target = lookupIdentities(identity, rt.deps.channels.phoneAliases).find((i) =>
        owned.some((o) => o.kind === i.kind && o.address === i.address),
      );
      const delivery = target && deliveryFor(rt, target);
      if (delivery) {
        const { token, code } = await createSignInToken(db(), {
          brand: rt.site.brand,
          identity,
          now: rt.now(),
          ttlMs: rt.portal.signInMinutes * 60_000,
        });
        const origin = rt.deps.config.server.publicUrl?.replace(/\/$/, '');
        // Without server.publicUrl only the code is sent: a link built from the Host header could point anywhere.
        const link = origin ? `${origin}${web.href(`/auth/${token}`)}` : undefined;
        void sendSignIn(rt, delivery, p.tp, web.locale, { code, link });
      }
    }
    codeForm(res, { address: identity.kind === 'email' ? identity.address : identity.address, next });
  });

  router.post('/sign-in/code', async (req, res) => {
    const { p, web } = pctx(res);
    const body = req.body as Record<string, unknown>;
    const next = safeNext(body.next, rt.base);
    const identity = parseSignInAddress(body.address);
    const code = typeof body.code === 'string' ? body.code.trim() : '';
    if (!identity) return signInForm(res, { error: p.tp('address_label'), status: 400 });
    const gate = await throttled([
      [`portal:i:${req.ip ?? 'unknown'}`, IP_POLICY],
      [`portal:c:${identity.kind}:${identity.address}`, SEND_POLICY],
    ]);
    if (gate.wait > 0)
      return tooMany(res, gate.wait, () =>
        codeForm(res, { address: identity.address, error: p.tp('too_many', { minutes: Math.ceil(gate.wait / 60_000) }), status: 429 }),
      );
    if (!/^\d{6}$/.test(code) || !(await consumeSignInCode(db(), identity, rt.site.brand, code, rt.now()))) {
      await gate.count();
      return codeForm(res, { address: identity.address, next: next ?? '', error: p.tp('code_invalid'), status: 401 });
    }
    await startSession(req, res, identity, 'code', null);
    res.redirect(303, next ?? web.href('/'));
  });

  const linkPage = (res: Response, token: string, valid: boolean) => {
    const { web, p } = pctx(res);
    const { tp } = p;
    res
      .status(valid ? 200 : 410)
      .type('html')
      .send(
        portalPage(rt, web, p, {
          title: tp('continue_title'),
          page: 'sign-in-link',
          body: valid
            ? html`<section class="p-card p-auth"><h1>${tp('continue_title')}</h1>
<form method="post" action="${web.href(`/auth/${token}`)}"><input type="hidden" name="_csrf" value="${web.csrf}"><button type="submit" class="p-primary" id="continue">${tp('continue_button')}</button></form></section>`
            : html`<section class="p-card p-auth"><p class="p-error" role="alert" id="link-error">${tp('link_invalid')}</p><p><a href="${web.href('/sign-in')}">${tp('send_link')}</a></p></section>`,
        }),
      );
  };

  // Opening the link only shows a button: mail scanners that fetch links must not use it up.
  router.get('/auth/:token', async (req, res) => {
    const token = String(req.params.token).slice(0, 100);
    linkPage(res, token, await signInLinkValid(db(), token, rt.site.brand, rt.now()));
  });

  router.post('/auth/:token', async (req, res) => {
    const { web } = pctx(res);
    const token = String(req.params.token).slice(0, 100);
    const identity = await consumeSignInLink(db(), token, rt.site.brand, rt.now());
    if (!identity) return linkPage(res, token, false);
    await startSession(req, res, identity, 'link', null);
    res.redirect(303, web.href('/'));
  });

  router.get('/signed', async (req, res) => {
    const { web, p } = pctx(res);
    const q = req.query as Record<string, unknown>;
    const check = verifySignedLink(rt.portal.signingSecret, q, rt.now(), rt.portal.signedLinkMaxMinutes);
    const refuse = () =>
      res
        .status(401)
        .type('html')
        .send(
          portalPage(rt, web, p, {
            title: p.tp('sign_in_title'),
            page: 'signed-refused',
            body: html`<section class="p-card p-auth"><p class="p-error" role="alert" id="signed-error">${p.tp('signed_invalid')}</p></section>`,
          }),
        );
    if (!check.ok) {
      rt.deps.logger.info({ reason: check.reason }, 'portal signed link refused');
      return refuse();
    }
    const identity = check.claims.email ? parseSignInAddress(check.claims.email) : parseSignInAddress(check.claims.phone);
    if (!identity || !(await useSignature(db(), String(q.sig), check.claims.exp * 1000, rt.now()))) return refuse();
    const org = check.claims.org || null;
    const contactId = await contactOfIdentity(db(), identity, rt.deps.channels.phoneAliases);
    if (contactId && org) await putContactSettings(db(), contactId, { organization: org }, rt.now());
    await startSession(req, res, identity, 'signed', org);
    res.redirect(303, safeNext(q.next, rt.base) ?? web.href('/'));
  });

  router.post('/sign-out', async (_req, res) => {
    const { web } = pctx(res);
    if (web.sessionId) await deletePortalSession(db(), web.sessionId);
    res.append('Set-Cookie', serializeCookie(PORTAL_COOKIE, '', { path: rt.base || '/', secure: web.secure, maxAge: 0 }));
    res.redirect(303, web.href('/sign-in'));
  });

  router.post('/lang', (req, res) => {
    const { web } = pctx(res);
    const lang = String((req.body as Record<string, unknown>).lang ?? '');
    if ((WEB_LOCALES as readonly string[]).includes(lang))
      res.append('Set-Cookie', serializeCookie(LANG_COOKIE, lang, { path: rt.base || '/', secure: web.secure, maxAge: 365 * 86400 }));
    const ref = req.get('referer');
    let back: string | undefined;
    try {
      back = ref ? safeNext(new URL(ref, 'http://x').pathname, rt.base) : undefined;
    } catch {
      back = undefined;
    }
    res.redirect(303, back ?? web.href('/'));
  });
}
