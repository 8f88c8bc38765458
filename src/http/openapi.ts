/**
 * The OpenAPI 3.1 document served at /api/openapi.json: the core agent API (openapi/core-paths.ts),
 * the integration routes and the channels' /hooks (integrations-openapi.ts) and the customer
 * portal's JSON API under each portal site (web/portal/portal-openapi.ts). Request schemas are the
 * zod schemas the routes validate with; test/integrations/openapi-conformance.test.ts checks that
 * every mounted route is described and that real answers match.
 */
import type { PonteConfig } from '../config/schema.js';
import { portalSites } from '../web/portal/portal-config.js';
import { portalOpenApiPaths, portalSecuritySchemes } from '../web/portal/portal-openapi.js';
import { withIntegrationPaths } from './integrations-openapi.js';
import { corePaths } from './openapi/core-paths.js';
import { errorBodySchema, json } from './openapi/openapi-kit.js';

const cache = new WeakMap<object, object>();
const NO_CONFIG = {};

/** With a config, the portal's API is listed under each configured portal path (brands too); without, under /portal. */
export function buildOpenApi(config?: Pick<PonteConfig, 'portal'>): object {
  const key = config ?? NO_CONFIG;
  const hit = cache.get(key);
  if (hit) return hit;
  const portalBases = config ? (config.portal.enabled ? portalSites(config.portal).map((s) => s.path) : []) : ['/portal'];
  const doc = withIntegrationPaths({
    openapi: '3.1.0',
    info: {
      title: 'Ponte API',
      version: '0.1.0',
      description:
        "Tickets, threads and replies across email, WhatsApp and web forms; the channels' webhooks; the customer portal's JSON API. Every error answer has the `Error` body.",
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, ...portalSecuritySchemes },
      schemas: { Error: json(errorBodySchema) },
    },
    security: [{ bearer: [] }],
    paths: { ...corePaths(), ...Object.assign({}, ...portalBases.map((b) => portalOpenApiPaths(b))) },
  });
  cache.set(key, doc);
  return doc;
}
