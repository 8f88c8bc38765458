/** OpenAPI 3.1 document generated from the same zod schemas the routes validate with. */
import { z } from 'zod';
import { errorResponse, listTicketsQuery, patchBody, replyBody } from './schemas.js';

function queryParams(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });
const errors = {
  '400': { description: 'invalid input; `issues` lists every bad field with its path', content: { 'application/json': { schema: z.toJSONSchema(errorResponse) } } },
  '401': { description: 'missing or unknown bearer token' },
  '404': { description: 'not found' },
};
const numberParam = { name: 'number', in: 'path', required: true, schema: { type: 'integer' }, description: 'ticket number, e.g. 10001' };

let cached: object | undefined;

export function buildOpenApi(): object {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Ponte agent API', version: '0.1.0', description: 'Tickets, threads and replies across email, WhatsApp and web forms.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/api/tickets': { get: { summary: 'List tickets (newest first) with filters and cursor pagination', parameters: queryParams(listTicketsQuery), responses: { '200': { description: '{ tickets, nextCursor }' }, ...errors } } },
      '/api/tickets/{number}': {
        get: { summary: 'A ticket with its whole thread, attachments and events', parameters: [numberParam], responses: { '200': { description: 'ticket' }, ...errors } },
        patch: { summary: 'Change status, priority, assignee, category, reference or custom fields', parameters: [numberParam], requestBody: body(patchBody), responses: { '200': { description: 'ticket' }, '409': { description: 'transition not allowed' }, ...errors } },
      },
      '/api/tickets/{number}/replies': {
        post: {
          summary: 'Reply to the customer (public, queued to their channel: 202) or add an internal note (201, never leaves Ponte)',
          parameters: [numberParam],
          requestBody: body(replyBody),
          responses: { '202': { description: 'queued for delivery' }, '201': { description: 'internal note stored' }, '409': { description: 'ticket closed or customer unreachable' }, ...errors },
        },
      },
      '/api/uploads': {
        post: {
          summary: 'Upload a file (raw body, its media type as Content-Type); returns an upload token valid 24 h to list in a reply\'s attachments',
          parameters: [{ name: 'filename', in: 'query', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
          responses: { '201': { description: '{ upload, filename, contentType, size, expiresAt }' }, '413': { description: 'over storage.maxAttachmentBytes' }, ...errors },
        },
      },
      '/api/attachments/{id}': { get: { summary: 'Download an attachment', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the file' }, ...errors } } },
      '/api/channels': { get: { summary: 'Configured channels with kind, health and last activity', responses: { '200': { description: '{ channels }' } } } },
      '/api/channels/{id}/pairing': { get: { summary: 'WhatsApp pairing QR (png, svg) or state (json); admin only', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'format', in: 'query', schema: { enum: ['png', 'svg', 'json'] } }], responses: { '200': { description: 'QR image or JSON' }, '403': { description: 'admin only' }, ...errors } } },
      '/api/agents': { get: { summary: 'List agents (admin)', responses: { '200': { description: '{ agents }' } } }, post: { summary: 'Create an agent; the token is shown once (admin)', responses: { '201': { description: '{ agent, token }' }, ...errors } } },
      '/healthz': { get: { summary: 'Liveness and channel health', security: [], responses: { '200': { description: 'ok' }, '503': { description: 'database unreachable' } } } },
    },
  };
  return cached;
}
