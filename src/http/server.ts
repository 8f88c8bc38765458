import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { channelHealth, type RunningChannel } from '../channel/runtime.js';
import { migrationStatus } from '../db/migrator.js';
import { type HealthFacts, type SendHealth, summarizeHealth } from '../observability/health-summary.js';
import type { PonteMetrics } from '../observability/metrics.js';
import { type ApiDeps, createApiRouter } from './api-router.js';
import { errorHandler } from './errors.js';
import { slowBodyGuard } from './server-limits.js';
import { createConsoleRouter } from '../web/console/console-router.js';
import { createPortalRouters } from '../web/portal/portal-router.js';
import type { UploadFormReader } from '../web/shared/upload-form.js';
import type { IngestFn } from '../ingest/pipeline.js';

export interface ObservabilityDeps {
  metrics?: PonteMetrics | undefined;
  sendHealth?: SendHealth | undefined;
}

export function createHttpApp(
  deps: ApiDeps &
    ObservabilityDeps & {
      logger: Logger;
      database: Database;
      running: () => RunningChannel[];
      trustProxy: boolean;
      webKey?: Buffer | undefined;
      ingest?: IngestFn | undefined;
      readUploadForm: UploadFormReader;
    },
): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy) app.set('trust proxy', true);
  // Before any route reads a body (timeouts and the connection cap: createLimitedServer in app.ts).
  app.use(slowBodyGuard(deps.config.server.limits));
  // Push channels first: they read their raw bodies themselves (signatures are over raw bytes).
  for (const c of deps.running()) {
    if (c.runtime.http) app.use(c.runtime.http.path, c.runtime.http.router);
  }
  async function healthFacts(withMigrations: boolean): Promise<HealthFacts> {
    let database: HealthFacts['database'] = 'ok';
    let pendingMigrations: string[] | undefined;
    try {
      await deps.database.kysely.selectFrom('counters').select('name').limit(1).execute();
      if (withMigrations) pendingMigrations = (await migrationStatus(deps.database)).filter((m) => !m.executedAt).map((m) => m.name);
    } catch {
      database = 'unreachable';
    }
    const channels = deps
      .running()
      .map((c) => ({ id: c.entry.id, kind: c.entry.kind, health: channelHealth(c), sendFailure: deps.sendHealth?.failure(c.entry.id) }));
    return { database, pendingMigrations, channels };
  }
  // Liveness: 200 while the process answers (503 only without a database); `degraded` lists why.
  app.get('/healthz', async (_req, res) => {
    const facts = await healthFacts(false);
    const summary = summarizeHealth(facts);
    res.status(facts.database === 'ok' ? 200 : 503).json({
      status: summary.status,
      reasons: summary.reasons,
      database: facts.database,
      channels: Object.fromEntries(facts.channels.map((c) => [c.id, c.health.state])),
    });
  });
  // Readiness: database reachable and migrated; channel problems are reported, not fatal.
  app.get('/readyz', async (_req, res) => {
    const facts = await healthFacts(true);
    const summary = summarizeHealth(facts);
    res.status(summary.ready ? 200 : 503).json({
      ready: summary.ready,
      status: summary.status,
      reasons: summary.reasons,
      database: facts.database,
      pendingMigrations: facts.pendingMigrations ?? null,
      channels: Object.fromEntries(
        facts.channels.map((c) => [
          c.id,
          {
            state: c.health.state,
            ...(c.health.lastError ? { lastError: c.health.lastError } : {}),
            ...(c.sendFailure ? { sendFailure: c.sendFailure } : {}),
          },
        ]),
      ),
    });
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', async (_req, res, next) => {
      try {
        const body = await metrics.text();
        res.type(metrics.contentType).send(body);
      } catch (err) {
        next(err);
      }
    });
  }
  app.use('/api', createApiRouter(deps));
  // The customer portal (src/web/portal), one router per brand, before a console mounted at `/`.
  if (deps.config.portal.enabled && deps.webKey && deps.ingest)
    for (const site of createPortalRouters({ ...deps, webKey: deps.webKey, ingest: deps.ingest })) app.use(site.path, site.router);
  // The agent console (src/web/console), after /api and the hooks so it never shadows them.
  if (deps.config.console.enabled && deps.webKey) app.use(deps.config.console.path, createConsoleRouter({ ...deps, webKey: deps.webKey }));
  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
