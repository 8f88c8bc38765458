/**
 * Admin pages: agents (invite with a one-time password link, disable/enable, rotate the API
 * token), channel health with the WhatsApp pairing QR (refreshes itself, shows the real
 * state), and business hours / SLA (read-only, from config).
 */
import type { Router } from 'express';
import { z } from 'zod';
import { channelHealth } from '../../channel/runtime.js';
import {
  countActiveAdmins,
  createAgent,
  getAgent,
  listAgents,
  rotateAgentToken,
  setAgentActive,
} from '../../db/repositories/agent.repository.js';
import { html, type SafeHtml } from '../shared/html.js';
import { dateTime, type MessageKey } from '../shared/i18n.js';
import { page } from '../shared/layout.js';
import { requireAdmin, requireAgent } from '../shared/session-auth.js';
import { createWebToken, deleteAgentSessions } from '../shared/web-auth.repository.js';
import { ctx, type WebContext } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';
import { renderSla } from './sla-page.js';

const INVITE_DAYS = 7;
const inviteSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  role: z.enum(['agent', 'admin']).default('agent'),
});

function healthLabel(web: WebContext, state: string): string {
  const key = `health_${state}` as MessageKey;
  return web.tr(key) === key ? state : web.tr(key);
}

export function registerAdminRoutes(router: Router, rt: ConsoleRuntime): void {
  const db = () => rt.deps.database.kysely;
  const now = () => rt.deps.clock.now();
  const origin = (web: WebContext, host: string | undefined, proto: string) =>
    rt.deps.config.server.publicUrl?.replace(/\/$/, '') ?? `${proto}://${host ?? 'localhost'}`;

  async function agentsPage(web: WebContext, notice?: SafeHtml | string, error?: string): Promise<string> {
    const { tr } = web;
    const agents = await listAgents(db());
    const csrf = html`<input type="hidden" name="_csrf" value="${web.csrf}">`;
    return page(web, {
      title: tr('agents_title'),
      page: 'admin',
      nav: 'agents',
      body: html`<h1>${tr('agents_title')}</h1>
${notice ? html`<p class="flash notice" role="status">${notice}</p>` : ''}
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<table class="list"><thead><tr><th scope="col">${tr('name')}</th><th scope="col">${tr('email')}</th><th scope="col">${tr('role')}</th><th scope="col">${tr('status')}</th><th scope="col"><span class="sr">${tr('admin')}</span></th></tr></thead><tbody>
${agents.map(
  (
    a,
  ) => html`<tr><td>${a.name}</td><td>${a.email ?? '—'}</td><td>${tr(a.role === 'admin' ? 'role_admin' : 'role_agent')}</td><td>${a.active ? tr('active') : html`<span class="badge off">${tr('disabled')}</span>`}</td>
<td class="actions">
${a.id !== web.agent!.id ? html`<form method="post" action="${web.href(`/admin/agents/${a.id}/${a.active ? 'disable' : 'enable'}`)}">${csrf}<button type="submit">${tr(a.active ? 'disable' : 'enable')}</button></form>` : ''}
<form method="post" action="${web.href(`/admin/agents/${a.id}/rotate`)}">${csrf}<button type="submit">${tr('rotate_token')}</button></form>
${a.email && a.active ? html`<form method="post" action="${web.href(`/admin/agents/${a.id}/link`)}">${csrf}<button type="submit">${tr('reset_link')}</button></form>` : ''}
</td></tr>`,
)}
</tbody></table>
<h2>${tr('invite')}</h2>
<form method="post" action="${web.href('/admin/agents')}" class="stack">${csrf}
<label>${tr('name')}<input name="name" required maxlength="200"></label>
<label>${tr('email')}<input name="email" type="email" required maxlength="320"></label>
<label>${tr('role')}<select name="role"><option value="agent">${tr('role_agent')}</option><option value="admin">${tr('role_admin')}</option></select></label>
<button type="submit" class="primary">${tr('invite')}</button>
</form>`,
    });
  }

  const linkNotice = async (
    web: WebContext,
    req: { get(h: string): string | undefined; protocol: string },
    agentId: string,
    name: string,
  ) => {
    const token = await createWebToken(db(), agentId, 'invite', now(), INVITE_DAYS * 86_400_000);
    const link = `${origin(web, req.get('host'), req.protocol)}${web.href(`/welcome/${token}`)}`;
    return html`${web.tr('invite_link', { name, days: INVITE_DAYS, link: '' })}<br><code class="secret" id="one-time-link">${link}</code>`;
  };

  router.get('/admin/agents', requireAgent, requireAdmin, async (_req, res) => {
    res.type('html').send(await agentsPage(ctx(res)));
  });

  router.post('/admin/agents', requireAgent, requireAdmin, async (req, res) => {
    const web = ctx(res);
    const r = inviteSchema.safeParse(req.body);
    if (!r.success)
      return res
        .status(400)
        .type('html')
        .send(await agentsPage(web, undefined, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    const { agent } = await createAgent(db(), { name: r.data.name, email: r.data.email, role: r.data.role }, now());
    res
      .status(201)
      .type('html')
      .send(await agentsPage(web, await linkNotice(web, req, agent.id, agent.name)));
  });

  router.post('/admin/agents/:id/:action', requireAgent, requireAdmin, async (req, res) => {
    const web = ctx(res);
    const id = String(req.params.id).slice(0, 26);
    const action = String(req.params.action);
    const agent = await getAgent(db(), id);
    if (!agent)
      return res
        .status(404)
        .type('html')
        .send(await agentsPage(web, undefined, 'not found'));
    if (action === 'disable' || action === 'enable') {
      if (id === web.agent!.id)
        return res
          .status(409)
          .type('html')
          .send(await agentsPage(web, undefined, 'you cannot disable yourself'));
      if (action === 'disable' && agent.role === 'admin' && (await countActiveAdmins(db())) <= 1)
        return res
          .status(409)
          .type('html')
          .send(await agentsPage(web, undefined, 'the last admin cannot be disabled'));
      await setAgentActive(db(), id, action === 'enable', now());
      if (action === 'disable') await deleteAgentSessions(db(), id);
      return res.redirect(303, web.href('/admin/agents'));
    }
    if (action === 'rotate') {
      const rotated = await rotateAgentToken(db(), id, null, now());
      return res
        .type('html')
        .send(await agentsPage(web, html`${web.tr('token_once', { token: '' })}<code class="secret">${rotated?.token ?? ''}</code>`));
    }
    if (action === 'link' && agent.active)
      return res.type('html').send(await agentsPage(web, await linkNotice(web, req, agent.id, agent.name)));
    res.status(404).type('text/plain').send('not found');
  });

  router.get('/admin/channels', requireAgent, requireAdmin, (_req, res) => {
    const web = ctx(res);
    const { tr } = web;
    const rows = rt.deps.running().map((c) => ({ c, h: channelHealth(c), pairing: !!c.runtime.pairing }));
    res.type('html').send(
      page(web, {
        title: tr('channels_title'),
        page: 'admin',
        nav: 'channels',
        body: html`<h1>${tr('channels_title')}</h1>
<table class="list"><thead><tr><th scope="col">${tr('channel')}</th><th scope="col">${tr('health')}</th><th scope="col">${tr('last_activity')}</th><th scope="col">${tr('last_error')}</th><th scope="col"><span class="sr">${tr('pairing')}</span></th></tr></thead><tbody>
${rows.map(
  ({
    c,
    h,
    pairing,
  }) => html`<tr><td>${c.entry.id} <span class="kind">${c.entry.kind}</span></td><td><span class="badge h-${h.state}">${healthLabel(web, h.state)}</span></td><td>${h.lastActivityAt ? dateTime(web.locale, h.lastActivityAt, rt.deps.config.businessHours.timezone) : '—'}</td><td class="err">${h.lastError ?? ''}</td>
<td>${pairing ? html`<a href="${web.href(`/admin/channels/${c.entry.id}/pairing`)}">${tr('pairing')}</a>` : ''}</td></tr>`,
)}
</tbody></table>`,
      }),
    );
  });

  const pairingOf = (id: string) => rt.deps.running().find((x) => x.entry.id === id && x.runtime.pairing);

  router.get('/admin/channels/:id/pairing', requireAgent, requireAdmin, (req, res) => {
    const web = ctx(res);
    const c = pairingOf(String(req.params.id));
    if (!c) return res.status(404).type('text/plain').send('not found');
    res.type('html').send(
      page(web, {
        title: web.tr('pairing_title', { id: c.entry.id }),
        page: 'pairing',
        nav: 'channels',
        data: { pairing: web.href(`/admin/channels/${c.entry.id}/pairing.json`) },
        body: html`<h1>${web.tr('pairing_title', { id: c.entry.id })}</h1>
<div class="pairing" id="pairing" aria-live="polite">${pairingBody(web, c.entry.id, c.runtime.pairing!(), channelHealth(c).lastError)}</div>`,
      }),
    );
  });

  router.get('/admin/channels/:id/pairing.json', requireAgent, requireAdmin, (req, res) => {
    const web = ctx(res);
    const c = pairingOf(String(req.params.id));
    if (!c) return res.status(404).json({ error: 'not_found' });
    res.json({ html: pairingBody(web, c.entry.id, c.runtime.pairing!(), channelHealth(c).lastError).value });
  });

  router.get('/admin/channels/:id/qr.png', requireAgent, requireAdmin, async (req, res) => {
    const c = pairingOf(String(req.params.id));
    const qr = c?.runtime.pairing?.()?.qr;
    if (!qr) return res.status(404).type('text/plain').send('no code yet');
    res.type('image/png').send(await (await import('qrcode')).default.toBuffer(qr, { type: 'png', margin: 2, width: 320 }));
  });

  router.get('/admin/sla', requireAgent, requireAdmin, async (_req, res) => {
    const web = ctx(res);
    res.type('html').send(page(web, { title: web.tr('sla_title'), page: 'admin', nav: 'sla', body: await renderSla(web, rt) }));
  });
}

function pairingBody(
  web: WebContext,
  id: string,
  info: ReturnType<NonNullable<import('../../channel/contract.js').ChannelRuntime['pairing']>>,
  lastError: string | undefined,
): SafeHtml {
  const { tr } = web;
  const state = info?.state ?? 'stopped';
  if (state === 'connected') return html`<p class="ok">${tr('pairing_connected')}</p>`;
  return html`<p>${tr('pairing_state', { state: healthLabel(web, state) })}</p>
${lastError ? html`<p class="error" role="alert">${lastError}</p>` : ''}
${info?.qr ? html`<p>${tr('pairing_scan')}</p><img class="qr" src="${web.href(`/admin/channels/${id}/qr.png`)}?v=${info.updatedAt}" alt="QR" width="320" height="320">` : html`<p class="hint">${tr('pairing_wait')}</p>`}
${info?.pairingCode ? html`<p>${tr('pairing_code', { code: info.pairingCode })}</p>` : ''}`;
}
