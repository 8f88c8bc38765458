/**
 * The integrations part of the app: webhook events from the ticket events and the outbox, the
 * webhook delivery loop, and the retention timer. Built by src/app.ts; no I/O before `prepare()`.
 */
import type { Logger } from 'pino';
import type { BlobStore, Clock } from '../channel/contract.js';
import type { PonteConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { createRetentionTimer, type RetentionTimer } from '../erasure/retention-timer.js';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhook-dispatcher.js';
import type { TicketEvents } from '../tickets/ticket-events.js';
import { listenForWebhookEvents, recordReplyOutcome } from './webhook-hooks.js';
import { syncConfigSubscriptions } from './webhook.repository.js';

export interface Integrations {
  webhooks: WebhookDispatcher;
  retention: RetentionTimer;
  /** Records webhook events for the ticket events (subscribe after the automations). */
  listen(events: TicketEvents): void;
  /** Syncs the config subscriptions (after migrations). */
  prepare(): Promise<void>;
  onReplySent(messageId: string): Promise<void>;
  onReplyFailed(messageId: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createIntegrations(deps: {
  database: Database;
  config: PonteConfig;
  clock: Clock;
  logger: Logger;
  blobs: BlobStore;
}): Integrations {
  const db = deps.database.kysely;
  const webhooks = createWebhookDispatcher({
    database: deps.database,
    config: deps.config.webhooks,
    clock: deps.clock,
    logger: deps.logger,
  });
  const retention = createRetentionTimer({
    database: deps.database,
    config: deps.config,
    clock: deps.clock,
    logger: deps.logger,
    blobs: deps.blobs,
  });
  return {
    webhooks,
    retention,
    listen: listenForWebhookEvents,
    prepare: () => db.transaction().execute((trx) => syncConfigSubscriptions(trx, deps.config.webhooks, deps.clock.now())),
    async onReplySent(messageId) {
      await recordReplyOutcome(db, 'reply.sent', messageId, deps.clock.now());
      webhooks.wake();
    },
    async onReplyFailed(messageId) {
      const m = await db.selectFrom('messages').select(['delivery_status', 'error_code']).where('id', '=', messageId).executeTakeFirst();
      if (m?.delivery_status === 'failed')
        await recordReplyOutcome(db, 'reply.failed', messageId, deps.clock.now(), { error: { code: m.error_code } });
      webhooks.wake();
    },
    start() {
      webhooks.start();
      retention.start();
    },
    async stop() {
      await webhooks.stop();
      await retention.stop();
    },
  };
}
