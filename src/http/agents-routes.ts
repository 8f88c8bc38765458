/**
 * Agents and their tokens. Any agent lists the active agents (id, name, email: enough to assign
 * a ticket) and reads itself (/me); admins see everything, create, change, disable, enable and
 * rotate tokens. Every change writes an audit entry in its own transaction. Tokens are shown
 * once and stored as hashes; a rotated token stops working at once.
 */
import type { RequestHandler, Router } from 'express';
import {
  type Agent,
  countActiveAdmins,
  createAgent,
  getAgent,
  listAgents,
  rotateAgentToken,
  setAgentActive,
  updateAgent,
} from '../db/repositories/agent.repository.js';
import { listAudit, recordAudit } from '../db/repositories/audit.repository.js';
import type { Executor } from '../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { ApiDeps } from './api-router.js';
import { agentOf, parse } from './route-kit.js';
import { auditQuery, createAgentBody, idParam, patchAgentBody, rotateTokenBody } from './schemas.js';

const DAY = 24 * 3600_000;

export const publicAgentView = (a: Agent) => ({ id: a.id, name: a.name, email: a.email });
export const adminAgentView = (a: Agent) => ({
  id: a.id,
  name: a.name,
  email: a.email,
  phone: a.phone,
  role: a.role,
  notifyChannel: a.notifyChannelId,
  disabled: !a.active,
  tokenExpiresAt: a.tokenExpiresAt,
});

export function registerAgentRoutes(router: Router, deps: ApiDeps, admin: RequestHandler): void {
  const db = deps.database.kysely;
  const expiry = (days: number | null | undefined, now: number) => (days ? now + days * DAY : null);
  const audit = (trx: Executor, actor: Agent, action: string, targetId: string, detail: Record<string, unknown>, now: number) =>
    recordAudit(trx, { type: 'agent', id: actor.id }, action, { type: 'agent', id: targetId }, detail, now);
  const requireAgent = async (trx: Executor, id: string) => {
    const a = await getAgent(trx, id);
    if (!a) throw new NotFoundError('agent', id);
    return a;
  };
  /** The desk must keep one active admin: nobody could manage agents otherwise. */
  const keepOneAdmin = async (trx: Executor, target: Agent, losesAdmin: boolean) => {
    if (losesAdmin && target.role === 'admin' && target.active && (await countActiveAdmins(trx)) <= 1) {
      throw new ConflictError('this is the only active admin; make another agent admin first', 'last_admin');
    }
  };
  const checkChannel = (id: string | null | undefined) => {
    if (id && !deps.channels.get(id))
      throw new ValidationError('invalid body', [{ path: 'body.notifyChannel', message: 'no such channel' }]);
  };

  router.get('/me', (req, res) => {
    res.json(adminAgentView(agentOf(req)));
  });

  router.post('/me/rotate-token', async (req, res) => {
    const body = parse(rotateTokenBody, req.body ?? {}, 'body');
    const me = agentOf(req);
    const now = deps.clock.now();
    const r = await db.transaction().execute(async (trx) => {
      const rotated = await rotateAgentToken(trx, me.id, expiry(body.expiresInDays, now), now);
      if (!rotated) throw new NotFoundError('agent', me.id);
      await audit(trx, me, 'agent.token_rotated', me.id, { tokenExpiresAt: rotated.agent.tokenExpiresAt }, now);
      return rotated;
    });
    res.json({ agent: adminAgentView(r.agent), token: r.token });
  });

  router.get('/agents', async (req, res) => {
    const all = await listAgents(db);
    res.json({ agents: agentOf(req).role === 'admin' ? all.map(adminAgentView) : all.filter((a) => a.active).map(publicAgentView) });
  });

  router.post('/agents', admin, async (req, res) => {
    const body = parse(createAgentBody, req.body ?? {}, 'body');
    checkChannel(body.notifyChannel);
    const now = deps.clock.now();
    const { agent, token } = await db.transaction().execute(async (trx) => {
      const created = await createAgent(
        trx,
        {
          name: body.name,
          email: body.email,
          phone: body.phone,
          role: body.role,
          notifyChannelId: body.notifyChannel,
          tokenExpiresAt: expiry(body.expiresInDays, now),
        },
        now,
      );
      await audit(
        trx,
        agentOf(req),
        'agent.created',
        created.agent.id,
        { name: body.name, email: body.email ?? null, role: body.role, tokenExpiresAt: created.agent.tokenExpiresAt },
        now,
      );
      return created;
    });
    res.status(201).json({ agent: adminAgentView(agent), token });
  });

  router.patch('/agents/:id', admin, async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const body = parse(patchAgentBody, req.body ?? {}, 'body');
    checkChannel(body.notifyChannel);
    const now = deps.clock.now();
    const updated = await db.transaction().execute(async (trx) => {
      const before = await requireAgent(trx, id);
      await keepOneAdmin(trx, before, body.role === 'agent');
      const after = (await updateAgent(trx, id, {
        name: body.name,
        email: body.email,
        phone: body.phone,
        role: body.role,
        notifyChannelId: body.notifyChannel,
      }))!;
      await audit(trx, agentOf(req), 'agent.updated', id, { from: adminAgentView(before), to: adminAgentView(after) }, now);
      return after;
    });
    res.json(adminAgentView(updated));
  });

  for (const action of ['disable', 'enable'] as const) {
    router.post(`/agents/:id/${action}`, admin, async (req, res) => {
      const { id } = parse(idParam, req.params, 'params');
      const now = deps.clock.now();
      const updated = await db.transaction().execute(async (trx) => {
        const before = await requireAgent(trx, id);
        await keepOneAdmin(trx, before, action === 'disable');
        const after = (await setAgentActive(trx, id, action === 'enable', now))!;
        if (before.active !== after.active) await audit(trx, agentOf(req), `agent.${action}d`, id, {}, now);
        return after;
      });
      res.json(adminAgentView(updated));
    });
  }

  router.post('/agents/:id/rotate-token', admin, async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const body = parse(rotateTokenBody, req.body ?? {}, 'body');
    const now = deps.clock.now();
    const r = await db.transaction().execute(async (trx) => {
      await requireAgent(trx, id);
      const rotated = (await rotateAgentToken(trx, id, expiry(body.expiresInDays, now), now))!;
      await audit(trx, agentOf(req), 'agent.token_rotated', id, { tokenExpiresAt: rotated.agent.tokenExpiresAt }, now);
      return rotated;
    });
    res.json({ agent: adminAgentView(r.agent), token: r.token });
  });

  router.get('/audit', admin, async (req, res) => {
    const q = parse(auditQuery, req.query, 'query');
    const entries = await listAudit(db, {
      targetType: q.targetType,
      targetId: q.targetId,
      action: q.action,
      before: q.cursor,
      limit: q.limit + 1,
    });
    const page = entries.slice(0, q.limit);
    res.json({ entries: page, nextCursor: entries.length > q.limit ? page[page.length - 1]!.id : null });
  });
}
