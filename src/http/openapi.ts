/** OpenAPI 3.1 document generated from the same zod schemas the routes validate with. */
import { z } from 'zod';
import { portalOpenApiPaths, portalSecuritySchemes } from '../web/portal/portal-openapi.js';
import { withIntegrationPaths } from './integrations-openapi.js';
import { auditQuery, createAgentBody, errorResponse, evidenceBody, linkClaimBody, linkIdentityBody, listContactsQuery, listTicketsQuery, mergeBody, patchAgentBody, patchBody, patchContactBody, replyBody, rotateTokenBody } from './schemas.js';

function queryParams(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });
const errors = {
  '400': { description: 'invalid input; `issues` lists every bad field with its path', content: { 'application/json': { schema: z.toJSONSchema(errorResponse) } } },
  '401': { description: 'missing or unknown bearer token (`unauthenticated`), a disabled agent (`agent_disabled`) or an expired token (`token_expired`)' },
  '404': { description: 'not found' },
};
const idIn = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' }, description });
const adminOnly = { '403': { description: 'admin only' } };
const conflict = (description: string) => ({ '409': { description: `${description}; \`reason\` says which, \`details\` what to act on` } });
const numberParam = { name: 'number', in: 'path', required: true, schema: { type: 'integer' }, description: 'ticket number, e.g. 10001' };

let cached: object | undefined;

export function buildOpenApi(): object {
  cached ??= withIntegrationPaths({
    openapi: '3.1.0',
    info: { title: 'Ponte agent API', version: '0.1.0', description: 'Tickets, threads and replies across email, WhatsApp and web forms.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, ...portalSecuritySchemes } },
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
          responses: { '202': { description: 'queued for delivery' }, '201': { description: 'internal note stored' }, '403': { description: "an upload token of another agent (`upload_not_yours`)" }, '409': { description: 'ticket closed, customer unreachable, or an upload token already used (`upload_already_used`)' }, ...errors },
        },
      },
      '/api/uploads': {
        post: {
          summary: "Upload a file (raw body, its media type as Content-Type); returns an upload token valid 24 h, for the uploading agent only and for one reply's attachments",
          parameters: [{ name: 'filename', in: 'query', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
          responses: { '201': { description: '{ upload, filename, contentType, size, expiresAt }' }, '413': { description: 'over storage.maxAttachmentBytes' }, ...errors },
        },
      },
      '/api/attachments/{id}': { get: { summary: 'Download an attachment (Content-Disposition with its safe name, nosniff); a missing stored file is a 404', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the file' }, ...errors } } },
      '/api/channels': { get: { summary: 'Configured channels with kind, health and last activity', responses: { '200': { description: '{ channels }' } } } },
      '/api/channels/{id}/pairing': { get: { summary: 'WhatsApp pairing QR (png, svg) or state (json); admin only', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'format', in: 'query', schema: { enum: ['png', 'svg', 'json'] } }], responses: { '200': { description: 'QR image or JSON' }, '403': { description: 'admin only' }, ...errors } } },
      '/api/me': { get: { summary: 'The agent this token belongs to (role, token expiry)', responses: { '200': { description: 'agent' }, ...errors } } },
      '/api/me/rotate-token': { post: { summary: 'Replace your own token; the old one stops working at once, the new one is shown once', requestBody: body(rotateTokenBody), responses: { '200': { description: '{ agent, token }' }, ...errors } } },
      '/api/agents': {
        get: { summary: 'List agents: any agent sees the active ones (id, name, email: to assign tickets); admins see all with phone, role, disabled and token expiry', responses: { '200': { description: '{ agents }' }, ...errors } },
        post: { summary: 'Create an agent, optionally with a token that expires (`expiresInDays`); the token is shown once (admin, audited)', requestBody: body(createAgentBody), responses: { '201': { description: '{ agent, token }' }, ...adminOnly, ...errors } },
      },
      '/api/agents/{id}': { patch: { summary: 'Change name, email, phone, role or notification channel (admin, audited)', parameters: [idIn('id', 'agent id')], requestBody: body(patchAgentBody), responses: { '200': { description: 'agent' }, ...adminOnly, ...conflict('the only active admin cannot lose the role (`last_admin`)'), ...errors } } },
      '/api/agents/{id}/disable': { post: { summary: 'Disable an agent: its token answers 401 agent_disabled and no channel treats it as an agent (admin, audited)', parameters: [idIn('id', 'agent id')], responses: { '200': { description: 'agent' }, ...adminOnly, ...conflict('the only active admin cannot be disabled (`last_admin`)'), ...errors } } },
      '/api/agents/{id}/enable': { post: { summary: 'Enable a disabled agent again (admin, audited)', parameters: [idIn('id', 'agent id')], responses: { '200': { description: 'agent' }, ...adminOnly, ...errors } } },
      '/api/agents/{id}/rotate-token': { post: { summary: "Replace an agent's token; the old one stops working at once, the new one is shown once (admin, audited)", parameters: [idIn('id', 'agent id')], requestBody: body(rotateTokenBody), responses: { '200': { description: '{ agent, token }' }, ...adminOnly, ...errors } } },
      '/api/audit': { get: { summary: 'The audit log, newest first: actor, action, target, time, detail (evidence) (admin)', parameters: queryParams(auditQuery), responses: { '200': { description: '{ entries, nextCursor }' }, ...adminOnly, ...errors } } },
      '/api/contacts': { get: { summary: 'List contacts (newest first) by text or exact identity, with their identities; cursor pagination', parameters: queryParams(listContactsQuery), responses: { '200': { description: '{ contacts, nextCursor }' }, ...errors } } },
      '/api/contacts/{id}': {
        get: { summary: 'A contact with identities, tickets (as requester), the claims made on those tickets and merges into it', parameters: [idIn('id', 'contact id')], responses: { '200': { description: 'contact' }, ...errors } },
        patch: { summary: 'Change name or locale (audited)', parameters: [idIn('id', 'contact id')], requestBody: body(patchContactBody), responses: { '200': { description: 'contact' }, ...errors } },
      },
      '/api/contacts/{id}/identities': {
        post: {
          summary: 'Link an identity the agent verified, with `evidence` (audited): 201 linked, 200 already theirs',
          parameters: [idIn('id', 'contact id')],
          requestBody: body(linkIdentityBody),
          responses: { '201': { description: '{ identity, created }' }, ...conflict('another contact owns it (`identity_owned_by_other_contact`, details.ownerContactId): merge them instead'), ...errors },
        },
      },
      '/api/contacts/{id}/identities/{identityId}': {
        delete: { summary: 'Unlink an identity, with `evidence` in the body or the query (audited)', parameters: [idIn('id', 'contact id'), idIn('identityId', 'identity id'), { name: 'evidence', in: 'query', schema: { type: 'string' } }], requestBody: { ...body(evidenceBody), required: false }, responses: { '200': { description: '{ unlinked }' }, ...errors } },
      },
      '/api/contacts/{id}/merge': {
        post: { summary: 'Merge contact `from` into this one, with `evidence`: identities, tickets, participation and authorship move; recorded so it can be undone (audited)', parameters: [idIn('id', 'contact id')], requestBody: body(mergeBody), responses: { '200': { description: '{ merge, contact }' }, ...errors } },
      },
      '/api/contacts/merges/{mergeId}/undo': {
        post: { summary: 'Undo a merge: the merged contact comes back under its id with what moved (audited)', parameters: [idIn('mergeId', 'merge id')], responses: { '200': { description: '{ merge, restored, keptElsewhere }' }, ...conflict('already undone, or the kept contact was merged again since'), ...errors } },
      },
      '/api/tickets/{number}/claims/{claimId}/link': {
        post: {
          summary: "Link an identity a sender claimed on the ticket (typed, not proven) to the requester, or to `contactId`, with `evidence` (audited)",
          parameters: [numberParam, idIn('claimId', 'claim id')],
          requestBody: body(linkClaimBody),
          responses: { '201': { description: '{ claim, identity, created }' }, ...conflict('another contact owns the identity, or the claim is linked to another contact'), ...errors },
        },
      },
      '/api/tickets/{number}/claims/{claimId}/verify': {
        post: {
          summary: 'Ask the person behind a claimed identity to prove it: a one-time code goes to that identity; their reply with the code links it to the requester',
          parameters: [numberParam, idIn('claimId', 'claim id')],
          responses: { '202': { description: '{ sent, channel, to, expiresAt }' }, ...conflict('the claim is already linked (`claim_already_linked`) or no configured channel can deliver to it (`no_channel_for_claim`)'), ...errors },
        },
      },
      ...portalOpenApiPaths(),
      '/healthz': { get: { summary: 'Liveness and channel health', security: [], responses: { '200': { description: 'ok' }, '503': { description: 'database unreachable' } } } },
    },
  });
  return cached;
}
