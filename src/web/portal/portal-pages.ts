/** The portal's pages: my requests (and my organization's), one request, a new request, notifications. */
import type { Response, Router } from 'express';
import { statusLabelsFor } from '../../config/schema.js';
import { html, type SafeHtml } from '../shared/html.js';
import { dateTime } from '../shared/i18n.js';
import type { WebContext } from '../shared/web-context.js';
import { findVisibleTicket, listVisibleTickets, type Scope, type StatusFilter } from './portal-access.js';
import { localized } from './portal-config.js';
import { pctx, type PortalLocals, type PortalRuntime } from './portal-deps.js';
import { portalPage } from './portal-layout.js';
import { getContactSettings } from './portal.repository.js';
import { publicThread } from './portal-thread.js';
import { formatBytes } from './portal-upload.js';
import { randomBytes } from 'node:crypto';

const FILTERS: StatusFilter[] = ['awaiting', 'open', 'solved', 'closed', 'all'];
const FILTER_KEY = { awaiting: 'f_awaiting', open: 'f_open', solved: 'f_solved', closed: 'f_closed', all: 'f_all' } as const;
export const formKey = (): string => randomBytes(16).toString('base64url');

export function notFoundPage(rt: PortalRuntime, res: Response): void {
  const { web, p } = pctx(res);
  res
    .status(404)
    .type('html')
    .send(
      portalPage(rt, web, p, {
        title: p.tp('not_found'),
        page: 'not-found',
        body: html`<section class="p-card"><h1 id="not-found">${p.tp('not_found')}</h1><p><a href="${web.href('/')}">${p.tp('back')}</a></p></section>`,
      }),
    );
}

function attachField(rt: PortalRuntime, web: WebContext, p: PortalLocals): SafeHtml {
  const a = rt.portal.attachments;
  if (a.maxCount === 0) return html``;
  return html`<label for="files">${p.tp('attach_label')}</label>
<input id="files" name="files" type="file" multiple aria-describedby="files-hint" data-max-bytes="${a.maxBytes}" data-max-count="${a.maxCount}" accept="${a.allowedTypes.join(',')}">
<p id="files-hint" class="p-hint">${p.tp('attach_hint', { count: a.maxCount, size: formatBytes(a.maxBytes), types: a.allowedTypes.join(', ') })}</p>`;
}

/** `typed`: the reply text to put back in the box (after a refused file). */
export async function renderTicketPage(
  rt: PortalRuntime,
  res: Response,
  number: number,
  error?: string,
  status = 200,
  typed?: string,
): Promise<void> {
  const { web, p } = pctx(res);
  const { tp } = p;
  const v = p.viewer!;
  const found = await findVisibleTicket(rt.db(), v, number);
  if (!found) return notFoundPage(rt, res);
  const { ticket: t, mine } = found;
  const labels = statusLabelsFor(rt.deps.config, web.locale);
  const thread = await publicThread(rt.db(), t, v.contactId);
  const who = (m: (typeof thread)[number]) =>
    m.author === 'me'
      ? tp('you')
      : m.author === 'desk'
        ? m.authorName
          ? `${m.authorName} · ${tp('desk')}`
          : tp('desk')
        : (m.authorName ?? tp('someone'));
  const messages = thread.map(
    (m) => html`<li class="p-msg p-${m.author}" id="m-${m.id}">
  <p class="p-msg-head"><strong>${who(m)}</strong> <time datetime="${new Date(m.at).toISOString()}">${dateTime(web.locale, m.at)}</time></p>
  <div class="p-msg-body">${m.text}</div>
  ${m.attachments.length ? html`<ul class="p-atts" aria-label="${tp('attachments')}">${m.attachments.map((a) => html`<li><a href="${web.href(`/requests/${t.number}/attachments/${a.id}`)}" download>${a.filename}</a> <span class="p-hint">(${formatBytes(a.size)})</span></li>`)}</ul>` : ''}
</li>`,
  );
  const csrf = html`<input type="hidden" name="_csrf" value="${web.csrf}">`;
  const canSolve = mine && rt.portal.customerMaySolve && ['new', 'open', 'pending'].includes(t.status);
  const canReopen = mine && rt.portal.customerMayReopen && t.status === 'solved';
  const closed = t.status === 'closed';
  const replyBox = mine
    ? html`<section class="p-card" aria-labelledby="reply-h">
  <h2 id="reply-h">${closed ? tp('follow_up_button') : tp('reply_label')}</h2>
  ${closed ? html`<p id="closed-note">${tp('closed_follow_up')}</p>` : ''}
  ${error ? html`<p class="p-error" role="alert" id="reply-error">${error}</p>` : ''}
  <form method="post" action="${web.href(`/requests/${t.number}/reply`)}" enctype="multipart/form-data" id="reply-form">
    ${csrf}<input type="hidden" name="key" value="${formKey()}">
    <label for="body" class="sr">${tp('reply_label')}</label>
    <textarea id="body" name="body" rows="5" required maxlength="20000">${typed ?? ''}</textarea>
    ${attachField(rt, web, p)}
    <button type="submit" class="p-primary" id="send-reply">${closed ? tp('follow_up_button') : tp('send_reply')}</button>
  </form>
  <div class="p-actions">
    ${canSolve ? html`<form method="post" action="${web.href(`/requests/${t.number}/solve`)}">${csrf}<button type="submit" id="mark-solved">${tp('mark_solved')}</button></form>` : ''}
    ${canReopen ? html`<form method="post" action="${web.href(`/requests/${t.number}/reopen`)}">${csrf}<button type="submit" id="reopen">${tp('reopen')}</button></form>` : ''}
  </div>
</section>`
    : html`<p class="p-note" id="read-only">${tp('read_only')}</p>`;
  const body = html`<article class="p-ticket" data-number="${t.number}">
<p><a href="${web.href('/')}">← ${tp('back')}</a></p>
<h1><span class="p-num">#${t.number}</span> ${t.subject}</h1>
<dl class="p-props">
  <div><dt>${tp('status')}</dt><dd><span class="p-badge s-${t.status}" id="status">${labels[t.status]}</span></dd></div>
  ${t.reference ? html`<div><dt>${tp('reference')}</dt><dd>${t.reference}</dd></div>` : ''}
  <div><dt>${tp('created')}</dt><dd>${dateTime(web.locale, t.createdAt)}</dd></div>
  <div><dt>${tp('last_activity')}</dt><dd>${dateTime(web.locale, t.updatedAt)}</dd></div>
</dl>
<ol class="p-thread" id="thread">${messages}</ol>
${replyBox}
</article>`;
  res
    .status(status)
    .type('html')
    .send(portalPage(rt, web, p, { title: `#${t.number} ${t.subject}`, page: 'ticket', nav: 'mine', body }));
}

export function renderNewRequest(
  rt: PortalRuntime,
  res: Response,
  o: { error?: string; values?: Record<string, unknown>; status?: number } = {},
): void {
  const { web, p } = pctx(res);
  const { tp } = p;
  const f = rt.portal.form;
  const val = (k: string) => (typeof o.values?.[k] === 'string' ? (o.values[k] as string) : '');
  const body = html`<section class="p-card">
<h1>${tp('new_request')}</h1>
${o.error ? html`<p class="p-error" role="alert" id="new-error">${o.error}</p>` : ''}
<form method="post" action="${web.href('/new')}" enctype="multipart/form-data" id="new-form">
  <input type="hidden" name="_csrf" value="${web.csrf}"><input type="hidden" name="key" value="${formKey()}">
  ${f.categories.length ? html`<label for="category">${tp('category')}</label><select id="category" name="category" required><option value=""></option>${f.categories.map((c) => html`<option value="${c.id}"${val('category') === c.id ? html` selected` : ''}>${localized(c.label, web.locale)}</option>`)}</select>` : ''}
  <label for="title">${tp('title')}</label>
  <input id="title" name="title" type="text" required maxlength="200" value="${val('title')}">
  ${f.reference ? html`<label for="reference">${tp('reference')}</label><input id="reference" name="reference" type="text" maxlength="200" value="${val('reference')}">` : ''}
  ${f.fields.map((x) => {
    const label = localized(x.label, web.locale);
    const name = `field_${x.id}`;
    if (x.type === 'select')
      return html`<label for="${name}">${label}</label><select id="${name}" name="${name}"${x.required ? html` required` : ''}><option value=""></option>${x.options.map((o2) => html`<option value="${o2.value}"${val(name) === o2.value ? html` selected` : ''}>${localized(o2.label, web.locale)}</option>`)}</select>`;
    if (x.type === 'textarea')
      return html`<label for="${name}">${label}</label><textarea id="${name}" name="${name}" rows="3" maxlength="2000"${x.required ? html` required` : ''}>${val(name)}</textarea>`;
    return html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="text" maxlength="2000" value="${val(name)}"${x.required ? html` required` : ''}>`;
  })}
  ${f.impact ? html`<fieldset class="p-impact"><legend>${tp('impact')}</legend>${(['normal', 'high', 'urgent'] as const).map((i) => html`<label class="p-inline"><input type="radio" name="impact" value="${i}"${(val('impact') || 'normal') === i ? html` checked` : ''}> ${tp(`impact_${i}`)}</label>`)}</fieldset>` : ''}
  <label for="body">${tp('description')}</label>
  <textarea id="body" name="body" rows="6" required maxlength="20000">${val('body')}</textarea>
  ${attachField(rt, web, p)}
  <button type="submit" class="p-primary" id="submit-request">${tp('submit_request')}</button>
</form>
</section>`;
  res
    .status(o.status ?? 200)
    .type('html')
    .send(portalPage(rt, web, p, { title: tp('new_request'), page: 'new', nav: 'new', body }));
}

export function registerPortalPages(router: Router, rt: PortalRuntime): void {
  router.get('/', async (req, res) => {
    const { web, p } = pctx(res);
    const { tp } = p;
    const v = p.viewer!;
    const scope: Scope = req.query.scope === 'org' ? 'org' : 'mine';
    const filter: StatusFilter = FILTERS.includes(req.query.status as StatusFilter) ? (req.query.status as StatusFilter) : 'all';
    const labels = statusLabelsFor(rt.deps.config, web.locale);
    const tickets = await listVisibleTickets(rt.db(), v, scope, filter);
    const names =
      scope === 'org' && tickets.length
        ? new Map(
            (
              await rt
                .db()
                .selectFrom('contacts')
                .select(['id', 'name'])
                .where('id', 'in', [...new Set(tickets.map((t) => t.requesterId))])
                .execute()
            ).map((c) => [c.id, c.name]),
          )
        : undefined;
    const m = String(req.query.m ?? '');
    if (m === 'created' || m === 'existing')
      web.flash = tp(m === 'created' ? 'created_ok' : 'existing_ok', {
        number: String(req.query.n ?? '')
          .replace(/\D/g, '')
          .slice(0, 12),
      });
    const heading =
      scope === 'org' ? (v.organization ? `${tp('org_requests')}: ${v.organization.name}` : tp('org_requests')) : tp('my_requests');
    const rows = tickets.map(
      (t) => html`<tr data-number="${t.number}">
  <td data-label="${tp('number')}"><a href="${web.href(`/requests/${t.number}`)}">#${t.number}</a></td>
  <td data-label="${tp('subject')}"><a href="${web.href(`/requests/${t.number}`)}">${t.subject}</a></td>
  ${names ? html`<td data-label="${tp('requester')}">${t.requesterId === v.contactId ? tp('you') : (names.get(t.requesterId)?.split(/\s+/)[0] ?? tp('someone'))}</td>` : ''}
  <td data-label="${tp('reference')}">${t.reference ?? '—'}</td>
  <td data-label="${tp('created')}">${dateTime(web.locale, t.createdAt)}</td>
  <td data-label="${tp('last_activity')}">${dateTime(web.locale, t.updatedAt)}</td>
  <td data-label="${tp('status')}"><span class="p-badge s-${t.status}">${labels[t.status]}</span></td>
</tr>`,
    );
    const body = html`<section class="p-card">
<h1>${heading}</h1>
${scope === 'org' && !v.organization ? html`<p>${tp('org_none')}</p>` : ''}
<form method="get" action="${web.href('/')}" class="p-filter">
  ${scope === 'org' ? html`<input type="hidden" name="scope" value="org">` : ''}
  <label for="status-filter">${tp('filter_label')}</label>
  <select id="status-filter" name="status">${FILTERS.map((f) => html`<option value="${f}"${f === filter ? html` selected` : ''}>${tp(FILTER_KEY[f])}</option>`)}</select>
  <button type="submit">${tp('filter_apply')}</button>
</form>
${
  tickets.length
    ? html`<table class="p-list" id="requests"><thead><tr><th scope="col">${tp('number')}</th><th scope="col">${tp('subject')}</th>${names ? html`<th scope="col">${tp('requester')}</th>` : ''}<th scope="col">${tp('reference')}</th><th scope="col">${tp('created')}</th><th scope="col">${tp('last_activity')}</th><th scope="col">${tp('status')}</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p id="no-requests">${tp('no_requests')}</p>`
}
</section>`;
    res.type('html').send(portalPage(rt, web, p, { title: heading, page: 'list', nav: scope, body }));
  });

  router.get('/requests/:number', async (req, res) => {
    const { web, p } = pctx(res);
    const m = String(req.query.m ?? '');
    const flash = {
      sent: 'sent_ok',
      solved: 'solved_ok',
      reopened: 'reopened_ok',
      created: 'created_ok',
      existing: 'existing_ok',
    } as const;
    if (m in flash) web.flash = p.tp(flash[m as keyof typeof flash], { number: String(req.params.number).replace(/\D/g, '').slice(0, 12) });
    await renderTicketPage(rt, res, Number(req.params.number));
  });

  router.get('/new', (_req, res) => renderNewRequest(rt, res));

  router.get('/preferences', async (req, res) => {
    const { web, p } = pctx(res);
    const { tp } = p;
    const v = p.viewer!;
    const current = v.contactId ? (await getContactSettings(rt.db(), v.contactId)).notify : 'all';
    if (req.query.m === 'saved') web.flash = tp('saved');
    const body = html`<section class="p-card"><h1>${tp('preferences')}</h1>
<form method="post" action="${web.href('/preferences')}"><input type="hidden" name="_csrf" value="${web.csrf}">
<fieldset><legend>${tp('notify_label')}</legend>
${(['all', 'needs_reply'] as const).map((n) => html`<label class="p-inline"><input type="radio" name="notify" value="${n}"${current === n ? html` checked` : ''}${v.contactId ? '' : html` disabled`}> ${tp(n === 'all' ? 'notify_all' : 'notify_needs_reply')}</label>`)}
</fieldset>
<button type="submit" class="p-primary" id="save-prefs"${v.contactId ? '' : html` disabled`}>${tp('save')}</button></form></section>`;
    res.type('html').send(portalPage(rt, web, p, { title: tp('preferences'), page: 'prefs', nav: 'prefs', body }));
  });
}
