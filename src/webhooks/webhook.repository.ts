/** Webhook subscriptions, events and the delivery log/queue. Plain functions, executor first. */
import { sql } from 'kysely';
import type { Database, Executor } from '../db/database.js';
import { precompiled } from '../db/precompiled.js';
import { newId } from '../domain/ids.js';
import type { WebhooksConfig } from './webhook-config.js';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  source: 'config' | 'api';
  active: boolean;
  createdAt: number;
}

type SubRow = {
  id: string;
  url: string;
  secret: string;
  events: string;
  description: string | null;
  source: string;
  active: number;
  created_at: number;
};

export function toSubscription(r: SubRow): WebhookSubscription {
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    description: r.description,
    source: r.source as 'config' | 'api',
    active: Number(r.active) === 1,
    createdAt: Number(r.created_at),
  };
}

/** Config subscriptions replace the stored `config` ones (a removed entry stops; its log stays). */
export async function syncConfigSubscriptions(db: Executor, config: WebhooksConfig, now: number): Promise<void> {
  const ids = config.subscriptions.map((s) => s.id);
  let off = db.updateTable('webhook_subscriptions').set({ active: 0, updated_at: now }).where('source', '=', 'config');
  if (ids.length) off = off.where('id', 'not in', ids);
  await off.execute();
  for (const s of config.subscriptions) {
    const values = {
      url: s.url,
      secret: s.secret,
      events: JSON.stringify(s.events),
      description: s.description ?? null,
      source: 'config',
      active: 1,
      updated_at: now,
    };
    await db
      .insertInto('webhook_subscriptions')
      .values({ id: s.id, ...values, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
}

export async function listSubscriptions(db: Executor): Promise<WebhookSubscription[]> {
  return (await db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id').execute()).map(toSubscription);
}

export async function getSubscriptionRow(db: Executor, id: string) {
  return db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

type ActiveSubscription = { id: string; events: string[] };
// Read by every ingest transaction (compiled once: kysely built and compiled it anew each time).
const activeSubscriptionRows = precompiled<never>('webhook_subscriptions:active', (db) =>
  db.selectFrom('webhook_subscriptions').select(['id', 'events']).where('active', '=', 1),
);
const subscriptionsOfTransaction = new WeakMap<Executor, Promise<ActiveSubscription[]>>();

/**
 * The active subscriptions, read once per transaction: one ingest emits several events (a new
 * ticket: ticket.created and message.received) in one transaction, and nothing that records
 * events also edits subscriptions in that transaction. Outside a transaction it is read each time.
 */
function activeSubscriptions(db: Executor): Promise<ActiveSubscription[]> {
  const read = async () =>
    (await activeSubscriptionRows<{ id: string; events: string }>(db, {})).rows.map((s) => ({
      id: s.id,
      events: JSON.parse(s.events) as string[],
    }));
  if (!db.isTransaction) return read();
  let subs = subscriptionsOfTransaction.get(db);
  if (!subs) {
    subs = read();
    subscriptionsOfTransaction.set(db, subs);
    // A failed read is not kept: the next event of the transaction reads again.
    subs.catch(() => subscriptionsOfTransaction.delete(db));
  }
  return subs;
}

/**
 * Records one event and queues a delivery to every active subscription that wants it. Called
 * inside the transaction of the change it reports, so an event exists if and only if the change does.
 * `data` may be a function: the payload is then built only when a subscription wants the event
 * (every ingested message emits events that most gateways have no subscription for).
 */
export async function recordWebhookEvent(
  db: Executor,
  type: string,
  ticketId: string | null,
  data: Record<string, unknown> | (() => Record<string, unknown>),
  now: number,
): Promise<string | undefined> {
  const subs = (await activeSubscriptions(db)).filter((s) => s.events.includes('*') || s.events.includes(type));
  if (subs.length === 0) return undefined;
  const id = `msg_${newId(now)}`;
  const payload = JSON.stringify({ type, timestamp: new Date(now).toISOString(), data: typeof data === 'function' ? data() : data });
  await db.insertInto('webhook_events').values({ id, type, ticket_id: ticketId, payload, created_at: now }).execute();
  for (const s of subs) {
    await db
      .insertInto('webhook_deliveries')
      .values({
        id: newId(now),
        event_id: id,
        subscription_id: s.id,
        order_key: ticketId ?? id,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        claimed_by: null,
        claim_expires_at: null,
        last_status: null,
        last_error: null,
        created_at: now,
        updated_at: now,
        delivered_at: null,
      })
      .execute();
  }
  return id;
}

export type DeliveryRow = Awaited<ReturnType<typeof claimDeliveries>>[number];

/**
 * Claims, per (subscription, ticket), the oldest unfinished delivery when it is due and nobody
 * holds it: a later event of the same ticket waits until the earlier one is delivered or failed.
 */
export async function claimDeliveries(database: Database, worker: string, now: number, limit: number, claimTtlMs: number) {
  return database.kysely.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('webhook_deliveries')
      .select(['id', 'subscription_id', 'order_key', 'status', 'next_attempt_at', 'claim_expires_at'])
      .where('status', 'in', ['pending', 'sending'])
      .orderBy('id')
      .limit(limit * 20);
    if (database.dialect === 'postgres') q = q.forUpdate().skipLocked();
    const open = await q.execute();
    const seen = new Set<string>();
    const ids: string[] = [];
    for (const r of open) {
      const key = `${r.subscription_id}\u0000${r.order_key}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const due = r.status === 'pending' ? Number(r.next_attempt_at) <= now : Number(r.claim_expires_at ?? 0) < now;
      if (due) ids.push(r.id);
      if (ids.length >= limit) break;
    }
    if (ids.length === 0) return [];
    const rows = await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'sending', claimed_by: worker, claim_expires_at: now + claimTtlMs, attempts: sql`attempts + 1`, updated_at: now })
      .where('id', 'in', ids)
      .returningAll()
      .execute();
    return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  });
}

export async function finishDelivery(
  db: Executor,
  id: string,
  worker: string,
  set: { status: 'delivered' | 'failed' | 'pending'; nextAt?: number; httpStatus: number | null; error: string | null },
  now: number,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: set.status,
      claimed_by: null,
      claim_expires_at: null,
      last_status: set.httpStatus,
      last_error: set.error?.slice(0, 500) ?? null,
      updated_at: now,
      ...(set.nextAt !== undefined ? { next_attempt_at: set.nextAt } : {}),
      ...(set.status === 'delivered' ? { delivered_at: now } : {}),
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

export async function listDeliveries(
  db: Executor,
  f: { subscriptionId?: string | undefined; status?: string | undefined; before?: string | undefined; limit: number },
): Promise<DeliveryView[]> {
  let q = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'd.event_id',
      'e.type',
      'd.subscription_id',
      'd.status',
      'd.attempts',
      'd.last_status',
      'd.last_error',
      'd.next_attempt_at',
      'd.created_at',
      'd.delivered_at',
    ]);
  if (f.subscriptionId) q = q.where('d.subscription_id', '=', f.subscriptionId);
  if (f.status) q = q.where('d.status', '=', f.status);
  if (f.before) q = q.where('d.id', '<', f.before);
  const rows = await q.orderBy('d.id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    eventType: r.type,
    subscriptionId: r.subscription_id,
    status: r.status,
    attempts: Number(r.attempts),
    lastStatus: r.last_status == null ? null : Number(r.last_status),
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' ? Number(r.next_attempt_at) : null,
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at == null ? null : Number(r.delivered_at),
  }));
}

/** Manual redelivery: a new delivery of the same event (same webhook-id, so receivers can de-duplicate). */
export async function redeliver(db: Executor, deliveryId: string, now: number): Promise<string | undefined> {
  const d = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
  if (!d) return undefined;
  const id = newId(now);
  await db
    .insertInto('webhook_deliveries')
    .values({
      id,
      event_id: d.event_id,
      subscription_id: d.subscription_id,
      order_key: `redeliver:${id}`,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      claimed_by: null,
      claim_expires_at: null,
      last_status: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    })
    .execute();
  return id;
}

/** What a delivery POSTs and where; undefined when the subscription or the event is gone. */
export async function deliveryTarget(
  db: Executor,
  row: Pick<DeliveryRow, 'subscription_id' | 'event_id'>,
): Promise<{ url: string; secret: string; eventId: string; payload: string } | undefined> {
  const [sub, event] = await Promise.all([
    db.selectFrom('webhook_subscriptions').select(['url', 'secret']).where('id', '=', row.subscription_id).executeTakeFirst(),
    db.selectFrom('webhook_events').select(['id', 'payload']).where('id', '=', row.event_id).executeTakeFirst(),
  ]);
  return sub && event ? { url: sub.url, secret: sub.secret, eventId: event.id, payload: event.payload } : undefined;
}
