/**
 * The bodies the agent API answers with, as zod schemas for the OpenAPI document. They mirror
 * the views in src/tickets/ticket-view.ts, src/http/*-routes.ts and the repositories' records;
 * objects are closed (`additionalProperties: false`), so a field added to a view without its
 * description here fails test/integrations/openapi-conformance.test.ts.
 */
import { z } from 'zod';
import { DELIVERY_STATUSES, PRIORITIES, TICKET_STATUSES } from '../../domain/model.js';

const time = z.number().describe('milliseconds since the epoch');
const maybeTime = time.nullable();
const id = z.string();
const cursor = z.string().nullable().describe('pass as `cursor` for the next page; null on the last page');

export const ticketSummarySchema = z.object({
  number: z.number().int(),
  id,
  subject: z.string(),
  status: z.enum(TICKET_STATUSES),
  statusLabel: z.string().describe("the status in the ticket's language (tickets.statusLabels)"),
  priority: z.enum(PRIORITIES),
  category: z.string().nullable(),
  reference: z.string().nullable(),
  origin: z.string().nullable(),
  customFields: z.record(z.string(), z.string()),
  requesterId: id,
  assigneeId: id.nullable(),
  originChannel: z.string(),
  lastCustomerChannel: z.string(),
  locale: z.string(),
  mentionedTicketNumber: z.number().int().nullable(),
  followUpOf: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
  firstResponseAt: maybeTime,
  solvedAt: maybeTime,
  closedAt: maybeTime,
  firstResponseDueAt: maybeTime,
  nextResponseDueAt: maybeTime,
});

const identitySchema = z.object({ kind: z.string(), address: z.string() });
export const claimSchema = z.object({
  id,
  kind: z.string(),
  address: z.string(),
  displayName: z.string().nullable(),
  createdAt: time,
  linkedContactId: id.nullable(),
  linkedAt: maybeTime,
  linkedBy: z.string().nullable(),
});
const attachmentSchema = z.object({
  id,
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  contentId: z.string().nullable(),
  inline: z.boolean(),
  variant: z.string().nullable(),
  url: z.string(),
});
const messageSchema = z.object({
  id,
  direction: z.enum(['in', 'out']),
  visibility: z.enum(['public', 'internal']),
  authorType: z.enum(['customer', 'agent', 'system']),
  authorAgentId: id.nullable(),
  purpose: z.string(),
  channel: z.string().nullable(),
  externalId: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  subject: z.string().nullable(),
  text: z.string().nullable(),
  html: z.string().nullable(),
  replyText: z.string().nullable(),
  quotedText: z.string().nullable(),
  classification: z.string(),
  deliveryStatus: z.enum(DELIVERY_STATUSES).nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  matchedBy: z.string().nullable(),
  parseError: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  reactions: z.array(z.unknown()),
  editedAt: maybeTime,
  revokedAt: maybeTime,
  createdAt: time,
  sentAt: maybeTime,
  deliveredAt: maybeTime,
  readAt: maybeTime,
  attachments: z.array(attachmentSchema),
});
export const ticketDetailSchema = ticketSummarySchema.extend({
  requester: z
    .object({ id, name: z.string().nullable(), identities: z.array(identitySchema) })
    .describe('proven identities of the requester'),
  claims: z.array(claimSchema).describe('what senders typed and nobody proved'),
  timers: z.array(z.object({ kind: z.string(), firesAt: time })),
  messages: z.array(messageSchema),
  events: z.array(
    z.object({
      type: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      actorType: z.string().nullable(),
      actorId: z.string().nullable(),
      at: time,
    }),
  ),
});
export const ticketListSchema = z.object({ tickets: z.array(ticketSummarySchema), nextCursor: cursor });

export const replyAnswerSchema = z.object({
  message: z.object({
    id,
    visibility: z.enum(['public', 'internal']),
    deliveryStatus: z.enum(DELIVERY_STATUSES).nullable(),
    channel: z.string().nullable(),
  }),
  ticketNumber: z.number().int(),
});

export const uploadAnswerSchema = z.object({
  upload: z.string().describe("the upload token: put it in a reply's `attachments`"),
  filename: z.string().describe('the safe display name'),
  originalFilename: z.string(),
  contentType: z.string(),
  declaredContentType: z.string().nullable(),
  size: z.number().int(),
  expiresAt: time,
  singleUse: z.literal(true),
});

const channelHealthState = z.string().describe('e.g. starting, connected, idle, degraded, auth_failed, needs_pairing, stopped');
export const channelsSchema = z.object({
  channels: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      enabled: z.boolean(),
      capabilities: z.looseObject({ inbound: z.string(), canSend: z.boolean(), threading: z.string() }),
      health: channelHealthState,
      lastActivityAt: maybeTime,
      lastError: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});
export const pairingStateSchema = z.object({ state: z.string(), pairingCode: z.string().nullable(), hasQr: z.boolean(), updatedAt: time });

export const publicAgentSchema = z.object({ id, name: z.string(), email: z.string().nullable() });
export const adminAgentSchema = z.object({
  id,
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  role: z.enum(['agent', 'admin']),
  notifyChannel: z.string().nullable(),
  disabled: z.boolean(),
  tokenExpiresAt: maybeTime,
});
export const agentListSchema = z.object({
  agents: z
    .array(z.union([adminAgentSchema, publicAgentSchema]))
    .describe('admins get the full view of every agent; agents the public view of active ones'),
});
export const agentWithTokenSchema = z.object({ agent: adminAgentSchema, token: z.string().describe('shown once') });
export const auditListSchema = z.object({
  entries: z.array(
    z.object({
      id,
      actor: z.object({ type: z.enum(['agent', 'system', 'cli']), id: z.string().nullable() }),
      action: z.string(),
      target: z.object({ type: z.string(), id: z.string() }),
      detail: z.record(z.string(), z.unknown()),
      createdAt: time,
    }),
  ),
  nextCursor: cursor,
});

const contactRecord = { id, name: z.string().nullable(), locale: z.string().nullable(), createdAt: time, updatedAt: time };
export const contactIdentitySchema = z.object({ id, kind: z.string(), address: z.string(), createdAt: time });
export const contactSchema = z.object(contactRecord);
export const contactWithIdentitiesSchema = z.object({ ...contactRecord, identities: z.array(contactIdentitySchema) });
const moved = z.object({
  identities: z.number().int(),
  tickets: z.number().int(),
  participations: z.number().int(),
  messages: z.number().int(),
  claims: z.number().int(),
});
export const mergeSchema = z.object({
  id,
  keptContactId: id,
  droppedContactId: id,
  evidence: z.string(),
  actorId: z.string(),
  createdAt: time,
  undoneAt: maybeTime,
  undoneBy: z.string().nullable(),
  moved,
});
export const contactListSchema = z.object({ contacts: z.array(contactWithIdentitiesSchema), nextCursor: cursor });
export const contactDetailSchema = contactWithIdentitiesSchema.extend({
  tickets: z.array(ticketSummarySchema).describe('as requester, newest first (200 at most)'),
  claims: z.array(claimSchema.extend({ ticketNumber: z.number().int() })),
  merges: z.array(mergeSchema),
});
export const linkIdentityAnswerSchema = z.object({ identity: contactIdentitySchema, created: z.boolean() });
export const unlinkAnswerSchema = z.object({ unlinked: contactIdentitySchema });
export const mergeAnswerSchema = z.object({ merge: mergeSchema, contact: contactWithIdentitiesSchema });
export const undoMergeAnswerSchema = z.object({
  merge: mergeSchema,
  restored: moved,
  keptElsewhere: z.object({ identities: z.array(z.string()), tickets: z.array(z.string()) }),
});
export const linkClaimAnswerSchema = z.object({ claim: claimSchema, identity: contactIdentitySchema, created: z.boolean() });
export const claimCodeAnswerSchema = z.object({ sent: z.literal(true), channel: z.string(), to: z.string(), expiresAt: time });

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  reasons: z.array(z.string()),
  database: z.enum(['ok', 'unreachable']),
  channels: z.record(z.string(), channelHealthState),
});
export const readinessSchema = z.object({
  ready: z.boolean(),
  status: z.enum(['ok', 'degraded']),
  reasons: z.array(z.string()),
  database: z.enum(['ok', 'unreachable']),
  pendingMigrations: z.array(z.string()).nullable(),
  channels: z.record(
    z.string(),
    z.object({
      state: channelHealthState,
      lastError: z.string().optional(),
      sendFailure: z.object({ since: time, code: z.string(), message: z.string(), attempts: z.number().int() }).optional(),
    }),
  ),
});
