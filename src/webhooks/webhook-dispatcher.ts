/**
 * The webhook delivery loop: claim due deliveries (the oldest open one per subscription and
 * ticket, so a ticket's events arrive in order), POST them signed outside any transaction, record
 * the answer. 2xx is delivered; anything else retries with the outbox's backoff policy until
 * `maxAttempts`, then the delivery is `failed` (and can be redelivered by hand). At least once:
 * a crash after the POST re-sends with the same `webhook-id`.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../channel/contract.js';
import type { Database } from '../db/database.js';
import { newId } from '../domain/ids.js';
import { createPollingLoop } from '../outbox/polling-loop.js';
import { decideRetry } from '../outbox/retry-policy.js';
import type { WebhooksConfig } from './webhook-config.js';
import { webhookHeaders } from './webhook-signing.js';
import { claimDeliveries, type DeliveryRow, deliveryTarget, finishDelivery } from './webhook.repository.js';

export interface WebhookRunResult {
  delivered: number;
  retried: number;
  failed: number;
}

export interface WebhookDispatcher {
  runOnce(): Promise<WebhookRunResult>;
  /** Until nothing is due now; bounded. */
  drain(maxRounds?: number): Promise<WebhookRunResult>;
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

export function createWebhookDispatcher(deps: {
  database: Database;
  config: WebhooksConfig;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}): WebhookDispatcher {
  const worker = `${hostname()}:${process.pid}:wh:${newId().slice(-6)}`;
  const db = deps.database.kysely;
  const cfg = deps.config;

  /** `gone`: the subscription or the event was deleted; no later attempt can succeed. */
  async function post(row: DeliveryRow): Promise<{ ok: boolean; gone?: true; status: number | null; error: string | null }> {
    const target = await deliveryTarget(db, row);
    if (!target) return { ok: false, gone: true, status: null, error: 'subscription or event no longer exists' };
    const ts = Math.floor(deps.clock.now() / 1000);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Ponte-Webhooks/1',
          ...webhookHeaders(target.secret, target.eventId, ts, target.payload),
        },
        body: target.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(cfg.timeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      return res.status >= 200 && res.status < 300
        ? { ok: true, status: res.status, error: null }
        : { ok: false, status: res.status, error: `receiver answered ${res.status}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return {
        ok: false,
        status: null,
        error:
          e.name === 'TimeoutError' ? `no answer within ${cfg.timeoutMs} ms` : `${e.cause?.code ?? e.name}: ${e.message}`.slice(0, 300),
      };
    }
  }

  async function process1(row: DeliveryRow, result: WebhookRunResult): Promise<void> {
    const r = await post(row);
    const now = deps.clock.now();
    if (r.ok) {
      await finishDelivery(db, row.id, worker, { status: 'delivered', httpStatus: r.status, error: null }, now);
      result.delivered++;
      return;
    }
    // 4xx other than 408/429 mean the receiver refuses this event: still retried (receivers
    // deploy bugs), but a vanished subscription is final.
    const decision = decideRetry(cfg, Number(row.attempts), !r.gone, deps.random ?? Math.random);
    if (decision.retry) {
      await finishDelivery(
        db,
        row.id,
        worker,
        { status: 'pending', nextAt: now + decision.delayMs, httpStatus: r.status, error: r.error },
        now,
      );
      result.retried++;
    } else {
      await finishDelivery(db, row.id, worker, { status: 'failed', httpStatus: r.status, error: r.error }, now);
      result.failed++;
    }
    deps.logger.warn(
      { delivery: row.id, subscription: row.subscription_id, attempt: row.attempts, status: r.status, retry: decision.retry },
      decision.retry ? 'webhook delivery failed, will retry' : 'webhook delivery failed',
    );
  }

  async function runOnce(): Promise<WebhookRunResult> {
    const result: WebhookRunResult = { delivered: 0, retried: 0, failed: 0 };
    const rows = await claimDeliveries(deps.database, worker, deps.clock.now(), cfg.batchSize, cfg.claimTtlMs);
    // One row per (subscription, ticket) was claimed: all can go in parallel.
    await Promise.all(
      rows.map((row) =>
        process1(row, result).catch((err) => {
          deps.logger.error({ err, delivery: row.id }, 'webhook delivery could not be processed');
        }),
      ),
    );
    return result;
  }

  return createPollingLoop<WebhookRunResult>({
    runOnce,
    empty: () => ({ delivered: 0, retried: 0, failed: 0 }),
    idleDelayMs: () => cfg.pollIntervalMs,
    onError: (err) => deps.logger.error({ err }, 'webhook loop error'),
    errorDelayMs: cfg.pollIntervalMs,
  });
}
