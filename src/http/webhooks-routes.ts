/**
 * Outbound webhooks (admin): subscriptions, the delivery log and manual redelivery. Secrets are
 * shown once, when a subscription is created; config subscriptions are read-only here.
 */
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { webhookEventsSchema, webhookSecretSchema, webhookUrlSchema } from '../webhooks/webhook-config.js';
import { newWebhookSecret } from '../webhooks/webhook-signing.js';
import { getSubscriptionRow, listDeliveries, listSubscriptions, redeliver, toSubscription } from '../webhooks/webhook.repository.js';
import { recordAudit } from '../db/repositories/audit.repository.js';
import type { ApiDeps } from './api-router.js';
import { agentOf, parse } from './route-kit.js';

export const createWebhookBody = z.strictObject({
  url: webhookUrlSchema,
  events: webhookEventsSchema.default(['*']),
  description: z.string().max(200).optional(),
  secret: webhookSecretSchema.optional(),
});
export const patchWebhookBody = z.strictObject({
  url: webhookUrlSchema.optional(),
  events: webhookEventsSchema.optional(),
  description: z.string().max(200).nullable().optional(),
  active: z.boolean().optional(),
});
const idParam = z.object({ id: z.string().min(1).max(64) });
export const deliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'sending', 'delivered', 'failed']).optional(),
  cursor: z.string().max(26).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function registerWebhookRoutes(router: Router, deps: ApiDeps, admin: RequestHandler): void {
  const db = deps.database.kysely;

  router.get('/webhooks', admin, async (_req, res) => {
    res.json({ subscriptions: await listSubscriptions(db) });
  });

  router.post('/webhooks', admin, async (req, res) => {
    const body = parse(createWebhookBody, req.body ?? {}, 'body');
    const now = deps.clock.now();
    const id = newId(now).toLowerCase();
    const secret = body.secret ?? newWebhookSecret();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_subscriptions')
        .values({
          id,
          url: body.url,
          secret,
          events: JSON.stringify(body.events),
          description: body.description ?? null,
          source: 'api',
          active: 1,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await recordAudit(
        trx,
        { type: 'agent', id: agentOf(req).id },
        'webhook.created',
        { type: 'webhook', id },
        { url: body.url, events: body.events },
        now,
      );
    });
    const row = await getSubscriptionRow(db, id);
    res.status(201).json({ subscription: toSubscription(row!), secret });
  });

  router.patch('/webhooks/:id', admin, async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const body = parse(patchWebhookBody, req.body ?? {}, 'body');
    const now = deps.clock.now();
    const row = await getSubscriptionRow(db, id);
    if (!row) throw new NotFoundError('webhook', id);
    if (row.source === 'config')
      throw new ConflictError(`webhook ${id} comes from the config file; change it there`, 'config_subscription');
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_subscriptions')
        .set({
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.events !== undefined ? { events: JSON.stringify(body.events) } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.active !== undefined ? { active: body.active ? 1 : 0 } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(trx, { type: 'agent', id: agentOf(req).id }, 'webhook.updated', { type: 'webhook', id }, { ...body }, now);
    });
    res.json({ subscription: toSubscription((await getSubscriptionRow(db, id))!) });
  });

  router.delete('/webhooks/:id', admin, async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const row = await getSubscriptionRow(db, id);
    if (!row) throw new NotFoundError('webhook', id);
    if (row.source === 'config')
      throw new ConflictError(`webhook ${id} comes from the config file; remove it there`, 'config_subscription');
    const now = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
      await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
      await recordAudit(trx, { type: 'agent', id: agentOf(req).id }, 'webhook.deleted', { type: 'webhook', id }, { url: row.url }, now);
    });
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', admin, async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const q = parse(deliveriesQuery, req.query, 'query');
    if (!(await getSubscriptionRow(db, id))) throw new NotFoundError('webhook', id);
    const list = await listDeliveries(db, { subscriptionId: id, status: q.status, before: q.cursor, limit: q.limit + 1 });
    const page = list.slice(0, q.limit);
    res.json({ deliveries: page, nextCursor: list.length > q.limit ? page[page.length - 1]!.id : null });
  });

  router.post('/webhooks/deliveries/:id/redeliver', admin, async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const now = deps.clock.now();
    const newIdValue = await db.transaction().execute(async (trx) => {
      const created = await redeliver(trx, id, now);
      if (created)
        await recordAudit(
          trx,
          { type: 'agent', id: agentOf(req).id },
          'webhook.redelivered',
          { type: 'webhook_delivery', id },
          { delivery: created },
          now,
        );
      return created;
    });
    if (!newIdValue) throw new NotFoundError('webhook delivery', id);
    res.status(202).json({ delivery: { id: newIdValue, status: 'pending' } });
  });
}
