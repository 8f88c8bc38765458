/** What the portal needs from the app, and what each request carries (res.locals.portal). */
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ApiDeps } from '../../http/api-router.js';
import type { IngestFn } from '../../ingest/pipeline.js';
import type { UploadFormReader } from '../shared/upload-form.js';
import type { WebContext } from '../shared/web-context.js';
import { ctx } from '../shared/web-context.js';
import type { Viewer } from './portal-access.js';
import type { PortalConfig, PortalSite } from './portal-config.js';
import type { PortalTranslate } from './portal-messages.js';

export interface PortalDeps extends ApiDeps {
  logger: Logger;
  /** Derived from the server secret: CSRF tokens. */
  webKey: Buffer;
  /** The core's ingest (the app's observed one): portal messages enter like any customer message. */
  ingest: IngestFn;
  /** The multipart reader (the web form channel's, handed over by the composition root). */
  readUploadForm: UploadFormReader;
}

export interface PortalRuntime {
  deps: PortalDeps;
  portal: PortalConfig;
  site: PortalSite;
  base: string;
  ttlMs: number;
  db(): PortalDeps['database']['kysely'];
  now(): number;
}

export interface PortalLocals {
  tp: PortalTranslate;
  viewer?: Viewer | undefined;
}

export function pctx(res: Response): { web: WebContext; p: PortalLocals } {
  return { web: ctx(res), p: res.locals.portal as PortalLocals };
}
