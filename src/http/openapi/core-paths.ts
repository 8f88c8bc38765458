/**
 * OpenAPI paths of the core agent API (/api tickets, replies, uploads, attachments, channels,
 * agents, audit, contacts, claims) and of the service endpoints (/healthz, /readyz, /metrics,
 * /api/openapi.json): request schemas are the zod objects the routes parse with, response
 * schemas those of response-schemas.ts, and each route lists every error status it can answer.
 */
import {
  auditQuery,
  createAgentBody,
  evidenceBody,
  linkClaimBody,
  linkIdentityBody,
  listContactsQuery,
  listTicketsQuery,
  mergeBody,
  patchAgentBody,
  patchBody,
  patchContactBody,
  replyBody,
  rotateTokenBody,
  uploadQuery,
} from '../schemas.js';
import {
  adminOnly,
  apiErrors,
  binary,
  body,
  bodyErrors,
  conflict,
  err,
  idParam,
  json,
  notFound,
  numberParam,
  ok,
  pathParam,
  queryParams,
  text,
} from './openapi-kit.js';
import * as s from './response-schemas.js';

const withBody = { ...apiErrors, ...bodyErrors };
const agentId = idParam('id', 'agent id');
const contactId = idParam('id', 'contact id');
const claimId = idParam('claimId', 'claim id');

export function corePaths(): Record<string, object> {
  return {
    '/api/openapi.json': {
      get: {
        summary: 'This document (no token needed)',
        security: [],
        responses: {
          '200': {
            description: 'the OpenAPI 3.1 document',
            content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } },
          },
        },
      },
    },
    '/api/tickets': {
      get: {
        summary: 'List tickets (newest first) with filters and cursor pagination',
        parameters: queryParams(listTicketsQuery),
        responses: { '200': ok('a page of tickets', s.ticketListSchema), ...apiErrors },
      },
    },
    '/api/tickets/{number}': {
      get: {
        summary: 'A ticket with its whole thread, attachments, claims, timers and events',
        parameters: [numberParam],
        responses: { '200': ok('the ticket', s.ticketDetailSchema), ...apiErrors, ...notFound('no such ticket') },
      },
      patch: {
        summary: 'Change status, priority, assignee, category, reference or custom fields (null clears)',
        parameters: [numberParam],
        requestBody: body(patchBody),
        responses: {
          '200': ok('the ticket after the change', s.ticketSummarySchema),
          ...withBody,
          ...notFound('no such ticket'),
          ...conflict('a status change the ticket rules forbid (`status_transition`)'),
        },
      },
    },
    '/api/tickets/{number}/replies': {
      post: {
        summary: 'Reply to the customer (public, queued to their channel: 202) or add an internal note (201, never leaves Ponte)',
        parameters: [numberParam],
        requestBody: body(replyBody),
        responses: {
          '201': ok('internal note stored', s.replyAnswerSchema),
          '202': ok('public reply queued for delivery', s.replyAnswerSchema),
          ...withBody,
          '403': err('an upload token of another agent (`upload_not_yours`)'),
          ...notFound('no such ticket'),
          ...conflict(
            'the ticket is closed (`ticket_closed`), no channel reaches the customer (`no_route`), or an upload token already used (`upload_already_used`)',
          ),
        },
      },
    },
    '/api/uploads': {
      post: {
        summary:
          "Upload a file (raw body, its media type as Content-Type); returns an upload token valid 24 h, for the uploading agent only and for one reply's attachments",
        parameters: queryParams(uploadQuery),
        requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
        responses: {
          '201': ok('the upload token and what was stored', s.uploadAnswerSchema),
          ...apiErrors,
          '400': err('no or a bad `filename`, or an empty file (`validation_failed`)'),
          '408': err('the body arrived too slowly'),
          '413': err('over storage.maxAttachmentBytes (`blob_too_large`)'),
        },
      },
    },
    '/api/attachments/{id}': {
      get: {
        summary: 'Download an attachment (Content-Disposition with its safe name, nosniff, sandbox CSP); a missing stored file is a 404',
        parameters: [idParam('id', 'attachment id')],
        responses: {
          '200': binary('the file, with its stored media type', '*/*'),
          ...apiErrors,
          ...notFound('no such attachment, or its stored file is gone'),
        },
      },
    },
    '/api/channels': {
      get: {
        summary: 'Configured channels with kind, capabilities, health and last activity',
        responses: { '200': ok('channels', s.channelsSchema), ...apiErrors },
      },
    },
    '/api/channels/{id}/pairing': {
      get: {
        summary: 'WhatsApp pairing QR (png, svg) or state (json; also when there is no QR to show) (admin)',
        parameters: [
          pathParam('id', 'channel id'),
          { name: 'format', in: 'query', required: false, schema: { enum: ['png', 'svg', 'json'], default: 'png' } },
        ],
        responses: {
          '200': {
            description: 'the QR code, or the pairing state as JSON',
            content: {
              'image/png': { schema: { type: 'string', format: 'binary' } },
              'image/svg+xml': { schema: { type: 'string' } },
              'application/json': { schema: json(s.pairingStateSchema) },
            },
          },
          ...apiErrors,
          ...adminOnly,
          ...notFound('no such channel, or a channel without pairing'),
        },
      },
    },
    '/api/me': {
      get: {
        summary: 'The agent this token belongs to (role, token expiry)',
        responses: { '200': ok('the agent', s.adminAgentSchema), ...apiErrors },
      },
    },
    '/api/me/rotate-token': {
      post: {
        summary: 'Replace your own token; the old one stops working at once, the new one is shown once',
        requestBody: body(rotateTokenBody, false),
        responses: { '200': ok('the agent and its new token', s.agentWithTokenSchema), ...withBody },
      },
    },
    '/api/agents': {
      get: {
        summary:
          'List agents: any agent sees the active ones (id, name, email: to assign tickets); admins see all with phone, role, disabled and token expiry',
        responses: { '200': ok('agents', s.agentListSchema), ...apiErrors },
      },
      post: {
        summary: 'Create an agent, optionally with a token that expires (`expiresInDays`); the token is shown once (admin, audited)',
        requestBody: body(createAgentBody),
        responses: { '201': ok('the agent and its token', s.agentWithTokenSchema), ...withBody, ...adminOnly },
      },
    },
    '/api/agents/{id}': {
      patch: {
        summary: 'Change name, email, phone, role or notification channel (admin, audited)',
        parameters: [agentId],
        requestBody: body(patchAgentBody),
        responses: {
          '200': ok('the agent', s.adminAgentSchema),
          ...withBody,
          ...adminOnly,
          ...notFound('no such agent'),
          ...conflict('the only active admin cannot lose the role (`last_admin`)'),
        },
      },
    },
    '/api/agents/{id}/disable': {
      post: {
        summary: 'Disable an agent: its token answers 401 agent_disabled and no channel treats it as an agent (admin, audited)',
        parameters: [agentId],
        responses: {
          '200': ok('the agent', s.adminAgentSchema),
          ...apiErrors,
          ...adminOnly,
          ...notFound('no such agent'),
          ...conflict('the only active admin cannot be disabled (`last_admin`)'),
        },
      },
    },
    '/api/agents/{id}/enable': {
      post: {
        summary: 'Enable a disabled agent again (admin, audited)',
        parameters: [agentId],
        responses: { '200': ok('the agent', s.adminAgentSchema), ...apiErrors, ...adminOnly, ...notFound('no such agent') },
      },
    },
    '/api/agents/{id}/rotate-token': {
      post: {
        summary: "Replace an agent's token; the old one stops working at once, the new one is shown once (admin, audited)",
        parameters: [agentId],
        requestBody: body(rotateTokenBody, false),
        responses: {
          '200': ok('the agent and its new token', s.agentWithTokenSchema),
          ...withBody,
          ...adminOnly,
          ...notFound('no such agent'),
        },
      },
    },
    '/api/audit': {
      get: {
        summary: 'The audit log, newest first: actor, action, target, time, detail (evidence) (admin)',
        parameters: queryParams(auditQuery),
        responses: { '200': ok('a page of entries', s.auditListSchema), ...apiErrors, ...adminOnly },
      },
    },
    '/api/contacts': {
      get: {
        summary: 'List contacts (newest first) by text or exact identity, with their identities; cursor pagination',
        parameters: queryParams(listContactsQuery),
        responses: { '200': ok('a page of contacts', s.contactListSchema), ...apiErrors },
      },
    },
    '/api/contacts/{id}': {
      get: {
        summary: 'A contact with identities, tickets (as requester), the claims made on those tickets and merges into it',
        parameters: [contactId],
        responses: { '200': ok('the contact', s.contactDetailSchema), ...apiErrors, ...notFound('no such contact') },
      },
      patch: {
        summary: 'Change name or locale (audited)',
        parameters: [contactId],
        requestBody: body(patchContactBody),
        responses: { '200': ok('the contact', s.contactSchema), ...withBody, ...notFound('no such contact') },
      },
    },
    '/api/contacts/{id}/identities': {
      post: {
        summary: 'Link an identity the agent verified, with `evidence` (audited): 201 linked, 200 already theirs',
        parameters: [contactId],
        requestBody: body(linkIdentityBody),
        responses: {
          '200': ok('already theirs', s.linkIdentityAnswerSchema),
          '201': ok('linked', s.linkIdentityAnswerSchema),
          ...withBody,
          ...notFound('no such contact'),
          ...conflict('another contact owns it (`identity_owned_by_other_contact`, details.ownerContactId): merge them instead'),
        },
      },
    },
    '/api/contacts/{id}/identities/{identityId}': {
      delete: {
        summary: 'Unlink an identity, with `evidence` in the body or the query (audited)',
        parameters: [
          contactId,
          idParam('identityId', 'identity id'),
          { name: 'evidence', in: 'query', required: false, schema: { type: 'string' } },
        ],
        requestBody: body(evidenceBody, false),
        responses: {
          '200': ok('the identity removed', s.unlinkAnswerSchema),
          ...withBody,
          ...notFound('no such identity on this contact'),
        },
      },
    },
    '/api/contacts/{id}/merge': {
      post: {
        summary:
          'Merge contact `from` into this one, with `evidence`: identities, tickets, participation and authorship move; recorded so it can be undone (audited)',
        parameters: [contactId],
        requestBody: body(mergeBody),
        responses: {
          '200': ok('the merge and the contact kept', s.mergeAnswerSchema),
          ...withBody,
          ...notFound('no such contact (either one)'),
        },
      },
    },
    '/api/contacts/merges/{mergeId}/undo': {
      post: {
        summary: 'Undo a merge: the merged contact comes back under its id with what moved (audited)',
        parameters: [idParam('mergeId', 'merge id')],
        responses: {
          '200': ok('what came back and what stayed', s.undoMergeAnswerSchema),
          ...apiErrors,
          ...notFound('no such merge'),
          ...conflict(
            'already undone (`merge_already_undone`), the kept contact was merged again since (`merge_superseded`), or the merged contact exists again (`merge_not_undoable`)',
          ),
        },
      },
    },
    '/api/tickets/{number}/claims/{claimId}/link': {
      post: {
        summary:
          'Link an identity a sender claimed on the ticket (typed, not proven) to the requester, or to `contactId`, with `evidence` (audited): 201 linked, 200 already linked there',
        parameters: [numberParam, claimId],
        requestBody: body(linkClaimBody),
        responses: {
          '200': ok('already linked', s.linkClaimAnswerSchema),
          '201': ok('linked', s.linkClaimAnswerSchema),
          ...withBody,
          ...notFound('no such ticket, claim or contact'),
          ...conflict('another contact owns the identity, or the claim is linked to another contact (`claim_already_linked`)'),
        },
      },
    },
    '/api/tickets/{number}/claims/{claimId}/verify': {
      post: {
        summary:
          'Ask the person behind a claimed identity to prove it: a one-time code goes to that identity; their reply with the code links it to the requester',
        parameters: [numberParam, claimId],
        responses: {
          '202': ok('the code is queued', s.claimCodeAnswerSchema),
          ...apiErrors,
          ...notFound('no such ticket or claim'),
          ...conflict(
            'the claim is already linked (`claim_already_linked`) or no configured channel can deliver to it (`no_channel_for_claim`)',
          ),
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness: 200 while the process answers; `degraded` with every reason (a channel that cannot log in or send)',
        security: [],
        responses: { '200': ok('alive', s.healthSchema), '503': ok('the database is unreachable', s.healthSchema) },
      },
    },
    '/readyz': {
      get: {
        summary: 'Readiness: the database is reachable and migrated; channel problems are reported, not fatal',
        security: [],
        responses: {
          '200': ok('ready', s.readinessSchema),
          '503': ok('not ready (database unreachable or migrations pending)', s.readinessSchema),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        responses: { '200': text('metrics'), '500': err('metrics could not be collected') },
      },
    },
  };
}
