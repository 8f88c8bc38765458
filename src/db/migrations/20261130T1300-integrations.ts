/**
 * Frozen: integrations (issue 17).
 * - webhook_subscriptions: where events go (from config, `source = 'config'`, re-synced at start;
 *   or created through the API). The `whsec_` secret signs each delivery; it is never listed.
 * - webhook_events: one row per event, written in the transaction of the change it reports.
 * - webhook_deliveries: one row per (event, subscription); the delivery log and the queue. The
 *   `order_key` (ticket id) keeps one ticket's events in order per subscription.
 * - erasure_receipts: what an LGPD erasure removed, when and by whom (no personal data).
 * - erasure_tombstones: sha256 of (channel id, external id) of erased inbound messages: the
 *   ingest refuses to import them again, without keeping the ids themselves.
 * - ticket_erasures: tickets already erased or pseudonymized (the retention timer skips them).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('url', 'varchar(2000)', (c) => c.notNull())
    .addColumn('secret', 'varchar(200)', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'varchar(200)')
    .addColumn('source', 'varchar(10)', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(26)')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_events_ticket_idx').on('webhook_events').column('ticket_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('event_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('subscription_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('order_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(12)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(100)')
    .addColumn('claim_expires_at', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'varchar(500)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_sub_idx').on('webhook_deliveries').columns(['subscription_id', 'id']).execute();
  await db.schema.createIndex('webhook_deliveries_event_idx').on('webhook_deliveries').column('event_id').execute();

  await db.schema
    .createTable('erasure_receipts')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('contact_id', 'varchar(26)', (c) => c.notNull())
    .addColumn('actor_type', 'varchar(10)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(26)')
    .addColumn('mode', 'varchar(20)', (c) => c.notNull())
    .addColumn('removed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('erasure_tombstones')
    .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('ticket_erasures')
    .addColumn('ticket_id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('level', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'ticket_erasures',
    'erasure_tombstones',
    'erasure_receipts',
    'webhook_deliveries',
    'webhook_events',
    'webhook_subscriptions',
  ])
    await db.schema.dropTable(t).execute();
}
