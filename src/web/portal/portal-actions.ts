/**
 * What a customer can do, shared by the pages and /portal/api: reply (with files), mark solved,
 * reopen, open a new request, choose notifications. Each answers a result, never throws for a
 * customer's mistake; a ticket the viewer may not act on is `not_found` (never "forbidden").
 */
import type { AttachmentRef, IngestOutcome } from '../../domain/envelope.js';
import { changeStatus } from '../../tickets/ticket-changes.js';
import { getTicketById } from '../../db/repositories/ticket.repository.js';
import { findVisibleTicket, type Viewer } from './portal-access.js';
import { localized } from './portal-config.js';
import type { PortalRuntime } from './portal-deps.js';
import { ingestPortalMessage } from './portal-ingest.js';
import { putContactSettings, type NotifyPreference } from './portal.repository.js';

export type ActionResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: 'not_found' | 'not_allowed' | 'invalid'; issues?: Array<{ path: string; message: string }> };

const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').trim().slice(0, max) : '');

export async function replyToRequest(
  rt: PortalRuntime,
  v: Viewer,
  number: number,
  body: unknown,
  attachments: AttachmentRef[],
  formKey?: unknown,
): Promise<ActionResult<IngestOutcome>> {
  const found = await findVisibleTicket(rt.db(), v, number);
  if (!found) return { ok: false, error: 'not_found' };
  if (!found.mine) return { ok: false, error: 'not_allowed' };
  const t = text(body, 20_000);
  if (!t && attachments.length === 0) return { ok: false, error: 'invalid', issues: [{ path: 'body', message: 'empty' }] };
  const outcome = await ingestPortalMessage(rt, v, {
    ticket: found.ticket,
    text: t,
    attachments,
    formKey: typeof formKey === 'string' ? formKey : undefined,
  });
  return { ok: true, value: outcome };
}

/** "This is solved" (to solved) or "reopen" (solved to open), where the desk's config allows it. */
export async function setRequestStatus(
  rt: PortalRuntime,
  v: Viewer,
  number: number,
  to: 'solved' | 'open',
): Promise<ActionResult<{ status: string }>> {
  const found = await findVisibleTicket(rt.db(), v, number);
  if (!found) return { ok: false, error: 'not_found' };
  const allowed =
    found.mine &&
    (to === 'solved'
      ? rt.portal.customerMaySolve && ['new', 'open', 'pending'].includes(found.ticket.status)
      : rt.portal.customerMayReopen && found.ticket.status === 'solved');
  if (!allowed || !v.contactId) return { ok: false, error: 'not_allowed' };
  const contactId = v.contactId;
  const now = rt.now();
  const status = await rt
    .db()
    .transaction()
    .execute(async (trx) => {
      const fresh = await getTicketById(trx, found.ticket.id);
      if (!fresh || fresh.status === 'closed') return undefined;
      const t = await changeStatus(trx, rt.deps.events, fresh, to, { type: 'customer', id: contactId }, now);
      return t.status;
    });
  if (!status) return { ok: false, error: 'not_allowed' };
  rt.deps.wakeOutbox();
  return { ok: true, value: { status } };
}

/** Validates first; `files` (staged uploads) are stored only for a valid request. */
export async function createRequest(
  rt: PortalRuntime,
  v: Viewer,
  values: Record<string, unknown>,
  files: () => Promise<AttachmentRef[]>,
  locale: string,
): Promise<ActionResult<IngestOutcome>> {
  const f = rt.portal.form;
  const issues: Array<{ path: string; message: string }> = [];
  const title = text(values.title, 200);
  const body = text(values.body, 20_000);
  const reference = f.reference ? text(values.reference, 200) : '';
  const category = text(values.category, 100);
  const impact = values.impact === 'high' || values.impact === 'urgent' ? values.impact : 'normal';
  if (!title) issues.push({ path: 'title', message: 'required' });
  if (!body) issues.push({ path: 'body', message: 'required' });
  const cat = f.categories.find((c) => c.id === category);
  if (f.categories.length && !cat) issues.push({ path: 'category', message: 'choose one of the categories' });
  const customFields: Record<string, string> = {};
  for (const x of f.fields) {
    const val = text(values[`field_${x.id}`], 2000);
    if (x.type === 'select' && val && !x.options.some((o) => o.value === val))
      issues.push({ path: `field_${x.id}`, message: 'not one of the options' });
    else if (x.required && !val) issues.push({ path: `field_${x.id}`, message: `${localized(x.label, locale)}: required` });
    else if (val) customFields[x.id] = val;
  }
  if (issues.length) return { ok: false, error: 'invalid', issues };
  const outcome = await ingestPortalMessage(rt, v, {
    subject: title,
    text: body,
    attachments: await files(),
    fields: { category: cat?.id, reference: reference || undefined, priority: f.impact ? impact : undefined, customFields },
    formKey: typeof values.key === 'string' ? values.key : undefined,
  });
  return { ok: true, value: outcome };
}

export async function setNotifyPreference(
  rt: PortalRuntime,
  v: Viewer,
  notify: unknown,
): Promise<ActionResult<{ notify: NotifyPreference }>> {
  if (notify !== 'all' && notify !== 'needs_reply')
    return { ok: false, error: 'invalid', issues: [{ path: 'notify', message: 'all or needs_reply' }] };
  if (!v.contactId) return { ok: false, error: 'not_allowed' };
  await putContactSettings(rt.db(), v.contactId, { notify }, rt.now());
  return { ok: true, value: { notify } };
}
