/** The pages' form posts (reply, solved, reopen, new request, notifications) and attachment downloads. */
import type { Request, Response, Router } from 'express';
import { removeUnreferencedBlobs } from '../../erasure/blob-cleanup.js';
import { contentDisposition } from '../../domain/attachment-name.js';
import { csrfOk } from '../shared/web-context.js';
import { findVisibleTicket } from './portal-access.js';
import { createRequest, replyToRequest, setNotifyPreference, setRequestStatus } from './portal-actions.js';
import { pctx, type PortalRuntime } from './portal-deps.js';
import { notFoundPage, renderNewRequest, renderTicketPage } from './portal-pages.js';
import { visibleAttachment } from './portal-thread.js';
import { formatBytes, PortalUploadError, readPortalForm, type PortalForm } from './portal-upload.js';
import type { PortalTranslate } from './portal-messages.js';

export function uploadMessage(rt: PortalRuntime, tp: PortalTranslate, err: PortalUploadError): string {
  const a = rt.portal.attachments;
  if (err.problem === 'too_large') return tp('err_too_large', { size: formatBytes(a.maxBytes) });
  if (err.problem === 'type') return tp('err_type', { types: a.allowedTypes.join(', ') });
  if (err.problem === 'too_many') return tp('err_too_many', { count: a.maxCount });
  return tp('err_upload');
}

export function registerPortalRequestRoutes(router: Router, rt: PortalRuntime): void {
  /** Reads a multipart form and checks its CSRF field (the router-wide check cannot read multipart bodies). */
  async function readForm(
    req: Request,
    res: Response,
    onUploadError: (message: string, status: number, typed?: Record<string, unknown>) => Promise<void> | void,
  ): Promise<PortalForm | undefined> {
    const { web, p } = pctx(res);
    let form: PortalForm;
    try {
      form = await readPortalForm(
        rt.deps.readUploadForm,
        req,
        rt.portal.attachments,
        rt.deps.blobs,
        rt.deps.config.storage.maxAttachmentBytes,
      );
    } catch (err) {
      if (!(err instanceof PortalUploadError)) throw err;
      // What the customer typed comes back in the form, only when the form is their own (CSRF).
      req.body = err.fields ?? {};
      const typed = err.fields && csrfOk(req, rt.deps.webKey, web) ? { ...err.fields } : undefined;
      await onUploadError(uploadMessage(rt, p.tp, err), err.status, typed);
      return undefined;
    }
    req.body = form.fields;
    if (!csrfOk(req, rt.deps.webKey, web)) {
      await form.dispose();
      res.status(403).type('text/plain').send(p.tp('csrf_failed'));
      return undefined;
    }
    return form;
  }

  router.post('/requests/:number/reply', async (req, res) => {
    const { web, p } = pctx(res);
    const number = Number(req.params.number);
    const form = await readForm(req, res, (message, status, typed) =>
      renderTicketPage(rt, res, number, message, status, typeof typed?.body === 'string' ? typed.body : undefined),
    );
    if (!form) return;
    try {
      const files = await form.commit();
      const r = await replyToRequest(rt, p.viewer!, number, form.fields.body, files, form.fields.key);
      if (!r.ok) {
        // Refused (not theirs, closed, empty): the stored files belong to no message; keep none.
        await removeUnreferencedBlobs(
          rt.deps.database.kysely,
          rt.deps.blobs,
          files.map((f) => f.blobKey),
        );
        if (r.error === 'not_found') return notFoundPage(rt, res);
        return renderTicketPage(
          rt,
          res,
          number,
          p.tp(r.error === 'invalid' ? 'err_empty' : 'err_not_allowed'),
          r.error === 'invalid' ? 400 : 409,
        );
      }
      const landed = r.value.status === 'ignored' ? number : (r.value.ticketNumber ?? number);
      res.redirect(303, `${web.href(`/requests/${landed}`)}?m=sent`);
    } finally {
      await form.dispose();
    }
  });

  for (const [path, to, flag] of [
    ['solve', 'solved', 'solved'],
    ['reopen', 'open', 'reopened'],
  ] as const) {
    router.post(`/requests/:number/${path}`, async (req, res) => {
      const { web, p } = pctx(res);
      const number = Number(req.params.number);
      const r = await setRequestStatus(rt, p.viewer!, number, to);
      if (!r.ok) return r.error === 'not_found' ? notFoundPage(rt, res) : renderTicketPage(rt, res, number, p.tp('err_not_allowed'), 409);
      res.redirect(303, `${web.href(`/requests/${number}`)}?m=${flag}`);
    });
  }

  router.post('/new', async (req, res) => {
    const { web, p } = pctx(res);
    const form = await readForm(req, res, (message, status, typed) => renderNewRequest(rt, res, { error: message, status, values: typed }));
    if (!form) return;
    try {
      const r = await createRequest(rt, p.viewer!, form.fields, () => form.commit(), web.locale);
      if (!r.ok) {
        const fieldName = (path: string) =>
          path === 'title' ? p.tp('title') : path === 'body' ? p.tp('description') : path === 'category' ? p.tp('category') : path;
        const message = (r.issues ?? [])
          .map((i) =>
            i.message === 'required' ? p.tp('err_required', { field: fieldName(i.path) }) : `${fieldName(i.path)}: ${i.message}`,
          )
          .join(' ');
        return renderNewRequest(rt, res, { error: message, values: form.fields, status: 400 });
      }
      const o = r.value;
      const n = o.status === 'ignored' ? '' : String(o.ticketNumber ?? '');
      const existing = o.status === 'appended';
      res.redirect(303, `${web.href(`/requests/${n}`)}?m=${existing ? 'existing' : 'created'}`);
    } finally {
      await form.dispose();
    }
  });

  router.post('/preferences', async (req, res) => {
    const { web, p } = pctx(res);
    const r = await setNotifyPreference(rt, p.viewer!, (req.body as Record<string, unknown>).notify);
    if (!r.ok) return res.status(400).type('text/plain').send(p.tp('err_not_allowed'));
    res.redirect(303, `${web.href('/preferences')}?m=saved`);
  });

  router.get('/requests/:number/attachments/:id', async (req, res) => {
    const { p } = pctx(res);
    const found = await findVisibleTicket(rt.db(), p.viewer!, Number(req.params.number));
    const a = found && (await visibleAttachment(rt.db(), found.ticket, String(req.params.id).slice(0, 26)));
    if (!a || !(await rt.deps.blobs.exists(a.blob_key))) return notFoundPage(rt, res);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(a.size));
    res.setHeader('Content-Disposition', contentDisposition(a.filename));
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    rt.deps.blobs.get(a.blob_key).pipe(res);
  });
}
