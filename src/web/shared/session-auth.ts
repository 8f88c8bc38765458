/**
 * Sessions: the cookie names a `web_sessions` row (by hash). `loadSession` attaches the agent
 * and binds the CSRF token to the session; `requireAgent` sends browsers without one to sign in
 * (fetch calls get 401); `checkCsrf` refuses every state-changing request without the token.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Executor } from '../../db/database.js';
import { serializeCookie } from './cookies.js';
import { csrfToken } from './csrf.js';
import { csrfOk, ctx, SESSION_COOKIE } from './web-context.js';
import { createSession, findSession, touchSession } from './web-auth.repository.js';

const TOUCH_EVERY_MS = 5 * 60_000;

export interface SessionOptions {
  db: () => Executor;
  key: Buffer;
  now: () => number;
  ttlMs: number;
}

export function loadSession(o: SessionOptions): RequestHandler {
  return async (req, res, next) => {
    const web = ctx(res);
    const token = web.cookies.get(SESSION_COOKIE);
    if (token && token.length <= 100) {
      const now = o.now();
      const s = await findSession(o.db(), token, now);
      if (s) {
        web.agent = s.agent;
        web.sessionId = s.id;
        web.csrf = csrfToken(o.key, `session:${s.id}`);
        if (now - s.lastSeenAt > TOUCH_EVERY_MS) await touchSession(o.db(), s.id, now, o.ttlMs);
      }
    }
    next();
  };
}

export async function startSession(o: SessionOptions, req: Request, res: Response, agentId: string): Promise<void> {
  const web = ctx(res);
  const { token, id } = await createSession(o.db(), {
    agentId,
    now: o.now(),
    ttlMs: o.ttlMs,
    userAgent: req.get('user-agent'),
    ip: req.ip,
  });
  web.sessionId = id;
  res.append('Set-Cookie', serializeCookie(SESSION_COOKIE, token, { path: web.base || '/', secure: web.secure, maxAge: o.ttlMs / 1000 }));
}

export function clearSessionCookie(res: Response): void {
  const web = ctx(res);
  res.append('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { path: web.base || '/', secure: web.secure, maxAge: 0 }));
}

function wantsHtml(req: Request): boolean {
  return req.method === 'GET' && !req.get('x-requested-with') && (req.get('accept') ?? '').includes('text/html');
}

export const requireAgent: RequestHandler = (req, res, next) => {
  const web = ctx(res);
  if (web.agent) return next();
  if (wantsHtml(req)) {
    const back = req.originalUrl.startsWith(web.base) ? req.originalUrl : web.href('/');
    res.redirect(303, `${web.href('/login')}?next=${encodeURIComponent(back)}`);
    return;
  }
  res.status(401).type('text/plain').send('sign in first');
};

export const requireAdmin: RequestHandler = (_req, res, next) => {
  const web = ctx(res);
  if (web.agent?.role === 'admin') return next();
  res.status(403).type('text/plain').send(web.tr('forbidden'));
};

export function checkCsrf(key: Buffer): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (csrfOk(req, key, ctx(res))) return next();
    res.status(403).type('text/plain').send(ctx(res).tr('csrf_failed'));
  };
}

/** Only same-site relative paths under the base are followed after sign-in (no open redirect). */
export function safeNext(next: unknown, base: string): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return undefined;
  const root = base.endsWith('/') ? base : `${base}/`;
  return next === base || next.startsWith(root) ? next : undefined;
}
