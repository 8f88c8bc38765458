/**
 * The customer portal, one router per brand (portal.path, then each brand's path). Server-rendered
 * pages on the shared web layer (context, CSRF, cookies, static files, security headers), its own
 * database sessions (a proven identity each), its words in pt-BR/es/en, JSON under <path>/api.
 */
import express, { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import { html } from '../shared/html.js';
import { CONTENT_SECURITY_POLICY, securityHeaders } from '../shared/security-headers.js';
import { staticFiles } from '../shared/static-files.js';
import { csrfOk, ctx, webContext } from '../shared/web-context.js';
import { csrfToken } from '../shared/csrf.js';
import { resolveViewer } from './portal-access.js';
import { createPortalApi } from './portal-api.js';
import { PORTAL_COOKIE, registerPortalAuthRoutes } from './portal-auth-routes.js';
import { portalSites } from './portal-config.js';
import { pctx, type PortalDeps, type PortalLocals, type PortalRuntime } from './portal-deps.js';
import { PortalUnavailableError } from './portal-ingest.js';
import { brandCss, portalCsp, portalPage } from './portal-layout.js';
import { portalTranslator } from './portal-messages.js';
import { registerPortalPages } from './portal-pages.js';
import { registerPortalRequestRoutes } from './portal-request-routes.js';
import { findPortalSession, touchPortalSession } from './portal.repository.js';

const TOUCH_EVERY_MS = 5 * 60_000;
/** The only posts whose CSRF token travels inside a multipart body (checked after parsing). */
const MULTIPART_POSTS = [/^\/new$/, /^\/requests\/\d+\/reply$/];

export function createPortalRouters(deps: PortalDeps): Array<{ path: string; router: Router }> {
  const portal = deps.config.portal;
  return portalSites(portal).map((site) => {
    const rt: PortalRuntime = {
      deps,
      portal,
      site,
      base: site.path,
      ttlMs: portal.sessionDays * 86_400_000,
      db: () => deps.database.kysely,
      now: () => deps.clock.now(),
    };
    return { path: site.path, router: createSiteRouter(rt) };
  });
}

function createSiteRouter(rt: PortalRuntime): Router {
  const { deps, site } = rt;
  const csp = portalCsp(CONTENT_SECURITY_POLICY, site.logoUrl);
  const router = Router();
  router.use('/static', staticFiles());
  router.use(securityHeaders);
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(
    webContext({
      base: rt.base,
      key: deps.webKey,
      secureCookies: rt.portal.secureCookies,
      defaultLocale: site.defaultLocale ?? deps.config.tickets.defaultLocale,
    }),
  );
  router.get('/brand.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('text/css').send(brandCss(rt));
  });
  const loadViewer: RequestHandler = async (_req, res, next) => {
    const web = ctx(res);
    const locals: PortalLocals = { tp: portalTranslator(web.locale) };
    res.locals.portal = locals;
    const token = web.cookies.get(PORTAL_COOKIE);
    if (token && token.length <= 100) {
      const now = rt.now();
      const s = await findPortalSession(rt.db(), token, site.brand, now);
      if (s) {
        web.sessionId = s.id;
        web.csrf = csrfToken(deps.webKey, `session:${s.id}`);
        locals.viewer = await resolveViewer(rt.db(), s, rt.portal, site, rt.deps.channels.phoneAliases);
        if (now - s.lastSeenAt > TOUCH_EVERY_MS) await touchPortalSession(rt.db(), s.id, now, rt.ttlMs);
      }
    }
    next();
  };
  router.use(loadViewer);
  router.use('/api', createPortalApi(rt));
  router.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 100 }));
  router.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const multipart = (req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
    if (multipart && MULTIPART_POSTS.some((r) => r.test(req.path))) return next();
    if (!multipart && csrfOk(req, deps.webKey, ctx(res))) return next();
    res.status(403).type('text/plain').send(pctx(res).p.tp('csrf_failed'));
  });
  registerPortalAuthRoutes(router, rt);
  // Everything below needs a signed-in customer; pages send browsers to sign in.
  router.use((req, res, next) => {
    const { web, p } = pctx(res);
    if (p.viewer) return next();
    if (req.method === 'GET') return res.redirect(303, `${web.href('/sign-in')}?next=${encodeURIComponent(req.originalUrl.slice(0, 500))}`);
    res.status(401).type('text/plain').send(p.tp('sign_in_title'));
  });
  registerPortalPages(router, rt);
  registerPortalRequestRoutes(router, rt);
  router.use((_req, res) => {
    const { web, p } = pctx(res);
    res
      .status(404)
      .type('html')
      .send(
        portalPage(rt, web, p, {
          title: p.tp('not_found'),
          page: 'not-found',
          body: html`<section class="p-card"><h1>${p.tp('not_found')}</h1><p><a href="${web.href('/')}">${p.tp('back')}</a></p></section>`,
        }),
      );
  });
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent || !res.locals.portal) return next(err);
    const status = (err as { status?: number }).status;
    const { web, p } = pctx(res);
    if (status && status >= 400 && status < 500)
      return void res
        .status(status)
        .type('text/plain')
        .send(String((err as Error).message).slice(0, 200));
    if (err instanceof PortalUnavailableError)
      deps.logger.error('portal: no channel to receive portal messages (set portal.requestChannel)');
    else deps.logger.error({ err }, 'portal page failed');
    res
      .status(err instanceof PortalUnavailableError ? 503 : 500)
      .type('html')
      .send(
        portalPage(rt, web, p, {
          title: p.tp('error_title'),
          page: 'error',
          body: html`<section class="p-card"><p class="p-error" role="alert">${p.tp('error_title')}</p></section>`,
        }),
      );
  };
  router.use(onError);
  return router;
}
