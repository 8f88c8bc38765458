import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { channelHealth, type RunningChannel } from '../channel/runtime.js';
import { type ApiDeps, createApiRouter } from './api-router.js';
import { errorHandler } from './errors.js';
import { createConsoleRouter } from '../web/console/console-router.js';
import { slowBodyGuard } from './server-limits.js';

export function createHttpApp(deps: ApiDeps & { logger: Logger; database: Database; running: () => RunningChannel[]; trustProxy: boolean; webKey?: Buffer | undefined }): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy) app.set('trust proxy', true);
  // Before any route reads a body (timeouts and the connection cap: createLimitedServer in app.ts).
  app.use(slowBodyGuard(deps.config.server.limits));
  // Push channels first: they read their raw bodies themselves (signatures are over raw bytes).
  for (const c of deps.running()) {
    if (c.runtime.http) app.use(c.runtime.http.path, c.runtime.http.router);
  }
  app.get('/healthz', async (_req, res) => {
    let database = 'ok';
    try {
      await deps.database.kysely.selectFrom('counters').select('name').limit(1).execute();
    } catch {
      database = 'unreachable';
    }
    const channels = Object.fromEntries(deps.running().map((c) => [c.entry.id, channelHealth(c).state]));
    res.status(database === 'ok' ? 200 : 503).json({ status: database === 'ok' ? 'ok' : 'degraded', database, channels });
  });
  app.use('/api', createApiRouter(deps));
  // The agent console (src/web/console), after /api and the hooks so it never shadows them.
  if (deps.config.console.enabled && deps.webKey) app.use(deps.config.console.path, createConsoleRouter({ ...deps, webKey: deps.webKey }));
  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
