/** The inbox: views, filters, sort, and rows (the rows are also served alone for live refresh). */
import type { Router } from 'express';
import { statusLabelsFor } from '../../config/schema.js';
import { listAgents } from '../../db/repositories/agent.repository.js';
import type { Ticket } from '../../domain/ticket.js';
import { PRIORITIES, TICKET_STATUSES } from '../../domain/model.js';
import { html, type SafeHtml } from '../shared/html.js';
import { type MessageKey, relativeTime } from '../shared/i18n.js';
import { page } from '../shared/layout.js';
import { requireAgent } from '../shared/session-auth.js';
import { readTimes } from '../shared/web-auth.repository.js';
import { ctx, type WebContext } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';
import { dueOf, type InboxQuery, parseInboxQuery, queryInbox, SORTS, TEXT_SEARCH_WINDOW, VIEWS } from './inbox.query.js';
import { requesterNames } from './requester-names.js';

const VIEW_KEYS: Record<(typeof VIEWS)[number], MessageKey> = {
  mine: 'view_mine',
  unassigned: 'view_unassigned',
  open: 'view_open',
  pending: 'view_pending',
  solved: 'view_solved',
  all: 'view_all',
};
const SORT_KEYS: Record<(typeof SORTS)[number], MessageKey> = { activity: 'sort_activity', due: 'sort_due', created: 'sort_created' };

function queryString(q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface InboxRow {
  ticket: Ticket;
  requester: string;
  unread: boolean;
}

export function renderRows(web: WebContext, rows: InboxRow[], labels: Record<string, string>, now: number): SafeHtml {
  const { tr } = web;
  if (rows.length === 0) return html`<tr class="empty"><td colspan="7">${tr('no_tickets')}</td></tr>`;
  return html`${rows.map(({ ticket: t, requester, unread }) => {
    const due = dueOf(t);
    const open = t.status === 'new' || t.status === 'open';
    const overdue = open && due !== null && due < now;
    return html`<tr class="ticket-row${unread ? ' unread' : ''}" data-number="${t.number}" data-updated="${t.updatedAt}">
<td class="num"><a href="${web.href(`/tickets/${t.number}`)}" class="row-link">#${t.number}</a>${unread ? html` <span class="dot" title="${tr('unread')}"><span class="sr">${tr('unread')}</span></span>` : ''}</td>
<td class="req">${requester}</td>
<td class="subj">${t.subject || '—'}</td>
<td class="chan">${t.lastCustomerChannelId}</td>
<td class="status"><span class="badge s-${t.status}">${labels[t.status] ?? t.status}</span>${t.priority === 'high' || t.priority === 'urgent' ? html` <span class="badge p-${t.priority}">${tr(`priority_${t.priority}` as MessageKey)}</span>` : ''}</td>
<td class="act"><time datetime="${new Date(t.updatedAt).toISOString()}">${relativeTime(web.locale, t.updatedAt, now)}</time></td>
<td class="sla">${overdue ? html`<span class="overdue">${tr('overdue')}</span>` : open && due !== null ? tr('due_in', { when: relativeTime(web.locale, due, now) }) : ''}</td>
</tr>`;
  })}`;
}

export async function loadRows(rt: ConsoleRuntime, agentId: string, q: InboxQuery) {
  const db = rt.deps.database.kysely;
  const { tickets, nextCursor } = await queryInbox(db, q, agentId);
  const [names, reads] = await Promise.all([
    requesterNames(
      db,
      tickets.map((t) => t.requesterId),
    ),
    readTimes(
      db,
      agentId,
      tickets.map((t) => t.id),
    ),
  ]);
  const rows: InboxRow[] = tickets.map((t) => {
    const read = reads.get(t.id);
    return {
      ticket: t,
      requester: names.get(t.requesterId) ?? '—',
      unread: t.lastCustomerMessageAt !== null && (read === undefined || read < t.lastCustomerMessageAt),
    };
  });
  return { rows, nextCursor };
}

export function registerInboxRoutes(router: Router, rt: ConsoleRuntime): void {
  router.get('/', requireAgent, async (req, res) => {
    const web = ctx(res);
    const { tr } = web;
    const raw = req.query as Record<string, unknown>;
    const q = parseInboxQuery(raw);
    const now = rt.deps.clock.now();
    const labels = statusLabelsFor(rt.deps.config, web.locale);
    const { rows, nextCursor } = await loadRows(rt, web.agent!.id, q);
    const keep: Record<string, string | undefined> = Object.fromEntries(
      ['view', 'sort', 'status', 'channel', 'priority', 'assignee', 'category', 'origin', 'reference', 'field', 'from', 'to', 'q'].map(
        (k) => [k, typeof raw[k] === 'string' ? (raw[k] as string) : undefined],
      ),
    );
    if (raw.fragment === 'rows') {
      res.type('html').send(renderRows(web, rows, labels, now).value);
      return;
    }
    const agents = await listAgents(rt.deps.database.kysely);
    const sel = (name: string, value: string, label: string) =>
      html`<option value="${value}"${keep[name] === value ? html` selected` : ''}>${label}</option>`;
    const m = typeof raw.m === 'string' && raw.m === 'password_set' ? tr('password_set') : undefined;
    if (m) web.flash = m;
    const body = html`<div class="inbox">
<p class="inbox-actions"><a class="button" href="${web.href('/new')}" id="new-conversation">${tr('new_conversation')}</a></p>
<nav class="views" aria-label="${tr('inbox')}">
${VIEWS.map((v) => html`<a href="${web.href('/')}${queryString({ view: v, sort: keep.sort })}"${q.view === v ? html` aria-current="page"` : ''}>${tr(VIEW_KEYS[v])}</a>`)}
</nav>
<form class="filters" method="get" action="${web.href('/')}" role="search">
  <input type="hidden" name="view" value="${q.view}">
  <label class="grow"><span class="sr">${tr('search')}</span><input type="search" name="q" id="search" value="${keep.q ?? ''}" placeholder="${tr('search_placeholder')}" aria-describedby="search-scope"></label>
  <details class="more-filters"${['status', 'channel', 'priority', 'assignee', 'category', 'origin', 'reference', 'field', 'from', 'to'].some((k) => keep[k]) ? html` open` : ''}>
    <summary>${tr('filters')}</summary>
    <div class="grid">
      <label>${tr('status')}<select name="status"><option value="">${tr('any')}</option>${TICKET_STATUSES.map((s) => sel('status', s, labels[s] ?? s))}</select></label>
      <label>${tr('channel')}<select name="channel"><option value="">${tr('any')}</option>${rt.deps.channels.list().map((c) => sel('channel', c.id, c.id))}</select></label>
      <label>${tr('priority')}<select name="priority"><option value="">${tr('any')}</option>${PRIORITIES.map((p) => sel('priority', p, tr(`priority_${p}` as MessageKey)))}</select></label>
      <label>${tr('assignee')}<select name="assignee"><option value="">${tr('any')}</option>${sel('assignee', 'me', tr('me'))}${sel('assignee', 'none', tr('nobody'))}${agents.map((a) => sel('assignee', a.id, a.name))}</select></label>
      <label>${tr('category')}<input name="category" value="${keep.category ?? ''}"></label>
      <label>${tr('origin')}<input name="origin" value="${keep.origin ?? ''}"></label>
      <label>${tr('reference')}<input name="reference" value="${keep.reference ?? ''}"></label>
      <label>${tr('field')}<input name="field" value="${keep.field ?? ''}" placeholder="${tr('field_placeholder')}"></label>
      <label>${tr('period_from')}<input type="date" name="from" value="${keep.from ?? ''}"></label>
      <label>${tr('period_to')}<input type="date" name="to" value="${keep.to ?? ''}"></label>
    </div>
  </details>
  <label>${tr('sort')}<select name="sort">${SORTS.map((s) => html`<option value="${s}"${q.sort === s ? html` selected` : ''}>${tr(SORT_KEYS[s])}</option>`)}</select></label>
  <button type="submit">${tr('filter_apply')}</button>
  <a href="${web.href('/')}${queryString({ view: q.view })}">${tr('filter_clear')}</a>
</form>
<p class="hint" id="search-scope">${tr('search_scope', { count: TEXT_SEARCH_WINDOW })}</p>
<table class="tickets" id="tickets" aria-describedby="shortcut-help">
<thead><tr><th scope="col">${tr('col_number')}</th><th scope="col">${tr('col_requester')}</th><th scope="col">${tr('col_subject')}</th><th scope="col">${tr('col_channel')}</th><th scope="col">${tr('col_status')}</th><th scope="col">${tr('col_activity')}</th><th scope="col">${tr('col_sla')}</th></tr></thead>
<tbody id="rows" data-src="${web.href('/')}${queryString({ ...keep, fragment: 'rows' })}">
${renderRows(web, rows, labels, now)}
</tbody>
</table>
${nextCursor ? html`<p><a class="more" href="${web.href('/')}${queryString({ ...keep, cursor: nextCursor })}">${tr('more')} →</a></p>` : ''}
<p class="hint" id="shortcut-help">${tr('shortcuts')}</p>
</div>`;
    res.type('html').send(page(web, { title: tr(VIEW_KEYS[q.view]), page: 'inbox', nav: 'inbox', body }));
  });
}
