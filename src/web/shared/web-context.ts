/**
 * What every page handler gets: the locale and its words, the signed-in agent (if any), the
 * CSRF token for forms, and links under the configured base path. Built once per request by
 * `webContext` (console and, later, the customer portal share it).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Agent } from '../../db/repositories/agent.repository.js';
import { parseCookies, serializeCookie } from './cookies.js';
import { csrfToken, csrfValid } from './csrf.js';
import { pickLocale, translator, type Translate, type WebLocale } from './i18n.js';
import { newSecretToken } from './web-auth.repository.js';

export const SESSION_COOKIE = 'ponte_session';
export const PRE_COOKIE = 'ponte_pre';
export const LANG_COOKIE = 'ponte_lang';

export interface WebContext {
  locale: WebLocale;
  tr: Translate;
  base: string;
  /** A link under the base path: href('/tickets/1') -> '/console/tickets/1'. */
  href(path: string): string;
  cookies: Map<string, string>;
  secure: boolean;
  agent?: Agent | undefined;
  sessionId?: string | undefined;
  /** The token every form and state-changing fetch carries. */
  csrf: string;
  flash?: string | undefined;
}

export interface WebContextOptions {
  base: string;
  key: Buffer;
  secureCookies: 'auto' | 'always' | 'never';
  defaultLocale: WebLocale;
}

export function ctx(res: Response): WebContext {
  return res.locals.web as WebContext;
}

export function joinPath(base: string, path: string): string {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return `${b}${path.startsWith('/') ? path : `/${path}`}` || '/';
}

/** Sets locale, cookies, secure flag and a pre-session CSRF binding (for the sign-in form). */
export function webContext(o: WebContextOptions): RequestHandler {
  return (req, res, next) => {
    const cookies = parseCookies(req.headers.cookie);
    const secure = o.secureCookies === 'always' || (o.secureCookies === 'auto' && req.secure);
    const locale = pickLocale(cookies.get(LANG_COOKIE), req.get('accept-language'), o.defaultLocale);
    let pre = cookies.get(PRE_COOKIE);
    if (!pre || !/^[\w-]{43}$/.test(pre)) {
      pre = newSecretToken();
      cookies.set(PRE_COOKIE, pre);
      res.append('Set-Cookie', serializeCookie(PRE_COOKIE, pre, { path: o.base || '/', secure }));
    }
    const web: WebContext = {
      locale,
      tr: translator(locale),
      base: o.base,
      href: (p) => joinPath(o.base, p),
      cookies,
      secure,
      csrf: csrfToken(o.key, `pre:${pre}`),
    };
    res.locals.web = web;
    next();
  };
}

/** Whether the request carries the right CSRF token (form field `_csrf` or header X-CSRF-Token). */
export function csrfOk(req: Request, key: Buffer, web: WebContext): boolean {
  const presented = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  const binding = web.sessionId ? `session:${web.sessionId}` : `pre:${web.cookies.get(PRE_COOKIE)}`;
  return csrfValid(key, binding, presented);
}
