/**
 * "New conversation": an agent writes first, to an address or to a known contact, on a channel
 * that can send (email needs a subject; WhatsApp on the Cloud API takes a template for when the
 * 24-hour window is closed). Through the same use case as POST /api/tickets.
 */
import type { Router } from 'express';
import { getContact, identitiesOf } from '../../db/repositories/contact.repository.js';
import { PonteError, ValidationError } from '../../domain/errors.js';
import { newTicketBody, startConversation } from '../../tickets/start-conversation.usecase.js';
import { html } from '../shared/html.js';
import { page } from '../shared/layout.js';
import { requireAgent } from '../shared/session-auth.js';
import { ctx, type WebContext } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';

type Values = Record<string, string>;

const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

export function registerNewConversationRoutes(router: Router, rt: ConsoleRuntime): void {
  const db = () => rt.deps.database.kysely;
  const sendable = () => rt.deps.channels.list().filter((c) => c.capabilities.canSend);

  async function render(web: WebContext, v: Values, error?: string): Promise<string> {
    const { tr } = web;
    const channels = sendable();
    const contact = v.contact ? await getContact(db(), v.contact) : undefined;
    const known = contact ? await identitiesOf(db(), contact.id) : [];
    const body = html`<h1>${tr('new_conversation')}</h1>
${error ? html`<p class="error" role="alert" id="new-error">${error}</p>` : ''}
${
  channels.length === 0
    ? html`<p class="error">${tr('nc_no_channels')}</p>`
    : html`<form method="post" action="${web.href('/new')}" class="new-conv" id="new-conv">
  <input type="hidden" name="_csrf" value="${web.csrf}">
  <label>${tr('channel')}<select name="channel" id="nc-channel">${channels.map((c) => html`<option value="${c.id}"${v.channel === c.id ? html` selected` : ''}>${c.id} (${c.capabilities.deliversTo.join(', ')})</option>`)}</select></label>
  ${
    contact
      ? html`<input type="hidden" name="contact" value="${contact.id}"><p><strong>${contact.name ?? '—'}</strong> ${known.map((i) => html`<span class="kind">${i.kind}</span> ${i.address} `)}</p>`
      : html`<label>${tr('nc_to')}<input name="to" id="nc-to" required maxlength="320" autocomplete="off" value="${v.to ?? ''}"></label>
  <label>${tr('nc_name')}<input name="name" id="nc-name" maxlength="200" value="${v.name ?? ''}"></label>`
  }
  <label>${tr('nc_subject')}<input name="subject" id="nc-subject" maxlength="500" value="${v.subject ?? ''}" aria-describedby="nc-subject-hint"></label>
  <p class="hint" id="nc-subject-hint">${tr('nc_subject_hint')}</p>
  <label>${tr('message')}<textarea name="body" id="nc-body" rows="6" required maxlength="100000">${v.body ?? ''}</textarea></label>
  <details${v.template_name ? html` open` : ''}><summary>${tr('nc_template')}</summary>
    <fieldset><legend class="sr">${tr('nc_template')}</legend>
      <label>${tr('nc_template_name')}<input name="template_name" maxlength="512" value="${v.template_name ?? ''}"></label>
      <label>${tr('nc_template_language')}<input name="template_language" maxlength="15" value="${v.template_language ?? ''}"></label>
      <label>${tr('nc_template_params')}<textarea name="template_params" rows="3">${v.template_params ?? ''}</textarea></label>
    </fieldset>
  </details>
  <p class="hint">${tr('nc_hint')}</p>
  <button type="submit" class="primary" id="nc-start">${tr('nc_start')}</button>
</form>`
}`;
    return page(web, { title: tr('new_conversation'), page: 'new', nav: 'inbox', body });
  }

  router.get('/new', requireAgent, async (req, res) => {
    const q = req.query as Record<string, unknown>;
    res.type('html').send(await render(ctx(res), { contact: str(q.contact, 26), channel: str(q.channel, 64), to: str(q.to, 320) }));
  });

  router.post('/new', requireAgent, async (req, res) => {
    const web = ctx(res);
    const b = req.body as Record<string, unknown>;
    const v: Values = {};
    for (const k of ['channel', 'contact', 'to', 'name', 'subject', 'body', 'template_name', 'template_language', 'template_params'])
      v[k] = str(b[k], k === 'body' ? 100_000 : 2000);
    v.body = v.body!.replace(/\r\n?/g, '\n');
    const input = {
      channel: v.channel,
      to: v.contact ? { contactId: v.contact } : { address: v.to, ...(v.name?.trim() ? { name: v.name } : {}) },
      ...(v.subject?.trim() ? { subject: v.subject } : {}),
      body: v.body,
      ...(v.template_name?.trim()
        ? {
            template: {
              name: v.template_name.trim(),
              language: v.template_language?.trim() ?? '',
              params: (v.template_params ?? '')
                .split('\n')
                .map((p) => p.trim())
                .filter(Boolean),
            },
          }
        : {}),
    };
    const parsed = newTicketBody.safeParse(input);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return res
        .status(400)
        .type('html')
        .send(await render(web, v, message));
    }
    try {
      const r = await startConversation(rt.deps, web.agent!, parsed.data);
      rt.deps.wakeOutbox();
      res.redirect(303, `${web.href(`/tickets/${r.ticket.number}`)}?m=started&c=${encodeURIComponent(r.channelId)}`);
    } catch (err) {
      if (!(err instanceof PonteError)) throw err;
      const issues = (err as { issues?: Array<{ path: string; message: string }> }).issues;
      const message = issues?.length ? issues.map((i) => `${i.path.replace(/^body\./, '')}: ${i.message}`).join('; ') : err.message;
      res
        .status(err instanceof ValidationError ? 400 : 409)
        .type('html')
        .send(await render(web, v, message));
    }
  });
}
