/**
 * The ticket page and its actions. Reads through ticketDetail (the API's view), writes through
 * the same use cases as the API: createAgentReply (reply / internal note / "send and set
 * status") and the API's PATCH use case (assignee, priority, category, reference, fields, status).
 */
import type { Router } from 'express';
import { loadTemplates, type TemplateSet } from '../../automation/templates.js';
import { statusLabelsFor } from '../../config/schema.js';
import { type Agent, listAgents } from '../../db/repositories/agent.repository.js';
import { mergesInto } from '../../db/repositories/contact-merge.repository.js';
import { getAttachment } from '../../db/repositories/message.repository.js';
import { getTicketByNumber, listTickets } from '../../db/repositories/ticket.repository.js';
import { claimsOfTicket } from '../../db/repositories/trust.repository.js';
import { NotFoundError, PonteError, ValidationError } from '../../domain/errors.js';
import { PRIORITIES, TICKET_STATUSES, type Priority, type TicketStatus } from '../../domain/model.js';
import { sanitizeEmailHtml } from '../../ingest/sanitize-html.js';
import { createAgentReply } from '../../tickets/agent-reply.usecase.js';
import type { TicketPatch } from '../../tickets/ticket-changes.js';
import { patchTicket } from '../../tickets/ticket-patch.usecase.js';
import { ticketDetail } from '../../tickets/ticket-view.js';
import { html } from '../shared/html.js';
import { page } from '../shared/layout.js';
import { requireAgent } from '../shared/session-auth.js';
import { markTicketRead } from '../shared/web-auth.repository.js';
import { csrfOk, ctx, type WebContext } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';
import { type ConsoleForm, ConsoleUploadError, isMultipart, readConsoleForm, uploadLimits, uploadProblemText } from './reply-upload.js';
import { registerRequesterRoutes } from './requester-routes.js';
import {
  type CannedReply,
  type Detail,
  type ReplyDraft,
  renderAudit,
  renderProps,
  renderReplyBox,
  renderRequester,
  renderThread,
} from './ticket-render.js';

const CANNED = ['ack', 'pending_reminder', 'solved_notice', 'closed_notice'] as const;
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function errorText(err: unknown): string | undefined {
  if (!(err instanceof PonteError)) return undefined;
  const issues = (err as { issues?: Array<{ path: string; message: string }> }).issues;
  return issues?.length ? `${err.message}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}` : err.message;
}

export function registerTicketRoutes(router: Router, rt: ConsoleRuntime): void {
  const db = () => rt.deps.database.kysely;
  // Times read in the desk's own timezone (the business hours'), whatever the server's is.
  const tz = rt.deps.config.businessHours.timezone;
  let templates: TemplateSet | undefined | null;
  const cannedFor = (d: Detail, labels: Record<string, string>, requester: string): CannedReply[] => {
    if (templates === undefined) {
      try {
        templates = loadTemplates(rt.deps.config.automation.templatesDir);
      } catch {
        templates = null;
      }
    }
    if (!templates) return [];
    const values: Record<string, string> = {
      ticket_number: String(d.number),
      requester_name: requester,
      subject: d.subject,
      status_label: labels[d.status] ?? d.status,
      business_hours: '',
      deadline: '',
      reopen_hint: '',
      back_at: '',
    };
    for (const s of TICKET_STATUSES) values[`label_${s}`] = labels[s] ?? s;
    return CANNED.map((name) => ({ name, text: templates!.render(name, d.locale, values as never) }));
  };

  async function loadPage(web: WebContext, number: number) {
    const t = await getTicketByNumber(db(), number);
    if (!t) return undefined;
    const customerLabels = statusLabelsFor(rt.deps.config, t.locale);
    const [d, claims, others, agents, merges] = await Promise.all([
      ticketDetail(db(), t, customerLabels),
      claimsOfTicket(db(), t.id),
      listTickets(db(), { requesterContactIds: [t.requesterId], now: rt.deps.clock.now(), limit: 11 }),
      listAgents(db()),
      mergesInto(db(), t.requesterId),
    ]);
    return {
      t,
      d,
      claims,
      merges: merges.filter((m) => m.undoneAt === null),
      others: others.filter((o) => o.id !== t.id).slice(0, 10),
      agents,
      byId: new Map<string, Agent>(agents.map((a) => [a.id, a])),
      labels: statusLabelsFor(rt.deps.config, web.locale),
    };
  }

  async function renderTicket(
    web: WebContext,
    number: number,
    error?: string,
    draft?: ReplyDraft,
  ): Promise<{ status: number; body: string }> {
    // A refused claim link names the contact that owns the identity: offer the merge.
    // The marker is appended last (requester-routes.ts); the message before it may quote a claimed address.
    const cut = error?.lastIndexOf('|merge:') ?? -1;
    const [message, mergeFrom] = error && cut >= 0 ? [error.slice(0, cut), error.slice(cut + 7)] : [error, undefined];
    error = message;
    const p = await loadPage(web, number);
    if (!p)
      return {
        status: 404,
        body: page(web, {
          title: `#${number}`,
          page: 'error',
          nav: 'inbox',
          body: html`<p class="error">${web.tr('ticket_not_found', { number })}</p><p><a href="${web.href('/')}">${web.tr('back_to_inbox')}</a></p>`,
        }),
      };
    const { d, labels } = p;
    const requester = d.requester.name ?? d.requester.identities[0]?.address ?? '';
    await markTicketRead(db(), web.agent!.id, p.t.id, rt.deps.clock.now());
    const body = html`<div class="ticket" data-number="${d.number}">
<header class="ticket-head">
  <a href="${web.href('/')}" class="back">← ${web.tr('inbox')}</a>
  <h1><span class="num">#${d.number}</span> ${d.subject || '—'}</h1>
  <p class="meta"><span class="badge s-${d.status}" id="ticket-status">${labels[d.status] ?? d.status}</span> <span class="via">${web.tr('via', { channel: d.lastCustomerChannel })}</span></p>
</header>
<div class="ticket-grid">
  <div class="ticket-main">
    <section aria-labelledby="thread-h"><h2 id="thread-h" class="sr">${web.tr('thread')}</h2>
      <div class="thread" id="thread" aria-live="polite" data-src="${web.href(`/tickets/${d.number}?fragment=thread`)}">${renderThread(web, d, p.byId, tz)}</div>
    </section>
    ${renderReplyBox(web, d, labels, cannedFor(d, statusLabelsFor(rt.deps.config, d.locale), requester), uploadLimits(rt), error, draft)}
  </div>
  <aside class="ticket-side">
    ${renderProps(web, d, p.agents, labels)}
    ${renderRequester(web, d, p.claims, p.others, labels, mergeFrom, p.merges, tz)}
    <section class="panel" aria-labelledby="audit-h"><h2 id="audit-h">${web.tr('audit')}</h2><div id="audit">${renderAudit(web, d, p.byId, labels, tz)}</div></section>
  </aside>
</div>
<p class="hint">${web.tr('shortcuts')}</p>
</div>`;
    return {
      status: 200,
      body: page(web, { title: `#${d.number} ${d.subject}`, page: 'ticket', nav: 'inbox', body, data: { ticket: String(d.number) } }),
    };
  }

  router.get('/tickets/:number', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    if (!Number.isSafeInteger(number) || number <= 0) return res.status(404).type('text/plain').send('not found');
    if (req.query.fragment === 'thread') {
      const p = await loadPage(web, number);
      if (!p) return res.status(404).type('text/plain').send('not found');
      await markTicketRead(db(), web.agent!.id, p.t.id, rt.deps.clock.now());
      res
        .type('html')
        .send(
          html`${renderThread(web, p.d, p.byId, tz)}<template id="audit-next">${renderAudit(web, p.d, p.byId, p.labels, tz)}</template><template id="status-next">${p.labels[p.d.status] ?? p.d.status}</template>`
            .value,
        );
      return;
    }
    const m = String(req.query.m ?? '');
    const channel = String(req.query.c ?? '').slice(0, 63);
    if (m === 'sent' || m === 'note' || m === 'saved')
      web.flash = m === 'sent' ? web.tr('sent_ok', { channel }) : web.tr(m === 'note' ? 'note_ok' : 'saved');
    if (m === 'started') web.flash = web.tr('nc_started', { channel });
    if (m === 'unlinked' || m === 'undone') web.flash = web.tr(m === 'unlinked' ? 'identity_unlinked' : 'merge_undone');
    const r = await renderTicket(web, number);
    res.status(r.status).type('html').send(r.body);
  });

  router.post('/tickets/:number/reply', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    // A multipart form (files) is read here: the router-wide CSRF check cannot see its fields.
    let form: ConsoleForm | undefined;
    if (isMultipart(req)) {
      try {
        form = await readConsoleForm(req, rt);
      } catch (err) {
        if (!(err instanceof ConsoleUploadError)) throw err;
        // The typed text comes back in the box (only for this agent's own form: its CSRF field holds).
        req.body = err.fields ?? {};
        const typed = err.fields && csrfOk(req, rt.deps.webKey, web) ? err.fields : undefined;
        const draft = typed
          ? ({
              body: typeof typed.body === 'string' ? typed.body : '',
              visibility: typed.visibility === 'internal' ? 'internal' : 'public',
            } as const)
          : undefined;
        const r = await renderTicket(web, number, uploadProblemText(web, rt, err.problem), draft);
        return res
          .status(r.status === 200 ? err.status : r.status)
          .type('html')
          .send(r.body);
      }
      req.body = form.fields;
      if (!csrfOk(req, rt.deps.webKey, web)) {
        await form.dispose();
        return res.status(403).type('text/plain').send(web.tr('csrf_failed'));
      }
    }
    try {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const text = typeof b.body === 'string' ? b.body.replace(/\r\n?/g, '\n') : '';
      const visibility = b.visibility === 'internal' ? 'internal' : 'public';
      const status = ['open', 'pending', 'solved', 'closed'].includes(String(b.status))
        ? (b.status as 'open' | 'pending' | 'solved' | 'closed')
        : undefined;
      const draft = { body: text, visibility } as const;
      if (!Number.isSafeInteger(number) || (text.trim() === '' && !form?.fileCount)) {
        const r = await renderTicket(web, number, web.tr('reply_empty'), draft);
        return res
          .status(r.status === 200 ? 400 : r.status)
          .type('html')
          .send(r.body);
      }
      try {
        const attachmentIds = form ? await form.commit(web.agent!.id) : [];
        const result = await createAgentReply(
          {
            database: rt.deps.database,
            channels: rt.deps.channels,
            events: rt.deps.events,
            clock: rt.deps.clock,
            uploadKey: rt.deps.uploadKey,
          },
          web.agent!,
          { ticketNumber: number, body: text, visibility, status, attachmentIds },
        );
        if (result.visibility === 'public') rt.deps.wakeOutbox();
        res.redirect(
          303,
          `${web.href(`/tickets/${number}`)}?m=${result.visibility === 'public' ? 'sent' : 'note'}${result.channelId ? `&c=${encodeURIComponent(result.channelId)}` : ''}`,
        );
      } catch (err) {
        await form?.release();
        const message = errorText(err);
        if (!message) throw err;
        const r = await renderTicket(web, number, message, draft);
        res
          .status(r.status === 200 ? 409 : r.status)
          .type('html')
          .send(r.body);
      }
    } finally {
      await form?.dispose();
    }
  });

  router.post('/tickets/:number/props', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    const b = req.body as Record<string, unknown>;
    const str = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : undefined);
    const fields: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(b))
      if (k.startsWith('field:') && typeof v === 'string') fields[k.slice(6, 106)] = v.trim() === '' ? null : v.trim().slice(0, 500);
    try {
      // The API's PATCH use case (one rule for both: an assignee must be an active agent).
      const current = await getTicketByNumber(db(), number);
      if (!current) throw new NotFoundError('ticket', `#${number}`);
      const assignee = str(b.assignee, 26);
      const patch: TicketPatch = {
        status: (TICKET_STATUSES as readonly string[]).includes(String(b.status)) ? (b.status as TicketStatus) : undefined,
        priority: (PRIORITIES as readonly string[]).includes(String(b.priority)) ? (b.priority as Priority) : undefined,
        assigneeId: b.assignee === undefined ? undefined : assignee || null,
        category: b.category === undefined ? undefined : str(b.category, 200) || null,
        reference: b.reference === undefined ? undefined : str(b.reference, 200) || null,
        fields: Object.keys(fields).some((k) => fields[k] !== (current.customFields[k] ?? null)) ? fields : undefined,
      };
      await patchTicket(rt.deps, number, patch, { type: 'agent', id: web.agent!.id }, 'assignee');
      rt.deps.wakeOutbox();
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=saved`);
    } catch (err) {
      const message = errorText(err);
      if (!message) throw err;
      const r = await renderTicket(web, number, message);
      res
        .status(r.status === 200 ? 409 : r.status)
        .type('html')
        .send(r.body);
    }
  });

  registerRequesterRoutes(router, rt, async (res, number, error, status) => {
    const r = await renderTicket(ctx(res), number, error);
    res
      .status(r.status === 200 ? status : r.status)
      .type('html')
      .send(r.body);
  });

  // Message HTML (already sanitized at ingest; sanitized again here) in its own sandboxed document.
  router.get('/messages/:id/html', requireAgent, async (req, res) => {
    const m = await db().selectFrom('messages').select(['html']).where('id', '=', String(req.params.id).slice(0, 26)).executeTakeFirst();
    if (!m?.html) return res.status(404).type('text/plain').send('not found');
    res.setHeader(
      'Content-Security-Policy',
      "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
    );
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.type('html').send(`<!doctype html><meta charset="utf-8"><base target="_blank">${sanitizeEmailHtml(m.html)}`);
  });

  router.get('/attachments/:id', requireAgent, async (req, res) => {
    const a = await getAttachment(db(), String(req.params.id).slice(0, 26));
    if (!a || !(await rt.deps.blobs.exists(a.blob_key))) return res.status(404).type('text/plain').send('not found');
    const inline = req.query.inline === '1' && INLINE_TYPES.has(a.content_type);
    res.setHeader('Content-Type', inline ? a.content_type : 'application/octet-stream');
    res.setHeader('Content-Length', String(a.size));
    res.setHeader('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(a.filename)}`);
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    rt.deps.blobs.get(a.blob_key).pipe(res);
  });
}
