/** Request schemas of the agent API; the OpenAPI document is generated from these same objects. */
import { z } from 'zod';
import { PRIORITIES, TICKET_STATUSES } from '../domain/model.js';
import { UPLOAD_TOKEN_RE } from '../tickets/upload-token.js';

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1));

const time = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.iso.date().transform((s) => Date.parse(s)),
]);

export const ticketNumberParam = z.object({ number: z.coerce.number().int().positive().max(1e12) });
export const idParam = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not an id') });

export const listTicketsQuery = z
  .object({
    status: csv(TICKET_STATUSES).optional(),
    channel: z.string().max(63).optional(),
    requester: z.string().max(320).optional().describe('email address or phone number'),
    assignee: z.string().max(26).optional().describe('agent id, or "none"'),
    priority: csv(PRIORITIES).optional(),
    category: z.string().max(200).optional(),
    reference: z.string().max(200).optional(),
    origin: z.string().max(100).optional(),
    field: z
      .string()
      .regex(/^[^:]{1,100}:.{1,500}$/, 'use key:value')
      .optional()
      .describe('custom field filter, key:value'),
    createdFrom: time.optional(),
    createdTo: time.optional(),
    q: z.string().trim().min(2).max(200).optional().describe('text search in subject and messages'),
    overdue: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    cursor: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'invalid cursor')
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const replyBody = z
  .object({
    body: z.string().trim().min(1, 'must not be empty').max(100_000),
    visibility: z.enum(['public', 'internal']).default('public'),
    /** Attachment ids (files already on a ticket) or upload tokens from POST /api/uploads. */
    attachments: z
      .array(
        z.string().refine((v) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(v) || UPLOAD_TOKEN_RE.test(v), 'not an attachment id or upload token'),
      )
      .max(20)
      .optional(),
    status: z.enum(['open', 'pending', 'solved', 'closed']).optional(),
    /** A pre-approved WhatsApp template (needed outside the Cloud API's 24-hour window); `body` stays the readable text. */
    template: z
      .object({
        name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'template names are lower-case letters, digits and _'),
        language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'like pt_BR or es'),
        params: z.array(z.string().max(1024)).max(20).default([]),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((v) => !(v.template && v.visibility === 'internal'), { message: 'an internal note cannot use a template', path: ['template'] });

export const patchBody = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    assignee: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not an agent id')
      .nullable()
      .optional(),
    category: z.string().max(200).nullable().optional(),
    reference: z.string().max(200).nullable().optional(),
    fields: z.record(z.string().min(1).max(100), z.string().max(2000).nullable()).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const uploadQuery = z
  .object({
    filename: z
      .string()
      .min(1)
      .max(255)
      .refine((v) => !v.includes('\u0000'), 'a file name without NUL characters')
      .describe('the name as the agent has it; stored beside a safe display name (no path, control or bidi characters)'),
  })
  .strict();

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const ulid = (what: string) => z.string().regex(ULID, `not ${what}`);
const cursor = z.string().regex(ULID, 'invalid cursor').optional();
const limit = z.coerce.number().int().min(1).max(200).default(50);
/** What the agent checked (a call, a document, the customer's reply from the proven address). Audited. */
const evidence = z
  .string()
  .trim()
  .min(3, 'say what proves it (at least 3 characters)')
  .max(2000)
  .describe('what proves it; kept in the audit log');
const e164 = z.string().regex(/^\+\d{8,15}$/, 'use E.164, e.g. +5511987654321');
const expiresInDays = z
  .number()
  .int()
  .min(1)
  .max(3650)
  .nullable()
  .optional()
  .describe('the token stops working after this many days; null or absent: no expiry');

// ---- agents ----

export const createAgentBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    email: z.email().optional(),
    phone: e164.optional(),
    role: z.enum(['agent', 'admin']).default('agent'),
    notifyChannel: z.string().max(63).optional(),
    expiresInDays,
  })
  .strict();

export const patchAgentBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().nullable().optional(),
    phone: e164.nullable().optional(),
    role: z.enum(['agent', 'admin']).optional(),
    notifyChannel: z.string().max(63).nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const rotateTokenBody = z.object({ expiresInDays }).strict();

export const auditQuery = z
  .object({
    targetType: z.enum(['agent', 'contact']).optional(),
    targetId: z.string().max(80).optional(),
    action: z.string().max(40).optional(),
    cursor,
    limit,
  })
  .strict();

// ---- contacts ----

export const listContactsQuery = z
  .object({
    q: z.string().trim().min(2).max(200).optional().describe('text in the name or any identity address'),
    identity: z.string().trim().min(3).max(320).optional().describe('an exact email address or phone number'),
    cursor,
    limit,
  })
  .strict();

export const contactIdParam = z.object({ id: ulid('a contact id') });
export const identityParams = z.object({ id: ulid('a contact id'), identityId: ulid('an identity id') });
export const mergeIdParam = z.object({ mergeId: ulid('a merge id') });
export const claimParams = z.object({ number: z.coerce.number().int().positive().max(1e12), claimId: ulid('a claim id') });

export const patchContactBody = z
  .object({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    locale: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'like pt-BR, es or en')
      .nullable()
      .optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');

/** The kinds the core owns; the others (WhatsApp JIDs and LIDs) are checked by their channel kind (`ChannelDirectory.identityKind`) in the route. */
const CORE_IDENTITY_RULES: Partial<Record<string, { normalize: (a: string) => string; valid: (a: string) => boolean; hint: string }>> = {
  email: {
    normalize: (a: string) => a.trim().toLowerCase(),
    valid: (a: string) => z.email().safeParse(a).success,
    hint: 'an email address',
  },
  phone: {
    normalize: (a: string) => a.replace(/[\s().-]/g, ''),
    valid: (a: string) => /^\+\d{8,15}$/.test(a),
    hint: 'E.164, e.g. +5511987654321',
  },
};

export const linkIdentityBody = z
  .object({ kind: z.enum(['email', 'phone', 'whatsapp', 'whatsapp_lid']), address: z.string().min(1).max(320), evidence })
  .strict()
  .transform((v, ctx) => {
    const rule = CORE_IDENTITY_RULES[v.kind];
    if (!rule) return { kind: v.kind, address: v.address, evidence: v.evidence };
    const address = rule.normalize(v.address);
    if (!rule.valid(address)) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `not ${rule.hint}` });
      return z.NEVER;
    }
    return { kind: v.kind, address, evidence: v.evidence };
  });

export const evidenceBody = z.object({ evidence }).strict();
export const mergeBody = z
  .object({ from: ulid('a contact id').describe('the contact merged into this one (it disappears)'), evidence })
  .strict();
export const linkClaimBody = z
  .object({ contactId: ulid('a contact id').optional().describe('default: the ticket requester'), evidence })
  .strict();
