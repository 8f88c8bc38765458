/**
 * The /portal/api paths for the OpenAPI document (src/http/openapi.ts merges them into `paths`,
 * once per portal site: the main path and each brand's). Auth: the portal session cookie (writes
 * need X-CSRF-Token from GET /portal/api/session) or a merchant-signed bearer token (base64url of a
 * signed link's query). Answers mirror portal-api.ts; a request the caller may not see is a 404.
 */
import { z } from 'zod';
import { err, html, ok, pathParam, text } from '../../http/openapi/openapi-kit.js';
import { TICKET_STATUSES } from '../../domain/model.js';

const num = pathParam('number', 'request (ticket) number', { type: 'integer' });
const security = [{ portalSession: [] }, { portalSigned: [] }];
const time = z.number().describe('milliseconds since the epoch');

const requestSummary = z.object({
  number: z.number().int(),
  subject: z.string(),
  reference: z.string().nullable(),
  category: z.string().nullable(),
  status: z.enum(TICKET_STATUSES),
  statusLabel: z.string(),
  awaitingYourReply: z.boolean(),
  createdAt: time,
  lastActivityAt: time,
  mine: z.boolean().describe('false: a request of my organization that someone else opened'),
});
const portalMessage = z.object({
  id: z.string(),
  at: time,
  author: z.enum(['me', 'customer', 'desk']),
  authorName: z.string().nullable().describe("a first name only; never another person's address"),
  text: z.string(),
  attachments: z.array(
    z.object({ id: z.string(), filename: z.string(), contentType: z.string(), size: z.number().int(), url: z.string() }),
  ),
});
const schemas = {
  session: z.object({
    identity: z.object({ kind: z.enum(['email', 'phone']), address: z.string() }),
    organization: z.object({ id: z.string(), name: z.string() }).nullable(),
    notify: z.enum(['all', 'needs_reply']),
    locale: z.string(),
    csrfToken: z.string().nullable().describe('send as X-CSRF-Token on writes; null for a signed bearer token (no CSRF needed)'),
  }),
  list: z.object({
    scope: z.enum(['mine', 'org']),
    status: z.enum(['all', 'awaiting', 'open', 'solved', 'closed']),
    requests: z.array(requestSummary),
  }),
  detail: requestSummary.extend({
    messages: z.array(portalMessage),
    canReply: z.boolean(),
    canMarkSolved: z.boolean(),
    canReopen: z.boolean(),
  }),
  created: z.object({
    status: z.enum(['created', 'appended', 'duplicate', 'ignored']),
    ticketNumber: z.number().int().optional(),
    existingRequest: z.boolean().describe('true: added to the open request with the same category and reference'),
  }),
  replied: z.object({ status: z.enum(['created', 'appended', 'duplicate', 'ignored']), ticketNumber: z.number().int().optional() }),
  status: z.object({ status: z.string() }),
  notify: z.object({ notify: z.enum(['all', 'needs_reply']) }),
};

const auth = {
  '401': err('not signed in (`unauthenticated`), or the signed token is refused (bad signature, expired)'),
};
const csrf = { '403': err('a cookie session without the X-CSRF-Token header (`csrf_failed`)') };
const notFound = { '404': err('no such request, or not one the caller may see (never 403) (`not_found`)') };
const invalid = (what: string) => ({ '400': err(`${what} (\`invalid\`, \`issues\` with each path)`) });
/** A malformed or oversized JSON body is answered by the portal's error page handler in plain text. */
const bodyErrors = { '413': text('JSON body over 200 kB'), '415': text('unsupported charset') };
const badJson = (what: string) => ({
  '400': { description: `${what}; a malformed JSON body is answered in plain text`, content: { ...err('').content, ...text('').content } },
});
const unavailable = { '503': html('no channel can receive portal messages (set portal.requestChannel)') };
const jsonBody = (properties: Record<string, unknown>, required: string[] = []) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
});

export const portalSecuritySchemes = {
  portalSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'ponte_portal',
    description: 'portal session after a sign-in link/code or a signed link',
  },
  portalSigned: {
    type: 'http',
    scheme: 'bearer',
    description: 'base64url("email=…&phone=…&org=…&exp=<unix s>&sig=<hex HMAC-SHA256>") (see README, Customer portal)',
  },
};

export function portalOpenApiPaths(base = '/portal'): Record<string, object> {
  const p = `${base === '/' ? '' : base}/api`;
  return {
    [`${p}/session`]: {
      get: {
        summary: 'Portal: who is signed in, organization, notification choice, CSRF token (cookie sessions)',
        security,
        responses: { '200': ok('the session', schemas.session), ...auth },
      },
    },
    [`${p}/requests`]: {
      get: {
        summary: 'Portal: my requests (or my organization\'s), "awaiting your reply" first',
        security,
        parameters: [
          { name: 'scope', in: 'query', required: false, schema: { enum: ['mine', 'org'], default: 'mine' } },
          {
            name: 'status',
            in: 'query',
            required: false,
            schema: { enum: ['all', 'awaiting', 'open', 'solved', 'closed'], default: 'all' },
          },
        ],
        responses: { '200': ok('requests', schemas.list), ...invalid('unknown status filter'), ...auth },
      },
      post: {
        summary:
          'Portal: open a request (category, title, body, reference, impact, field_<id>); the same category and reference as an open request is added to it',
        security,
        requestBody: jsonBody(
          {
            category: { type: 'string' },
            title: { type: 'string' },
            body: { type: 'string' },
            reference: { type: 'string' },
            impact: { enum: ['normal', 'high', 'urgent'] },
            key: { type: 'string', description: 'idempotency key (10-64 word characters)' },
          },
          ['title', 'body'],
        ),
        responses: {
          '201': ok('received', schemas.created),
          ...badJson('invalid fields (`invalid`, `issues`)'),
          ...auth,
          ...csrf,
          ...bodyErrors,
          ...unavailable,
        },
      },
    },
    [`${p}/requests/{number}`]: {
      get: {
        summary: "Portal: one request with its public thread (no internal notes, no other people's addresses)",
        security,
        parameters: [num],
        responses: { '200': ok('the request', schemas.detail), ...auth, ...notFound },
      },
    },
    [`${p}/requests/{number}/replies`]: {
      post: {
        summary: 'Portal: reply as the customer (received like any customer message)',
        security,
        parameters: [num],
        requestBody: jsonBody({ body: { type: 'string' }, key: { type: 'string' } }, ['body']),
        responses: {
          '202': ok('received', schemas.replied),
          ...badJson('an empty or too long body (`invalid`)'),
          ...auth,
          ...csrf,
          ...notFound,
          '409': err('an organization member who is not on the request (`not_allowed`)'),
          ...bodyErrors,
          ...unavailable,
        },
      },
    },
    [`${p}/requests/{number}/solve`]: {
      post: {
        summary: 'Portal: "this is solved" (when portal.customerMaySolve)',
        security,
        parameters: [num],
        responses: {
          '200': ok('the new status', schemas.status),
          ...auth,
          ...csrf,
          ...notFound,
          '409': err('not available for this request (`not_allowed`)'),
        },
      },
    },
    [`${p}/requests/{number}/reopen`]: {
      post: {
        summary: 'Portal: reopen a solved request (when portal.customerMayReopen)',
        security,
        parameters: [num],
        responses: {
          '200': ok('the new status', schemas.status),
          ...auth,
          ...csrf,
          ...notFound,
          '409': err('not available (closed: reply for a follow-up) (`not_allowed`)'),
        },
      },
    },
    [`${p}/requests/{number}/attachments/{id}`]: {
      get: {
        summary: 'Portal: download an attachment of a public message of this request',
        security,
        parameters: [num, pathParam('id', 'attachment id')],
        responses: {
          '200': {
            description: 'the file (as a download)',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...auth,
          '404': err('no such attachment on a message the caller may see (`not_found`)'),
        },
      },
    },
    [`${p}/preferences`]: {
      put: {
        summary: 'Portal: email on every update (`all`) or only when my answer is needed (`needs_reply`)',
        security,
        requestBody: jsonBody({ notify: { enum: ['all', 'needs_reply'] } }, ['notify']),
        responses: {
          '200': ok('saved', schemas.notify),
          ...badJson('`notify` is not all or needs_reply (`invalid`)'),
          ...auth,
          ...csrf,
          ...bodyErrors,
        },
      },
    },
  };
}
