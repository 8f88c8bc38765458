/** Rendering of the ticket page parts: thread, requester panel, properties and the reply box. */
import type { Agent } from '../../db/repositories/agent.repository.js';
import type { ContactMerge } from '../../db/repositories/contact-merge.repository.js';
import type { TicketClaim } from '../../db/repositories/trust.repository.js';
import type { Ticket } from '../../domain/ticket.js';
import { PRIORITIES } from '../../domain/model.js';
import type { ticketDetail } from '../../tickets/ticket-view.js';
import { html, type SafeHtml } from '../shared/html.js';
import { dateTime, type MessageKey } from '../shared/i18n.js';
import type { WebContext } from '../shared/web-context.js';
import { formatBytes } from './reply-upload.js';

export type Detail = Awaited<ReturnType<typeof ticketDetail>>;
type Msg = Detail['messages'][number];

const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function deliveryBadge(web: WebContext, m: Msg): SafeHtml | string {
  if (m.direction !== 'out' || m.visibility !== 'public' || !m.deliveryStatus) return '';
  const s = m.deliveryStatus;
  const label =
    s === 'failed'
      ? web.tr('delivery_failed', { reason: [m.errorCode, m.errorMessage].filter(Boolean).join(': ') || '?' })
      : web.tr(`delivery_${s}` as MessageKey);
  return html`<span class="delivery d-${s}">${label}</span>`;
}

function author(web: WebContext, m: Msg, agents: Map<string, Agent>, requester: string): string {
  if (m.authorType === 'agent') return web.tr('from_agent', { name: (m.authorAgentId && agents.get(m.authorAgentId)?.name) || '?' });
  if (m.authorType === 'system') return web.tr('system');
  return m.from ? `${requester} <${m.from}>` : requester;
}

export function renderThread(web: WebContext, d: Detail, agents: Map<string, Agent>, timeZone?: string): SafeHtml {
  const { tr } = web;
  const requester = d.requester.name ?? d.requester.identities[0]?.address ?? '—';
  return html`${d.messages.map((m) => {
    const internal = m.visibility === 'internal';
    const body = m.replyText ?? m.text;
    return html`<article class="msg ${internal ? 'internal' : m.direction === 'out' ? 'out' : 'in'}" id="m-${m.id}" data-id="${m.id}" aria-label="${internal ? tr('internal_note') : author(web, m, agents, requester)}">
<header>
  <strong>${author(web, m, agents, requester)}</strong>
  ${internal ? html`<span class="badge note">${tr('internal_note')}</span>` : m.channel ? html`<span class="via">${tr('via', { channel: m.channel })}</span>` : ''}
  <time datetime="${new Date(m.createdAt).toISOString()}">${dateTime(web.locale, m.createdAt, timeZone)}</time>
  ${deliveryBadge(web, m)}
</header>
${m.subject && m.direction === 'in' ? html`<p class="msg-subject">${m.subject}</p>` : ''}
<div class="body">${body}</div>
${m.quotedText ? html`<details class="quoted"><summary>${tr('quoted')}</summary><div class="body">${m.quotedText}</div></details>` : ''}
${m.html ? html`<details class="formatted"><summary>${tr('formatted')}</summary><iframe sandbox="" loading="lazy" referrerpolicy="no-referrer" title="${tr('formatted')}" data-src="${web.href(`/messages/${m.id}/html`)}"></iframe></details>` : ''}
${
  m.attachments.length
    ? html`<ul class="attachments" aria-label="${tr('attachments')}">${m.attachments.map(
        (a) =>
          html`<li>${PREVIEWABLE.has(a.contentType) ? html`<a href="${web.href(`/attachments/${a.id}`)}"><img src="${web.href(`/attachments/${a.id}?inline=1`)}" alt="${a.filename}" loading="lazy"></a>` : ''}<a href="${web.href(`/attachments/${a.id}`)}">${a.filename}</a> <span class="size">${Math.ceil(a.size / 1024)} KB</span></li>`,
      )}</ul>`
    : ''
}
</article>`;
  })}`;
}

export function renderAudit(
  web: WebContext,
  d: Detail,
  agents: Map<string, Agent>,
  labels: Record<string, string>,
  timeZone?: string,
): SafeHtml {
  const who = (e: Detail['events'][number]) =>
    e.actorType === 'agent'
      ? (e.actorId && agents.get(e.actorId)?.name) || '?'
      : web.tr(e.actorType === 'customer' ? 'actor_customer' : 'actor_system');
  return html`<ol class="audit">${d.events
    .slice()
    .reverse()
    .slice(0, 50)
    .map((e) => {
      const val = (v: string | null) =>
        v === null
          ? '—'
          : e.type === 'assignee'
            ? (agents.get(v)?.name ?? v)
            : e.type === 'status' || e.type === 'created'
              ? (labels[v] ?? v)
              : v.length > 60
                ? `${v.slice(0, 60)}…`
                : v;
      return html`<li><time datetime="${new Date(e.at).toISOString()}">${dateTime(web.locale, e.at, timeZone)}</time> ${web.tr('event_generic', { type: e.type, from: val(e.from), to: val(e.to) })} <span class="who">${web.tr('by', { who: who(e) })}</span></li>`;
    })}</ol>`;
}

export function renderRequester(
  web: WebContext,
  d: Detail,
  claims: TicketClaim[],
  others: Ticket[],
  labels: Record<string, string>,
  mergeFrom?: string,
  merges: ContactMerge[] = [],
  timeZone?: string,
): SafeHtml {
  const { tr } = web;
  const unlinked = claims.filter((c) => !c.linkedContactId);
  const csrf = html`<input type="hidden" name="_csrf" value="${web.csrf}">`;
  const evidence = (id: string) =>
    html`<label class="evidence" for="${id}">${tr('evidence')}</label><input id="${id}" name="evidence" required maxlength="500">`;
  return html`<section class="panel requester" aria-labelledby="req-h">
<h2 id="req-h">${tr('requester')}</h2>
<p class="req-name">${d.requester.name ?? '—'} <a href="${web.href(`/new?contact=${d.requester.id}`)}" class="new-to">${tr('new_conversation')}</a></p>
<h3>${tr('proven_identities')}</h3>
<ul class="identities">${d.requester.identities.map(
    (i, n) => html`<li><span class="kind">${i.kind}</span> ${i.address}
<details class="link-claim unlink"><summary>${tr('unlink')}<span class="sr"> ${i.address}</span></summary><form method="post" action="${web.href(`/tickets/${d.number}/identities/unlink`)}" aria-label="${tr('unlink_label', { address: i.address })}">${csrf}<input type="hidden" name="kind" value="${i.kind}"><input type="hidden" name="address" value="${i.address}">${evidence(`ev-unlink-${n}`)}<button type="submit">${tr('unlink_label', { address: i.address })}</button></form></details></li>`,
  )}</ul>
${
  merges.length
    ? html`<h3>${tr('merges')}</h3><ul class="merges">${merges.map(
        (m) =>
          html`<li>${tr('merge_line', { when: dateTime(web.locale, m.createdAt, timeZone), identities: m.moved.identities, tickets: m.moved.tickets })} <form method="post" action="${web.href(`/tickets/${d.number}/merges/${m.id}/undo`)}">${csrf}<button type="submit" class="linkish">${tr('undo_merge')}</button></form></li>`,
      )}</ul>`
    : ''
}
${
  unlinked.length
    ? html`<h3>${tr('claims')}</h3><ul class="claims">${unlinked.map(
        (c) => html`<li><span class="kind">${c.kind}</span> ${c.address} <span class="claim">${tr('claim_hint')}</span>
<details class="link-claim"><summary>${tr('link_claim')}</summary><form method="post" action="${web.href(`/tickets/${d.number}/claims/${c.id}/link`)}">${csrf}${evidence(`ev-${c.id}`)}<button type="submit">${tr('link_claim')}</button></form></details></li>`,
      )}</ul>`
    : ''
}
${
  mergeFrom
    ? html`<form method="post" action="${web.href(`/tickets/${d.number}/merge`)}" class="merge">${csrf}<input type="hidden" name="from" value="${mergeFrom}">${evidence('ev-merge')}<button type="submit">${tr('merge_contact')}</button></form>`
    : ''
}
${
  others.length
    ? html`<h3>${tr('other_tickets')}</h3><ul class="others">${others.map((o) => html`<li><a href="${web.href(`/tickets/${o.number}`)}">#${o.number}</a> ${o.subject} <span class="badge s-${o.status}">${labels[o.status] ?? o.status}</span></li>`)}</ul>`
    : ''
}
</section>`;
}

export function renderProps(web: WebContext, d: Detail, agents: Agent[], labels: Record<string, string>): SafeHtml {
  const { tr } = web;
  const fields = Object.entries(d.customFields);
  const statuses = ['new', 'open', 'pending', 'solved', 'closed'];
  return html`<section class="panel props" aria-labelledby="props-h">
<h2 id="props-h">${tr('ticket_props')}</h2>
<form method="post" action="${web.href(`/tickets/${d.number}/props`)}" class="props-form">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <label>${tr('status')}<select name="status" id="prop-status">${statuses.map((s) => html`<option value="${s}"${d.status === s ? html` selected` : ''}>${labels[s] ?? s}</option>`)}</select></label>
  <label>${tr('assignee')}<select name="assignee"><option value="">${tr('nobody')}</option>${agents.filter((a) => a.active || a.id === d.assigneeId).map((a) => html`<option value="${a.id}"${d.assigneeId === a.id ? html` selected` : ''}>${a.name}</option>`)}</select></label>
  <label>${tr('priority')}<select name="priority">${PRIORITIES.map((p) => html`<option value="${p}"${d.priority === p ? html` selected` : ''}>${tr(`priority_${p}` as MessageKey)}</option>`)}</select></label>
  <label>${tr('category')}<input name="category" value="${d.category ?? ''}" maxlength="200"></label>
  <label>${tr('reference')}<input name="reference" value="${d.reference ?? ''}" maxlength="200"></label>
  ${fields.length ? html`<fieldset><legend>${tr('custom_fields')}</legend>${fields.map(([k, v]) => html`<label>${k}<input name="field:${k}" value="${v}" maxlength="500"></label>`)}</fieldset>` : ''}
  <button type="submit">${tr('save')}</button>
</form>
</section>`;
}

export interface CannedReply {
  name: string;
  text: string;
}

export interface ReplyDraft {
  body: string;
  visibility: 'public' | 'internal';
}

export interface UploadLimits {
  maxCount: number;
  maxBytes: number;
  allowedTypes: readonly string[];
}

/** Accept attribute for the file input: the configured types (the server checks again). */
const acceptOf = (types: readonly string[]) => types.join(',');

export function renderReplyBox(
  web: WebContext,
  d: Detail,
  labels: Record<string, string>,
  canned: CannedReply[],
  limits: UploadLimits,
  error?: string,
  draft?: ReplyDraft,
): SafeHtml {
  const { tr } = web;
  const internal = draft?.visibility === 'internal';
  const size = formatBytes(limits.maxBytes);
  return html`<section class="reply" aria-labelledby="reply-h">
<h2 id="reply-h" class="sr">${tr('reply')}</h2>
${error ? html`<p class="error" role="alert" id="reply-error">${error}</p>` : ''}
<form method="post" action="${web.href(`/tickets/${d.number}/reply`)}" id="reply-form" enctype="multipart/form-data">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <fieldset class="mode">
    <legend class="sr">${tr('reply')}</legend>
    <label><input type="radio" name="visibility" value="public" id="mode-public"${internal ? '' : html` checked`}> ${tr('reply_to_customer')}</label>
    <label><input type="radio" name="visibility" value="internal" id="mode-internal"${internal ? html` checked` : ''}> ${tr('note_for_team')}</label>
  </fieldset>
  ${
    canned.length
      ? html`<label class="canned">${tr('canned')} <select id="canned"><option value="">${tr('canned_none')}</option>${canned.map((c, i) => html`<option value="${i}">${c.name}</option>`)}</select></label>
  <div hidden id="canned-texts">${canned.map((c, i) => html`<textarea data-i="${i}" tabindex="-1" aria-hidden="true">${c.text}</textarea>`)}</div>`
      : ''
  }
  <label for="reply-body" class="sr">${tr('message')}</label>
  <textarea id="reply-body" name="body" rows="5" maxlength="100000" placeholder="${tr('message')}">${draft?.body ?? ''}</textarea>
  ${
    limits.maxCount > 0
      ? html`<div class="files">
    <label for="reply-files">${tr('attach_files')}</label>
    <input type="file" id="reply-files" name="files" multiple accept="${acceptOf(limits.allowedTypes)}" aria-describedby="files-hint" data-max-bytes="${limits.maxBytes}" data-max-count="${limits.maxCount}" data-too-large="${tr('upload_too_large_named', { size })}" data-too-many="${tr('upload_too_many', { count: limits.maxCount })}">
    <p class="hint" id="files-hint">${tr('attach_hint', { count: limits.maxCount, size })}</p>
    <ul class="chosen" id="chosen-files" aria-live="polite"></ul>
  </div>`
      : ''
  }
  <div class="reply-actions">
    <label>${tr('send_and_set')} <select name="status" id="reply-status"><option value="">${tr('keep_status')}</option>${['open', 'pending', 'solved', 'closed'].map((s) => html`<option value="${s}">${labels[s] ?? s}</option>`)}</select></label>
    <button type="submit" class="primary" id="reply-send">${tr('send')}</button>
  </div>
</form>
</section>`;
}
