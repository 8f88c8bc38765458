/**
 * Retention: closed tickets older than `retention.closedTicketDays` (since closing) are erased
 * or pseudonymized (`retention.action`). One process at a time does it (a lease in `leases`,
 * like the outbox and timers), in bounded batches; each ticket once (`ticket_erasures`).
 */
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { BlobStore, Clock } from '../channel/contract.js';
import type { PonteConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { acquireLease } from '../db/repositories/lease.repository.js';
import { recordAudit } from '../db/repositories/audit.repository.js';
import { newId } from '../domain/ids.js';
import { removeUnreferencedBlobs } from './blob-cleanup.js';
import { scrubTickets } from './scrub.repository.js';

export interface RetentionTimer {
  /** One bounded pass; returns how many tickets were processed (0 when another process holds the lease). */
  runOnce(maxTickets?: number): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;

export function createRetentionTimer(deps: {
  database: Database;
  config: PonteConfig;
  clock: Clock;
  logger: Logger;
  blobs: BlobStore;
}): RetentionTimer {
  const holder = `${hostname()}:${process.pid}:ret:${newId().slice(-6)}`;
  const cfg = deps.config.retention;
  const db = deps.database.kysely;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function runOnce(maxTickets = 200): Promise<number> {
    if (!cfg.closedTicketDays) return 0;
    const now = deps.clock.now();
    if (!(await acquireLease(db, 'retention', holder, now, Math.max(60000, cfg.intervalMs)))) return 0;
    const cutoff = now - cfg.closedTicketDays * DAY;
    let done = 0;
    const blobKeys: string[] = [];
    while (done < maxTickets) {
      const batch = (
        await db
          .selectFrom('tickets')
          .leftJoin('ticket_erasures', 'ticket_erasures.ticket_id', 'tickets.id')
          .select('tickets.id')
          .where('tickets.status', '=', 'closed')
          .where('tickets.closed_at', '<', cutoff)
          .where('ticket_erasures.ticket_id', 'is', null)
          .orderBy('tickets.closed_at')
          .limit(Math.min(50, maxTickets - done))
          .execute()
      ).map((r) => r.id);
      if (batch.length === 0) break;
      if (deps.database.dialect === 'sqlite') await sql`PRAGMA secure_delete = ON`.execute(db);
      const r = await db.transaction().execute(async (trx) => {
        const out = await scrubTickets(trx, batch, cfg.action === 'erase' ? 'erase' : 'pseudonymize', now);
        await recordAudit(
          trx,
          { type: 'system', id: null },
          `retention.${cfg.action}`,
          { type: 'tickets', id: String(batch.length) },
          { tickets: batch, days: cfg.closedTicketDays, counts: out.counts },
          now,
        );
        return out;
      });
      blobKeys.push(...r.blobKeys);
      done += batch.length;
    }
    if (done) {
      await removeUnreferencedBlobs(db, deps.blobs, blobKeys);
      if (deps.database.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
      deps.logger.info({ tickets: done, action: cfg.action, days: cfg.closedTicketDays }, 'retention applied to closed tickets');
    }
    return done;
  }

  function tick(): void {
    if (stopped || running) return;
    running = runOnce()
      .catch((err) => deps.logger.error({ err }, 'retention pass failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) {
          timer = setTimeout(tick, cfg.intervalMs);
          timer.unref?.();
        }
      });
  }

  return {
    runOnce,
    start() {
      if (!cfg.closedTicketDays) return;
      stopped = false;
      timer = setTimeout(tick, 1000);
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
