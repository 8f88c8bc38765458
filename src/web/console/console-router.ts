/**
 * The agent console, served by the gateway itself (server-rendered HTML, a small ES module for
 * keyboard shortcuts and live refresh, no build chain). Mounted at `console.path`.
 */
import express, { type ErrorRequestHandler, Router } from 'express';
import type { Database } from '../../db/database.js';
import { html } from '../shared/html.js';
import { page } from '../shared/layout.js';
import { createLiveFeed } from '../shared/live-feed.js';
import { checkCsrf, loadSession } from '../shared/session-auth.js';
import { securityHeaders } from '../shared/security-headers.js';
import { staticFiles } from '../shared/static-files.js';
import { ctx, webContext } from '../shared/web-context.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import type { ConsoleDeps, ConsoleRuntime } from './console-deps.js';
import { registerInboxRoutes } from './inbox-page.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerNewConversationRoutes } from './new-conversation-page.js';
import { isMultipart } from './reply-upload.js';
import { registerTicketRoutes } from './ticket-page.js';

const MULTIPART_POSTS = /^\/tickets\/\d+\/reply$/;
const OWN =
  /^\/(?:$|login(?:\/link(?:\/[\w-]{1,100})?)?$|new$|logout$|logout-everywhere$|lang$|events$|welcome\/|tickets\/|messages\/|attachments\/|admin\/|static\/)/;

export function createConsoleRouter(deps: ConsoleDeps): Router {
  const cfg = deps.config.console;
  const base = cfg.path === '/' ? '' : cfg.path.replace(/\/$/, '');
  const sessions = { db: () => deps.database.kysely, key: deps.webKey, now: () => deps.clock.now(), ttlMs: cfg.sessionDays * 86_400_000 };
  const rt: ConsoleRuntime = { deps, sessions, base };
  const feed = createLiveFeed({
    db: () => (deps.database as Database).kysely,
    now: () => Date.now(),
    pollMs: cfg.livePollMs,
    listen: (deps.database as Database).listen,
    onError: (err) => deps.logger.warn({ err }, 'console live feed poll failed'),
  });

  const router = Router();
  // Only the console's own paths enter it: anything else (a typo under /, another mount) falls
  // through to the gateway's JSON 404 without cookies, CSP or a CSRF refusal.
  router.use((req, _res, next) => (OWN.test(req.path) ? next() : next('router')));
  router.use('/static', staticFiles());
  router.use(securityHeaders);
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(webContext({ base, key: deps.webKey, secureCookies: cfg.secureCookies, defaultLocale: deps.config.tickets.defaultLocale }));
  router.use(loadSession(sessions));
  router.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }));
  // Multipart posts (reply with files, new conversation) check their CSRF field once the route
  // has read the form; every other state-changing request is checked here.
  const csrf = checkCsrf(deps.webKey);
  router.use((req, res, next) => (MULTIPART_POSTS.test(req.path) && isMultipart(req) ? next() : csrf(req, res, next)));
  registerAuthRoutes(router, rt);
  registerInboxRoutes(router, rt);
  registerTicketRoutes(router, rt);
  registerNewConversationRoutes(router, rt);
  registerAdminRoutes(router, rt);
  registerLiveRoutes(router, feed);
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent || !res.locals.web) return next(err);
    const status = (err as { status?: number; type?: string }).status;
    if (status && status >= 400 && status < 500) {
      res
        .status(status)
        .type('text/plain')
        .send(String((err as Error).message).slice(0, 200));
      return;
    }
    deps.logger.error({ err }, 'console page failed');
    const web = ctx(res);
    res
      .status(500)
      .type('html')
      .send(
        page(web, {
          title: web.tr('error_title'),
          page: 'error',
          body: html`<p class="error">${web.tr('error_title')}</p><p><a href="${web.href('/')}">${web.tr('back_to_inbox')}</a></p>`,
        }),
      );
  };
  router.use(onError);
  return router;
}
