/**
 * Building blocks of the OpenAPI document: JSON schemas come from zod (`z.toJSONSchema`), the
 * request schemas are the ones the routes validate with, and every error answer shares one body
 * (`errorBodySchema`, what src/http/errors.ts writes). Responses list each status a route can
 * answer; test/integrations/openapi-conformance.test.ts checks real answers against them.
 */
import { z } from 'zod';

/** The body of every JSON error answer (src/http/errors.ts; channel routers and the portal API write the same shape). */
export const errorBodySchema = z.object({
  error: z.string().describe('a stable code, e.g. validation_failed, unauthenticated, not_found, conflict'),
  message: z.string(),
  issues: z.array(z.object({ path: z.string().describe('where: body.field, query.name, params.id'), message: z.string() })).optional(),
  reason: z.string().optional().describe('409: which conflict (e.g. last_admin, no_route)'),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A zod schema as a JSON schema (2020-12, as OpenAPI 3.1 embeds it), without the `$schema` line. */
export function json(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export type Responses = Record<string, object>;

export const ok = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema: json(schema) } } });
export const err = (description: string) => ({ description, content: { 'application/json': { schema: json(errorBodySchema) } } });
export const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
export const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
export const binary = (description: string, type = 'application/octet-stream') => ({
  description,
  content: { [type]: { schema: { type: 'string', format: 'binary' } } },
});
export const noContent = (description: string) => ({ description });

/** A JSON request body validated by `schema`. */
export const body = (schema: z.ZodType, required = true) => ({
  required,
  content: { 'application/json': { schema: json(schema, 'input') } },
});

/** The query parameters of a zod object, one parameter per key. */
export function queryParams(schema: z.ZodObject): object[] {
  const j = json(schema, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(j.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: j.required?.includes(name) ?? false,
    schema: s,
    ...(s.description ? { description: s.description } : {}),
  }));
}

export const pathParam = (name: string, description: string, schema: object = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  schema,
  description,
});
export const ULID_SCHEMA = { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' };
export const idParam = (name: string, description: string) => pathParam(name, description, ULID_SCHEMA);
export const numberParam = pathParam('number', 'ticket number, e.g. 10001', { type: 'integer', minimum: 1 });

// ---- the errors every /api route shares ----

/** Every authenticated /api route: a bad query (or a NUL character anywhere) is 400, a missing or refused token 401. */
export const apiErrors: Responses = {
  '400': err(
    'invalid input (`validation_failed`); `issues` lists every bad field with its path (`query.limit`, `body.status`, `params.number`)',
  ),
  '401': err(
    'missing or unknown bearer token (`unauthenticated`), a disabled agent (`agent_disabled`) or an expired token (`token_expired`)',
  ),
  '500': err('an unexpected failure (`internal_error`), logged on the server; the message says nothing more'),
};
/** Routes that read a JSON body: malformed JSON is 400 (`invalid_json`); over 1 MB 413; an unknown charset 415; a body trickled too slowly 408. */
export const bodyErrors: Responses = {
  '400': err(
    'invalid input: malformed JSON (`invalid_json`) or a field that fails validation (`validation_failed`, `issues` with each path)',
  ),
  '408': err('the request body arrived too slowly (`request_timeout`); the connection is closed'),
  '413': err('JSON body over 1 MB (`body_too_large`)'),
  '415': err('unsupported body charset (`bad_request`)'),
};
export const adminOnly: Responses = { '403': err('admin only (`forbidden`)') };
export const notFound = (what: string): Responses => ({ '404': err(`${what} (\`not_found\`)`) });
export const conflict = (description: string): Responses => ({
  '409': err(`${description}; \`reason\` says which, \`details\` what to act on`),
});
