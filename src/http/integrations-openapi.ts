/**
 * OpenAPI paths of the integration routes (webhooks, erasure, proactive tickets) and of the
 * channels' `/hooks/*` endpoints, with a response schema for every success and every error status
 * each can answer. Merged into the document by openapi.ts; test/integrations checks real answers
 * against it.
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-config.js';
import { eraseQuery, erasuresQuery } from './erasure-routes.js';
import { newTicketBody } from './proactive-routes.js';
import { apiErrors, body, bodyErrors, err, errorBodySchema, html, ok, pathParam, queryParams, text } from './openapi/openapi-kit.js';
import { ticketSummarySchema } from './openapi/response-schemas.js';
import { createWebhookBody, deliveriesQuery, patchWebhookBody } from './webhooks-routes.js';

const subscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  source: z.enum(['config', 'api']),
  active: z.boolean(),
  createdAt: z.number(),
});
const deliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  subscriptionId: z.string(),
  status: z.enum(['pending', 'sending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.number().nullable(),
  createdAt: z.number(),
  deliveredAt: z.number().nullable(),
});
const count = z.number().int().nonnegative();
const receiptSchema = z.object({
  id: z.string(),
  contactId: z.string(),
  scope: z.enum(['tickets', 'messages']),
  actor: z.object({ type: z.enum(['agent', 'system', 'cli']), id: z.string().nullable() }),
  createdAt: z.number(),
  removed: z.object({
    tickets: count,
    messages: count,
    attachments: count,
    tombstones: count,
    outbox: count,
    webhookEvents: count,
    webhookDeliveries: count,
    inboundReceipts: count,
    identities: count,
    claims: count,
    portalSessions: count,
    blobs: count,
    auditEntriesRedacted: count,
    merges: count,
  }),
});
/** What a form post answers (channels/webform/form-answer.ts): a ticket is named only to the submission that created it, or when the form discloses more. */
const formCreated = z.object({
  ticketNumber: z.number().int(),
  status: z.string(),
  outcome: z.literal('created'),
  created: z.literal(true),
});
const formReceived = z.union([
  z.object({
    ticketNumber: z.number().int(),
    status: z.string(),
    outcome: z.enum(['appended', 'duplicate']),
    created: z.literal(false),
    matchedBy: z.string().optional(),
  }),
  z.object({ outcome: z.literal('received'), created: z.literal(false), message: z.string() }),
  z
    .object({ status: z.literal('received'), created: z.literal(true) })
    .describe('the answer a bot filling the honeypot gets (nothing stored)'),
]);
const formIgnored = z.object({ status: z.literal('ignored'), created: z.literal(false) });

export const integrationSchemas = { errorBodySchema, subscriptionSchema, deliverySchema, receiptSchema };

/** Admin routes: a token that is missing or refused (401), not an admin (403). */
const auth = { ...apiErrors, '403': err('admin only (`forbidden`)') };
const bad = bodyErrors;

export function integrationOpenApiPaths(): Record<string, object> {
  return {
    '/api/webhooks': {
      get: {
        summary: 'Webhook subscriptions (config and API); secrets are never listed (admin)',
        responses: { '200': ok('subscriptions', z.object({ subscriptions: z.array(subscriptionSchema) })), ...auth },
      },
      post: {
        summary: `Subscribe a URL to events (${WEBHOOK_EVENT_TYPES.join(', ')} or *); deliveries are signed (Standard Webhooks); the secret is shown once (admin, audited)`,
        requestBody: body(createWebhookBody),
        responses: {
          '201': ok('the subscription and its secret', z.object({ subscription: subscriptionSchema, secret: z.string() })),
          ...bad,
          ...auth,
        },
      },
    },
    '/api/webhooks/{id}': {
      patch: {
        summary: 'Change URL, events, description, or pause (active: false) an API subscription (admin, audited)',
        parameters: [pathParam('id', 'subscription id')],
        requestBody: body(patchWebhookBody),
        responses: {
          '200': ok('subscription', z.object({ subscription: subscriptionSchema })),
          ...bad,
          ...auth,
          '404': err('no such subscription'),
          '409': err('a subscription from the config file (`config_subscription`)'),
        },
      },
      delete: {
        summary: 'Delete an API subscription and its delivery log (admin, audited)',
        parameters: [pathParam('id', 'subscription id')],
        responses: {
          '204': { description: 'deleted' },
          ...bad,
          ...auth,
          '404': err('no such subscription'),
          '409': err('a subscription from the config file (`config_subscription`)'),
        },
      },
    },
    '/api/webhooks/{id}/deliveries': {
      get: {
        summary: 'The delivery log of a subscription, newest first: attempts, last HTTP status, last error (admin)',
        parameters: [pathParam('id', 'subscription id'), ...queryParams(deliveriesQuery)],
        responses: {
          '200': ok('deliveries', z.object({ deliveries: z.array(deliverySchema), nextCursor: z.string().nullable() })),
          ...bad,
          ...auth,
          '404': err('no such subscription'),
        },
      },
    },
    '/api/webhooks/deliveries/{id}/redeliver': {
      post: {
        summary: 'Queue the same event again (same webhook-id) to the same subscription (admin, audited)',
        parameters: [pathParam('id', 'delivery id')],
        responses: {
          '202': ok('the new delivery', z.object({ delivery: z.object({ id: z.string(), status: z.literal('pending') }) })),
          ...bad,
          ...auth,
          '404': err('no such delivery'),
        },
      },
    },
    '/api/erasures': {
      get: {
        summary: 'Erasure receipts: what was removed, when, by whom (counts only) (admin)',
        parameters: queryParams(erasuresQuery),
        responses: { '200': ok('receipts', z.object({ receipts: z.array(receiptSchema) })), ...bad, ...auth },
      },
    },
    '/hooks/forms/{formId}': {
      description: 'Any other method answers 405 (`method_not_allowed`, Allow: POST[, OPTIONS]).',
      post: {
        summary:
          'A web form submission (public, or signed by the merchant server); JSON or multipart. Browsers asking for HTML get a page (or the configured redirect) instead of JSON.',
        security: [],
        parameters: [pathParam('formId', 'the webform channel id')],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'object' } },
            'multipart/form-data': { schema: { type: 'object' } },
            'application/x-www-form-urlencoded': { schema: { type: 'object' } },
          },
        },
        responses: {
          '200': {
            ...ok('received: added to an existing ticket, a duplicate, or nothing disclosed to an unproven submitter', formReceived),
            content: {
              ...ok('', formReceived).content,
              ...html('a plain HTML form (Accept: text/html): a localized thank-you page').content,
            },
          },
          '201': { ...ok('a ticket was created', formCreated), content: { ...ok('', formCreated).content, ...html('').content } },
          '202': ok('accepted and ignored (the core ignores the message)', formIgnored),
          '303': {
            description:
              'a plain HTML form with `redirect` configured: to the success URL (`?ticket=N` when one was created) or the error URL (`?error=code`)',
          },
          '400': {
            ...err('malformed body, invalid content type or idempotency key, or invalid fields (`validation_failed`, `issues` names each)'),
            content: { ...err('').content, ...html('a plain HTML form: a localized error page').content },
          },
          '401': err('signed form: missing or malformed signature headers, a timestamp outside the window, or a wrong signature'),
          '403': err('public form: origin not allowed (`origin_not_allowed`)'),
          '408': err('the body arrived too slowly (`request_timeout`)'),
          '413': err('body, a field, a file or the number of fields or files over the limits'),
          '415': err('unsupported media type, charset, content encoding or attachment type'),
          '429': err('too many submissions from this address or to this form (`rate_limited`, Retry-After)'),
          '503': err('could not store the submission; retry later (`unavailable`, Retry-After)'),
        },
      },
      options: {
        summary: 'CORS preflight of a public form',
        security: [],
        parameters: [pathParam('formId', 'the webform channel id')],
        responses: {
          '204': { description: 'origin allowed (CORS headers)' },
          '403': err('origin not allowed (`origin_not_allowed`)'),
          '405': err('a signed form: posted server to server, no preflight (`method_not_allowed`)'),
        },
      },
    },
    '/hooks/whatsapp-cloud/{channelId}': {
      get: {
        summary: "Meta's webhook verification handshake (hub.mode, hub.verify_token, hub.challenge)",
        security: [],
        parameters: [pathParam('channelId', 'the whatsapp-cloud channel id')],
        responses: {
          '200': text('the challenge'),
          '400': text('hub.challenge has unexpected characters'),
          '403': text('verification refused (mode or verify token)'),
        },
      },
      post: {
        summary: 'WhatsApp Cloud API webhook events, checked against X-Hub-Signature-256 before anything is stored',
        security: [],
        parameters: [pathParam('channelId', 'the whatsapp-cloud channel id')],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': ok('stored', z.object({ received: z.literal(true) })),
          '400': err('body is not valid JSON'),
          '401': err('invalid signature'),
          '408': err('the body arrived too slowly'),
          '413': err('body too large (`payload_too_large`)'),
          '500': err('raw body unavailable'),
          '503': err('could not store; Meta retries'),
        },
      },
    },
  };
}

/** Operations added to paths the core document already has (DELETE /api/contacts/{id}, POST /api/tickets). */
export function integrationOperations(): Record<string, Record<string, object>> {
  return {
    '/api/contacts/{id}': {
      delete: {
        summary:
          'LGPD erasure of a person: their tickets (scope=tickets, default from retention.erasureScope) or only their messages (scope=messages), identities, raw payloads, attachments and unreferenced blobs, outbox and webhook logs; tombstones stop re-imports; returns and stores the receipt (admin, audited)',
        parameters: [pathParam('id', 'contact id'), ...queryParams(eraseQuery)],
        responses: {
          '200': ok('the erasure receipt', z.object({ receipt: receiptSchema })),
          ...bad,
          ...auth,
          '404': err('no such contact'),
        },
      },
    },
    '/api/tickets': {
      post: {
        summary:
          'Start a ticket: the agent writes first to a contact (contactId) or a typed address, on a chosen channel; `template` for WhatsApp outside the 24-hour window (audited)',
        requestBody: body(newTicketBody),
        responses: {
          '201': ok(
            'ticket, queued message and contact',
            z.object({
              ticket: ticketSummarySchema,
              message: z.object({ id: z.string(), deliveryStatus: z.literal('queued'), channel: z.string() }),
              contact: z.object({ id: z.string(), created: z.boolean() }),
            }),
          ),
          ...bad,
          '401': err('missing, unknown, disabled or expired token'),
          '409': err('the contact has no identity the channel can reach (`no_route`)'),
        },
      },
    },
  };
}

/** Adds the integration paths and operations to the core document (one call in openapi.ts). */
export function withIntegrationPaths<T extends { paths: Record<string, object> }>(doc: T): T {
  const paths: Record<string, object> = { ...doc.paths, ...integrationOpenApiPaths() };
  for (const [path, ops] of Object.entries(integrationOperations())) paths[path] = { ...(paths[path] ?? {}), ...ops };
  return { ...doc, paths };
}
