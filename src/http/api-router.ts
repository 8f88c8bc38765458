/** The agent REST API under /api. Bodies and queries are zod-validated; errors go to errors.ts. */
import express, { type Request, type RequestHandler, Router } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { AutomationHooks } from '../automation/hooks.js';
import type { BlobStore, Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import { channelHealth, type RunningChannel } from '../channel/runtime.js';
import { type PonteConfig, statusLabelsFor } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { type Agent, createAgent, findAgentByToken, getAgent, listAgents } from '../db/repositories/agent.repository.js';
import { findContactIdsByIdentities } from '../db/repositories/contact.repository.js';
import { getAttachment } from '../db/repositories/message.repository.js';
import { getTicketByNumber, listTickets } from '../db/repositories/ticket.repository.js';
import { AuthError, NotFoundError, ValidationError, zodIssues } from '../domain/errors.js';
import type { Address } from '../domain/model.js';
import { createAgentReply } from '../replies/reply.usecase.js';
import { applyPatch } from '../replies/ticket-changes.js';
import { ticketDetail, ticketSummary } from '../replies/ticket-view.js';
import { buildOpenApi } from './openapi.js';
import { idParam, listTicketsQuery, patchBody, replyBody, ticketNumberParam, uploadQuery } from './schemas.js';
import { createUploadToken } from '../replies/upload-token.js';
import { BlobTooLargeError } from '../storage/blob-store.js';

export interface ApiDeps {
  database: Database;
  config: PonteConfig;
  channels: ChannelDirectory;
  running: () => RunningChannel[];
  hooks: AutomationHooks;
  blobs: BlobStore;
  clock: Clock;
  wakeOutbox: () => void;
  uploadKey: Buffer;
}

type AuthedRequest = Request & { agent?: Agent };

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(`invalid ${where}`, zodIssues(r.error).map((i) => ({ ...i, path: i.path ? `${where}.${i.path}` : where })));
  return r.data;
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
    res.json(buildOpenApi());
  });

  const auth: RequestHandler = async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S{10,200})$/i.exec(header);
    if (!m) throw new AuthError('unauthenticated', 'missing or malformed bearer token (Authorization: Bearer <token>)');
    const agent = await findAgentByToken(db, m[1]!);
    if (!agent) throw new AuthError('unauthenticated', 'unknown or revoked token');
    (req as AuthedRequest).agent = agent;
    next();
  };
  const admin: RequestHandler = (req, _res, next) => {
    if ((req as AuthedRequest).agent?.role !== 'admin') throw new AuthError('forbidden', 'this needs an admin token');
    next();
  };
  router.use(auth);

  // Raw bytes, any type: before the JSON parser, which would otherwise consume a .json file.
  router.post('/uploads', async (req, res) => {
    const { filename } = parse(uploadQuery, req.query, 'query');
    const contentType = (req.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
    if (!/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(contentType)) throw new ValidationError('invalid upload', [{ path: 'headers.content-type', message: 'a media type like application/pdf' }]);
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > deps.config.storage.maxAttachmentBytes) throw new BlobTooLargeError(deps.config.storage.maxAttachmentBytes);
    const blob = await deps.blobs.put(req, { maxBytes: deps.config.storage.maxAttachmentBytes });
    if (blob.size === 0) throw new ValidationError('invalid upload', [{ path: 'body', message: 'the file is empty' }]);
    const expiresAt = deps.clock.now() + 24 * 3600_000;
    const upload = createUploadToken(deps.uploadKey, { blobKey: blob.key, filename, contentType, size: blob.size, expiresAt });
    res.status(201).json({ upload, filename, contentType, size: blob.size, expiresAt });
  });

  router.use(express.json({ limit: '1mb', strict: true }));
  // PostgreSQL text cannot hold U+0000 (a 500 from the driver); no field of this API needs it.
  router.use((req, _res, next) => {
    const issues = [...nulPaths(req.query, 'query'), ...nulPaths(req.body, 'body')].map((path) => ({ path, message: 'must not contain NUL (\\u0000) characters' }));
    if (issues.length) throw new ValidationError('invalid request', issues.slice(0, 20));
    next();
  });

  router.get('/tickets', async (req, res) => {
    const q = parse(listTicketsQuery, req.query, 'query');
    let requesterContactIds: string[] | undefined;
    if (q.requester) {
      const r = q.requester.trim();
      const lookups: Address[] = r.includes('@')
        ? [{ kind: 'email', address: r.toLowerCase() }]
        : [{ kind: 'phone', address: `+${r.replace(/\D/g, '')}` }, { kind: 'whatsapp', address: `${r.replace(/\D/g, '')}@s.whatsapp.net` }];
      requesterContactIds = [...new Set((await findContactIdsByIdentities(db, lookups)).values())];
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
    res.json({ tickets: page.map((t) => ticketSummary(t, labels(t.locale))), nextCursor: tickets.length > q.limit ? page[page.length - 1]!.id : null });
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
    const result = await createAgentReply({ database: deps.database, channels: deps.channels, hooks: deps.hooks, clock: deps.clock, uploadKey: deps.uploadKey }, (req as AuthedRequest).agent!, {
      ticketNumber: number,
      body: body.body,
      visibility: body.visibility,
      attachmentIds: body.attachments,
      status: body.status,
      template: body.template,
    });
    if (result.visibility === 'public') deps.wakeOutbox();
    res.status(result.visibility === 'public' ? 202 : 201).json({ message: { id: result.messageId, visibility: result.visibility, deliveryStatus: result.deliveryStatus, channel: result.channelId }, ticketNumber: result.ticketNumber });
  });

  router.patch('/tickets/:number', async (req, res) => {
    const { number } = parse(ticketNumberParam, req.params, 'params');
    const body = parse(patchBody, req.body ?? {}, 'body');
    const agent = (req as AuthedRequest).agent!;
    const now = deps.clock.now();
    const updated = await db.transaction().execute(async (trx) => {
      const t = await getTicketByNumber(trx, number);
      if (!t) throw new NotFoundError('ticket', `#${number}`);
      if (body.assignee && !(await getAgent(trx, body.assignee))) {
        throw new ValidationError('invalid body', [{ path: 'body.assignee', message: 'no agent with this id' }]);
      }
      return applyPatch(trx, deps.hooks, t, { status: body.status, priority: body.priority, assigneeId: body.assignee, category: body.category, reference: body.reference, fields: body.fields }, { type: 'agent', id: agent.id }, now);
    });
    deps.wakeOutbox();
    res.json(ticketSummary(updated, labels(updated.locale)));
  });

  router.get('/attachments/:id', async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const a = await getAttachment(db, id);
    if (!a || !(await deps.blobs.exists(a.blob_key))) throw new NotFoundError('attachment', id);
    res.setHeader('Content-Type', a.content_type);
    res.setHeader('Content-Length', String(a.size));
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.filename)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    deps.blobs.get(a.blob_key).pipe(res);
  });

  router.get('/channels', (_req, res) => {
    res.json({
      channels: deps.running().map((c) => {
        const h = channelHealth(c);
        return { id: c.entry.id, kind: c.entry.kind, enabled: c.entry.config.enabled, capabilities: c.entry.capabilities, health: h.state, lastActivityAt: h.lastActivityAt ?? null, lastError: h.lastError ?? null, detail: h.detail ?? {} };
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
      res.type('image/svg+xml').send(await QRCode.toString(info.qr, { type: 'svg', margin: 2 }));
      return;
    }
    res.type('image/png').send(await QRCode.toBuffer(info.qr, { type: 'png', margin: 2, width: 320 }));
  });

  router.get('/agents', admin, async (_req, res) => {
    res.json({ agents: await listAgents(db) });
  });

  router.post('/agents', admin, async (req, res) => {
    const body = parse(
      z.object({ name: z.string().min(1).max(200), email: z.email().optional(), phone: z.string().regex(/^\+\d{8,15}$/, 'use E.164, e.g. +5511987654321').optional(), role: z.enum(['agent', 'admin']).default('agent'), notifyChannel: z.string().max(63).optional() }).strict(),
      req.body ?? {},
      'body',
    );
    if (body.notifyChannel && !deps.channels.get(body.notifyChannel)) throw new ValidationError('invalid body', [{ path: 'body.notifyChannel', message: 'no such channel' }]);
    const { agent, token } = await createAgent(db, { name: body.name, email: body.email, phone: body.phone, role: body.role, notifyChannelId: body.notifyChannel }, deps.clock.now());
    res.status(201).json({ agent, token });
  });

  return router;
}
