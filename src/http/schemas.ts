/** Request schemas of the agent API; the OpenAPI document is generated from these same objects. */
import { z } from 'zod';
import { PRIORITIES, TICKET_STATUSES } from '../domain/model.js';
import { UPLOAD_TOKEN_RE } from '../replies/upload-token.js';

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.iso.date().transform((s) => Date.parse(s))]);

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
    q: z.string().min(2).max(200).optional().describe('text search in subject and messages'),
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    cursor: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'invalid cursor').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const replyBody = z
  .object({
    body: z.string().trim().min(1, 'must not be empty').max(100_000),
    visibility: z.enum(['public', 'internal']).default('public'),
    /** Attachment ids (files already on a ticket) or upload tokens from POST /api/uploads. */
    attachments: z
      .array(z.string().refine((v) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(v) || UPLOAD_TOKEN_RE.test(v), 'not an attachment id or upload token'))
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
    assignee: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not an agent id').nullable().optional(),
    category: z.string().max(200).nullable().optional(),
    reference: z.string().max(200).nullable().optional(),
    fields: z.record(z.string().min(1).max(100), z.string().max(2000).nullable()).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const errorResponse = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const uploadQuery = z
  .object({
    filename: z
      .string()
      .min(1)
      .max(255)
      .refine((v) => !/[\\/\u0000-\u001f]/.test(v), 'a file name without slashes or control characters'),
  })
  .strict();
