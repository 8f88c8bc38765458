/**
 * The /portal/api paths for the OpenAPI document (src/http/openapi.ts merges them into `paths`).
 * Auth: the portal session cookie (writes need X-CSRF-Token from GET /portal/api/session) or a
 * merchant-signed bearer token (base64url of a signed link's query).
 */
const num = { name: 'number', in: 'path', required: true, schema: { type: 'integer' }, description: 'request (ticket) number' };
const security = [{ portalSession: [] }, { portalSigned: [] }];
const err = {
  '401': { description: 'not signed in, or the signed token is refused (bad signature, expired)' },
  '403': { description: 'cookie session without the X-CSRF-Token header (`csrf_failed`)' },
  '404': { description: 'no such request, or not one the caller may see (never 403)' },
};
const json = (properties: Record<string, unknown>, required: string[] = []) => ({ required: true, content: { 'application/json': { schema: { type: 'object', properties, required } } } });

export const portalSecuritySchemes = {
  portalSession: { type: 'apiKey', in: 'cookie', name: 'ponte_portal', description: 'portal session after a sign-in link/code or a signed link' },
  portalSigned: { type: 'http', scheme: 'bearer', description: 'base64url("email=…&phone=…&org=…&exp=<unix s>&sig=<hex HMAC-SHA256>") (see README, Customer portal)' },
};

export function portalOpenApiPaths(base = '/portal'): Record<string, object> {
  const p = `${base}/api`;
  return {
    [`${p}/session`]: { get: { summary: 'Portal: who is signed in, organization, notification choice, CSRF token (cookie sessions)', security, responses: { '200': { description: '{ identity, organization, notify, locale, csrfToken }' }, ...err } } },
    [`${p}/requests`]: {
      get: {
        summary: 'Portal: my requests (or my organization\'s), "awaiting your reply" first',
        security,
        parameters: [
          { name: 'scope', in: 'query', schema: { enum: ['mine', 'org'] } },
          { name: 'status', in: 'query', schema: { enum: ['all', 'awaiting', 'open', 'solved', 'closed'] } },
        ],
        responses: { '200': { description: '{ scope, status, requests: [{ number, subject, reference, category, status, statusLabel, awaitingYourReply, createdAt, lastActivityAt, mine }] }' }, '400': { description: 'unknown status filter' }, ...err },
      },
      post: {
        summary: "Portal: open a request (category, title, body, reference, impact, field_<id>); the same category and reference as an open request is added to it",
        security,
        requestBody: json({ category: { type: 'string' }, title: { type: 'string' }, body: { type: 'string' }, reference: { type: 'string' }, impact: { enum: ['normal', 'high', 'urgent'] }, key: { type: 'string', description: 'idempotency key (10-64 word characters)' } }, ['title', 'body']),
        responses: { '201': { description: '{ status, ticketNumber, existingRequest }' }, '400': { description: '`invalid` with `issues`' }, ...err },
      },
    },
    [`${p}/requests/{number}`]: { get: { summary: 'Portal: one request with its public thread (no internal notes, no other people\'s addresses)', security, parameters: [num], responses: { '200': { description: 'request with messages, canReply, canMarkSolved, canReopen' }, ...err } } },
    [`${p}/requests/{number}/replies`]: { post: { summary: 'Portal: reply as the customer (received like any customer message)', security, parameters: [num], requestBody: json({ body: { type: 'string' }, key: { type: 'string' } }, ['body']), responses: { '202': { description: '{ status, ticketNumber }' }, '409': { description: 'an organization member who is not on the request' }, ...err } } },
    [`${p}/requests/{number}/solve`]: { post: { summary: 'Portal: "this is solved" (when portal.customerMaySolve)', security, parameters: [num], responses: { '200': { description: '{ status }' }, '409': { description: 'not available' }, ...err } } },
    [`${p}/requests/{number}/reopen`]: { post: { summary: 'Portal: reopen a solved request (when portal.customerMayReopen)', security, parameters: [num], responses: { '200': { description: '{ status }' }, '409': { description: 'not available (closed: reply for a follow-up)' }, ...err } } },
    [`${p}/requests/{number}/attachments/{id}`]: { get: { summary: 'Portal: download an attachment of a public message of this request', security, parameters: [num, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the file' }, ...err } } },
    [`${p}/preferences`]: { put: { summary: 'Portal: email on every update (`all`) or only when my answer is needed (`needs_reply`)', security, requestBody: json({ notify: { enum: ['all', 'needs_reply'] } }, ['notify']), responses: { '200': { description: '{ notify }' }, '400': { description: 'invalid' }, ...err } } },
  };
}
