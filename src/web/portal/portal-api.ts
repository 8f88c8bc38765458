/**
 * /portal/api: the same data as the pages, as JSON, for shops that build their own page. Signed
 * in by the portal's session cookie (state changes then need the X-CSRF-Token from
 * GET /portal/api/session) or by a merchant-signed token:
 *   Authorization: Bearer <base64url of a signed link's query: email=…&phone=…&org=…&exp=…&sig=…>
 * valid until its `exp`. A ticket the caller may not see is a 404, like a missing one.
 */
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { statusLabelsFor } from '../../config/schema.js';
import { contentDisposition } from '../../domain/attachment-name.js';
import { csrfOk } from '../shared/web-context.js';
import { verifySignedLink } from './merchant-link.js';
import {
  findVisibleTicket,
  listVisibleTickets,
  parseSignInAddress,
  resolveViewer,
  type Scope,
  type StatusFilter,
} from './portal-access.js';
import { createRequest, replyToRequest, setNotifyPreference, setRequestStatus, type ActionResult } from './portal-actions.js';
import { pctx, type PortalRuntime } from './portal-deps.js';
import { getContactSettings } from './portal.repository.js';
import { publicThread, visibleAttachment } from './portal-thread.js';

function send<T>(res: Response, r: ActionResult<T>, okStatus = 200): void {
  if (r.ok) return void res.status(okStatus).json(r.value);
  const status = r.error === 'not_found' ? 404 : r.error === 'not_allowed' ? 409 : 400;
  res.status(status).json({
    error: r.error,
    message: r.error === 'not_found' ? 'no such request' : r.error === 'not_allowed' ? 'not available for this request' : 'invalid input',
    ...(r.issues ? { issues: r.issues } : {}),
  });
}

export function createPortalApi(rt: PortalRuntime): Router {
  const api = Router();
  api.use(express.json({ limit: '200kb' }));

  // A signed bearer token stands in for the session (no cookie, so no CSRF).
  const auth: RequestHandler = async (req, res, next) => {
    const { p, web } = pctx(res);
    const m = /^Bearer\s+([A-Za-z0-9_-]{20,2000})$/.exec(req.get('authorization') ?? '');
    if (m) {
      const query = Object.fromEntries(new URLSearchParams(Buffer.from(m[1]!, 'base64url').toString('utf8')));
      const check = verifySignedLink(rt.portal.signingSecret, query, rt.now(), rt.portal.signedLinkMaxMinutes);
      const identity = check.ok ? parseSignInAddress(check.claims.email || check.claims.phone) : undefined;
      if (!check.ok || !identity)
        return void res
          .status(401)
          .json({ error: 'unauthenticated', message: `signed token refused (${check.ok ? 'address' : check.reason})` });
      p.viewer = await resolveViewer(
        rt.db(),
        { id: '', brand: rt.site.brand, identity, organization: check.claims.org || null, via: 'signed', lastSeenAt: rt.now() },
        rt.portal,
        rt.site,
        rt.deps.channels.phoneAliases,
      );
      res.locals.bearer = true;
    }
    if (!p.viewer) return void res.status(401).json({ error: 'unauthenticated', message: 'sign in to the portal or send a signed token' });
    if (req.method !== 'GET' && req.method !== 'HEAD' && !res.locals.bearer && !csrfOk(req, rt.deps.webKey, web))
      return void res.status(403).json({ error: 'csrf_failed', message: 'send the X-CSRF-Token from GET /portal/api/session' });
    next();
  };
  api.use(auth);

  const summary = (req: Request, res: Response) => {
    const labels = statusLabelsFor(rt.deps.config, pctx(res).web.locale);
    return (t: Awaited<ReturnType<typeof listVisibleTickets>>[number], mine: boolean) => ({
      number: t.number,
      subject: t.subject,
      reference: t.reference,
      category: t.category,
      status: t.status,
      statusLabel: labels[t.status],
      awaitingYourReply: t.status === 'pending',
      createdAt: t.createdAt,
      lastActivityAt: t.updatedAt,
      mine,
    });
  };

  api.get('/session', async (_req, res) => {
    const { p, web } = pctx(res);
    const v = p.viewer!;
    const settings = v.contactId ? await getContactSettings(rt.db(), v.contactId) : { notify: 'all' };
    res.json({
      identity: v.identity,
      organization: v.organization ? { id: v.organization.id, name: v.organization.name } : null,
      notify: settings.notify,
      locale: web.locale,
      csrfToken: res.locals.bearer ? null : web.csrf,
    });
  });

  api.get('/requests', async (req, res) => {
    const { p } = pctx(res);
    const scope: Scope = req.query.scope === 'org' ? 'org' : 'mine';
    const filter = (['all', 'awaiting', 'open', 'solved', 'closed'] as const).find((f) => f === req.query.status) ?? 'all';
    if (req.query.status !== undefined && filter !== req.query.status)
      return void res.status(400).json({
        error: 'invalid',
        message: 'status is one of all, awaiting, open, solved, closed',
        issues: [{ path: 'status', message: 'unknown status filter' }],
      });
    const tickets = await listVisibleTickets(rt.db(), p.viewer!, scope, filter as StatusFilter);
    const toJson = summary(req, res);
    res.json({ scope, status: filter, requests: tickets.map((t) => toJson(t, scope === 'mine' || t.requesterId === p.viewer!.contactId)) });
  });

  api.get('/requests/:number', async (req, res) => {
    const { p } = pctx(res);
    const found = await findVisibleTicket(rt.db(), p.viewer!, Number(req.params.number));
    if (!found) return void res.status(404).json({ error: 'not_found', message: 'no such request' });
    const thread = await publicThread(rt.db(), found.ticket, p.viewer!.contactId);
    const base = pctx(res).web.href(`/api/requests/${found.ticket.number}/attachments/`);
    res.json({
      ...summary(req, res)(found.ticket, found.mine),
      messages: thread.map((m) => ({ ...m, attachments: m.attachments.map((a) => ({ ...a, url: `${base}${a.id}` })) })),
      canReply: found.mine,
      canMarkSolved: found.mine && rt.portal.customerMaySolve && ['new', 'open', 'pending'].includes(found.ticket.status),
      canReopen: found.mine && rt.portal.customerMayReopen && found.ticket.status === 'solved',
    });
  });

  api.get('/requests/:number/attachments/:id', async (req, res) => {
    const { p } = pctx(res);
    const found = await findVisibleTicket(rt.db(), p.viewer!, Number(req.params.number));
    const a = found && (await visibleAttachment(rt.db(), found.ticket, String(req.params.id).slice(0, 26)));
    if (!a || !(await rt.deps.blobs.exists(a.blob_key)))
      return void res.status(404).json({ error: 'not_found', message: 'no such attachment' });
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', contentDisposition(a.filename));
    rt.deps.blobs.get(a.blob_key).pipe(res);
  });

  api.post('/requests/:number/replies', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const r = await replyToRequest(rt, pctx(res).p.viewer!, Number(req.params.number), body.body, [], body.key);
    send(
      res,
      r.ok
        ? { ok: true, value: { status: r.value.status, ticketNumber: 'ticketNumber' in r.value ? r.value.ticketNumber : undefined } }
        : r,
      202,
    );
  });

  api.post('/requests/:number/solve', async (req, res) =>
    send(res, await setRequestStatus(rt, pctx(res).p.viewer!, Number(req.params.number), 'solved')),
  );
  api.post('/requests/:number/reopen', async (req, res) =>
    send(res, await setRequestStatus(rt, pctx(res).p.viewer!, Number(req.params.number), 'open')),
  );

  api.post('/requests', async (req, res) => {
    const { p, web } = pctx(res);
    const r = await createRequest(rt, p.viewer!, (req.body ?? {}) as Record<string, unknown>, async () => [], web.locale);
    send(
      res,
      r.ok
        ? {
            ok: true,
            value: {
              status: r.value.status,
              ticketNumber: 'ticketNumber' in r.value ? r.value.ticketNumber : undefined,
              existingRequest: r.value.status === 'appended',
            },
          }
        : r,
      201,
    );
  });

  api.put('/preferences', async (req, res) =>
    send(res, await setNotifyPreference(rt, pctx(res).p.viewer!, ((req.body ?? {}) as Record<string, unknown>).notify)),
  );

  api.use((req, res) => void res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` }));
  return api;
}
