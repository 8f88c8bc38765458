/** The agent REST API under /api. Bodies and queries are zod-validated; errors go to errors.ts. */
import express, { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { BlobStore, Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import { channelHealth, type RunningChannel } from '../channel/runtime.js';
import { type PonteConfig, statusLabelsFor } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { authenticateToken } from '../db/repositories/agent.repository.js';
import { findContactIdsByIdentities } from '../db/repositories/contact.repository.js';
import { getTicketByNumber, listTickets } from '../db/repositories/ticket.repository.js';
import { AuthError, NotFoundError, ValidationError } from '../domain/errors.js';
import { createAgentReply } from '../tickets/agent-reply.usecase.js';
import type { TicketEvents } from '../tickets/ticket-events.js';
import type { ClaimCodeSender } from '../trust/claim-code.js';
import { patchTicket } from '../tickets/ticket-patch.usecase.js';
import { ticketDetail, ticketSummary } from '../tickets/ticket-view.js';
import { buildOpenApi } from './openapi.js';
import { registerAgentRoutes } from './agents-routes.js';
import { registerDownloadRoute, registerUploadRoute } from './attachments-routes.js';
import { registerClaimCodeRoutes } from './claim-code-routes.js';
import { registerContactRoutes } from './contacts-routes.js';
import { registerWebhookRoutes } from './webhooks-routes.js';
import { registerErasureRoutes } from './erasure-routes.js';
import { registerProactiveRoutes } from './proactive-routes.js';
import { type AuthedRequest, agentOf, identityLookups, parse, phoneAliasesOf } from './route-kit.js';
import { listTicketsQuery, patchBody, replyBody, ticketNumberParam } from './schemas.js';

export interface ApiDeps {
  database: Database;
  config: PonteConfig;
  channels: ChannelDirectory;
  running: () => RunningChannel[];
  events: TicketEvents;
  sendClaimCode: ClaimCodeSender;
  blobs: BlobStore;
  clock: Clock;
  wakeOutbox: () => void;
  uploadKey: Buffer;
}

/** Paths of the strings (and object keys) in a parsed query or JSON body that contain U+0000. */
function nulPaths(value: unknown, path: string, depth = 0): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (!value || typeof value !== 'object' || depth > 32) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`;
    if (k.includes('\u0000')) out.push(p);
    out.push(...nulPaths(v, p, depth + 1));
  }
  return out;
}

export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  const db = deps.database.kysely;
  const labels = (locale: string) => statusLabelsFor(deps.config, locale);

  router.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApi(deps.config));
  });

  const auth: RequestHandler = async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S{10,200})$/i.exec(header);
    if (!m) throw new AuthError('unauthenticated', 'missing or malformed bearer token (Authorization: Bearer <token>)');
    const check = await authenticateToken(db, m[1]!, deps.clock.now());
    if (!check.ok) {
      if (check.reason === 'disabled') throw new AuthError('agent_disabled', 'this agent is disabled; an admin can enable it again');
      if (check.reason === 'expired')
        throw new AuthError('token_expired', 'this token has expired; ask an admin for a new one (rotate-token)');
      throw new AuthError('unauthenticated', 'unknown or revoked token');
    }
    (req as AuthedRequest).agent = check.agent;
    next();
  };
  const admin: RequestHandler = (req, _res, next) => {
    if ((req as AuthedRequest).agent?.role !== 'admin') throw new AuthError('forbidden', 'this needs an admin token');
    next();
  };
  router.use(auth);

  registerUploadRoute(router, deps);

  router.use(express.json({ limit: '1mb', strict: true }));
  // PostgreSQL text cannot hold U+0000 (a 500 from the driver); no field of this API needs it.
  router.use((req, _res, next) => {
    const issues = [...nulPaths(req.query, 'query'), ...nulPaths(req.body, 'body')].map((path) => ({
      path,
      message: 'must not contain NUL (\\u0000) characters',
    }));
    if (issues.length) throw new ValidationError('invalid request', issues.slice(0, 20));
    next();
  });

  router.get('/tickets', async (req, res) => {
    const q = parse(listTicketsQuery, req.query, 'query');
    let requesterContactIds: string[] | undefined;
    if (q.requester) {
      requesterContactIds = [
        ...new Set((await findContactIdsByIdentities(db, identityLookups(q.requester, phoneAliasesOf(deps.channels)))).values()),
      ];
    }
    const field = q.field ? { key: q.field.slice(0, q.field.indexOf(':')), value: q.field.slice(q.field.indexOf(':') + 1) } : undefined;
    const tickets = await listTickets(db, {
      status: q.status,
      channel: q.channel,
      requesterContactIds,
      assignee: q.assignee && q.assignee !== 'none' ? q.assignee : undefined,
      unassigned: q.assignee === 'none',
      priority: q.priority,
      category: q.category,
      reference: q.reference,
      origin: q.origin,
      customField: field,
      createdFrom: q.createdFrom,
      createdTo: q.createdTo,
      text: q.q,
      overdue: q.overdue,
      now: deps.clock.now(),
      before: q.cursor,
      limit: q.limit + 1,
    });
    const page = tickets.slice(0, q.limit);
    res.json({
      tickets: page.map((t) => ticketSummary(t, labels(t.locale))),
      nextCursor: tickets.length > q.limit ? page[page.length - 1]!.id : null,
    });
  });

  router.get('/tickets/:number', async (req, res) => {
    const { number } = parse(ticketNumberParam, req.params, 'params');
    const t = await getTicketByNumber(db, number);
    if (!t) throw new NotFoundError('ticket', `#${number}`);
    res.json(await ticketDetail(db, t, labels(t.locale)));
  });

  router.post('/tickets/:number/replies', async (req, res) => {
    const { number } = parse(ticketNumberParam, req.params, 'params');
    const body = parse(replyBody, req.body ?? {}, 'body');
    const result = await createAgentReply(
      { database: deps.database, channels: deps.channels, events: deps.events, clock: deps.clock, uploadKey: deps.uploadKey },
      agentOf(req),
      {
        ticketNumber: number,
        body: body.body,
        visibility: body.visibility,
        attachmentIds: body.attachments,
        status: body.status,
        template: body.template,
      },
    );
    if (result.visibility === 'public') deps.wakeOutbox();
    res.status(result.visibility === 'public' ? 202 : 201).json({
      message: { id: result.messageId, visibility: result.visibility, deliveryStatus: result.deliveryStatus, channel: result.channelId },
      ticketNumber: result.ticketNumber,
    });
  });

  router.patch('/tickets/:number', async (req, res) => {
    const { number } = parse(ticketNumberParam, req.params, 'params');
    const body = parse(patchBody, req.body ?? {}, 'body');
    const agent = agentOf(req);
    const patch = {
      status: body.status,
      priority: body.priority,
      assigneeId: body.assignee,
      category: body.category,
      reference: body.reference,
      fields: body.fields,
    };
    const updated = await patchTicket(deps, number, patch, { type: 'agent', id: agent.id });
    deps.wakeOutbox();
    res.json(ticketSummary(updated, labels(updated.locale)));
  });

  registerDownloadRoute(router, deps);

  router.get('/channels', (_req, res) => {
    res.json({
      channels: deps.running().map((c) => {
        const h = channelHealth(c);
        return {
          id: c.entry.id,
          kind: c.entry.kind,
          enabled: c.entry.config.enabled,
          capabilities: c.entry.capabilities,
          health: h.state,
          lastActivityAt: h.lastActivityAt ?? null,
          lastError: h.lastError ?? null,
          detail: h.detail ?? {},
        };
      }),
    });
  });

  router.get('/channels/:id/pairing', admin, async (req, res) => {
    const id = String(req.params.id);
    const c = deps.running().find((x) => x.entry.id === id);
    if (!c) throw new NotFoundError('channel', id);
    const info = c.runtime.pairing?.();
    if (!info) throw new NotFoundError('pairing for channel', id);
    const format = parse(z.object({ format: z.enum(['png', 'svg', 'json']).default('png') }), req.query, 'query').format;
    if (format === 'json' || !info.qr) {
      res.json({ state: info.state, pairingCode: info.pairingCode ?? null, hasQr: !!info.qr, updatedAt: info.updatedAt });
      return;
    }
    if (format === 'svg') {
      res.type('image/svg+xml').send(await (await import('qrcode')).default.toString(info.qr, { type: 'svg', margin: 2 }));
      return;
    }
    res.type('image/png').send(await (await import('qrcode')).default.toBuffer(info.qr, { type: 'png', margin: 2, width: 320 }));
  });

  registerAgentRoutes(router, deps, admin);
  registerErasureRoutes(router, deps, admin);
  registerContactRoutes(router, deps);
  registerWebhookRoutes(router, deps, admin);
  registerProactiveRoutes(router, deps);
  registerClaimCodeRoutes(router, deps);

  return router;
}
