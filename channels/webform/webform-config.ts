/**
 * One configured web form (a `channels:` entry of kind `webform`; its id is the form id in
 * `POST /hooks/forms/<id>`). Validated once by the core at config check; every rule that can be
 * decided from the file alone is decided here so a bad form never starts.
 */
import { z } from 'zod';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';

export const STANDARD_TARGETS = ['name', 'email', 'phone', 'subject', 'message', 'category', 'reference', 'document', 'priority'] as const;
export type StandardTarget = (typeof STANDARD_TARGETS)[number];
/** Where a submitted field lands on the ticket. `custom:<key>` becomes a custom field. */
export type TicketFieldTarget = StandardTarget | `custom:${string}`;

const CUSTOM_TARGET_RE = /^custom:[A-Za-z0-9_.-]{1,64}$/;

const targetSchema = z
  .string()
  .refine((v) => (STANDARD_TARGETS as readonly string[]).includes(v) || CUSTOM_TARGET_RE.test(v), {
    message: `use one of ${STANDARD_TARGETS.join(', ')} or custom:<key> (letters, digits, _ . -)`,
  })
  .transform((v) => v as TicketFieldTarget);

const submittedNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\s]+$/, 'a submitted field name has no spaces');

/** Without a `fields:` map, the standard names are accepted as themselves. */
export const DEFAULT_FIELDS: Record<string, TicketFieldTarget> = Object.fromEntries(STANDARD_TARGETS.map((t) => [t, t]));

export const DEFAULT_ALLOWED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/pdf', 'text/plain'];

const attachmentsSchema = z
  .object({
    /** 0 refuses every file. */
    maxCount: z.number().int().min(0).max(20).default(5),
    /** Per file. */
    maxBytes: z
      .number()
      .int()
      .positive()
      .max(100 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** Exact types or `type/*`. */
    allowedTypes: z
      .array(z.string().regex(/^[a-z0-9.+-]+\/([a-z0-9.+-]+|\*)$/i, 'a media type like image/png or image/*'))
      .default(DEFAULT_ALLOWED_TYPES),
  })
  .default({ maxCount: 5, maxBytes: 10 * 1024 * 1024, allowedTypes: DEFAULT_ALLOWED_TYPES });

const rateLimitSchema = z.object({
  perIpPerMinute: z.number().int().positive().max(100_000).default(10),
  perFormPerMinute: z.number().int().positive().max(1_000_000).default(300),
});

const commonShape = {
  kind: z.literal('webform'),
  /** Label the API can filter on: "site form", "marketplace", "complaints portal" … */
  origin: z.string().trim().min(1, 'every form declares an origin label').max(100),
  /** Channel id (email or WhatsApp) that carries the agents' public replies to the requester. */
  replyVia: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'the id of an email or whatsapp channel'),
  /**
   * The typed identity replies go to (the requester's identity): `email` for an email replyVia,
   * `phone` for a WhatsApp one. Falls back to the other when that one was not given. The other
   * typed identity is only a claim on the ticket (a form proves nothing about who typed it).
   */
  replyTo: z.enum(['email', 'phone']).default('email'),
  /** Whole request, attachments included. */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .max(200 * 1024 * 1024)
    .default(25 * 1024 * 1024),
  attachments: attachmentsSchema,
  /** Submitted name -> ticket field. */
  fields: z.record(submittedNameSchema, targetSchema).default(DEFAULT_FIELDS),
  /** Ticket fields that must be present (besides: an email or a phone to answer to). */
  required: z.array(targetSchema).default(['message']),
  /** When set, `category` must be one of these. */
  categories: z.array(z.string().min(1).max(200)).min(1).optional(),
  /** Calling code used for phone numbers typed without one. */
  defaultCountryCode: z
    .string()
    .regex(/^[1-9]\d{0,2}$/)
    .default('55'),
  maxMessageChars: z.number().int().positive().max(1_000_000).default(20_000),
  /** Submitted field carrying the client's own submission id (idempotency, like the Idempotency-Key header). */
  submissionIdField: submittedNameSchema.default('submissionId'),
  /** Add to the requester's open ticket with the same category and reference instead of opening another. */
  existingRequest: z.boolean().default(true),
  /** Keep the raw submission in the blob store (audit). */
  keepRaw: z.boolean().default(true),
  rateLimit: rateLimitSchema.optional(),
};

const redirectUrlSchema = z
  .string()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'an absolute http(s) URL, e.g. https://loja.example.com.br/obrigado');

const secretSchema = z.string().min(16, 'use a secret of at least 16 characters (set it with ${ENV_VAR})');

export const signedFormSchema = baseChannelConfigSchema.extend({
  ...commonShape,
  mode: z.literal('signed'),
  /**
   * The merchant's server vouches for the email and phone it sends (its customers logged in):
   * both become the requester's identities. Off: the one that is not `replyTo` is a claim.
   */
  trustIdentities: z.boolean().default(false),
  secret: secretSchema,
  /** Accepted too while rotating: the sender may still sign with it. */
  previousSecret: secretSchema.optional(),
  signatureHeader: z.string().min(1).default('X-Ponte-Signature'),
  timestampHeader: z.string().min(1).default('X-Ponte-Timestamp'),
  toleranceSeconds: z.number().int().min(1).max(3600).default(300),
});

export const publicFormSchema = baseChannelConfigSchema.extend({
  ...commonShape,
  mode: z.literal('public'),
  /** Exact origins (`https://loja.example.com.br`) or one wildcard label (`https://*.example.com.br`). */
  allowedOrigins: z.array(z.string().min(1)).min(1, 'a public form lists the site origins allowed to post to it'),
  /** Browsers always send Origin on a cross-site POST; requests without one are refused unless this is false. */
  requireOrigin: z.boolean().default(true),
  /** A field hidden from people: filled means a bot. */
  honeypotField: submittedNameSchema.default('website'),
  rateLimit: rateLimitSchema.default({ perIpPerMinute: 10, perFormPerMinute: 300 }),
  /**
   * Plain HTML forms (no JavaScript): where the browser goes after posting (303). Success gets
   * `?ticket=<n>` only when the submission opened that ticket; an error gets `?error=<code>`.
   * Without it, a browser that asks for HTML gets a small localized page instead of JSON.
   */
  redirect: z.object({ success: redirectUrlSchema, error: redirectUrlSchema }).optional(),
});

export const webformConfigSchema = z.discriminatedUnion('mode', [signedFormSchema, publicFormSchema]).superRefine((config, ctx) => {
  const targets = new Set(Object.values(config.fields));
  if (![...targets].some((t) => t === 'email' || t === 'phone')) {
    ctx.addIssue({ code: 'custom', path: ['fields'], message: 'map at least one field to email or phone: replies need an address' });
  }
  if (!targets.has('message')) {
    ctx.addIssue({ code: 'custom', path: ['fields'], message: 'map a field to message' });
  }
  config.required.forEach((t, i) => {
    if (!targets.has(t)) ctx.addIssue({ code: 'custom', path: ['required', i], message: `"${t}" is required but no field maps to it` });
  });
  if (config.mode === 'public' && config.honeypotField in config.fields) {
    ctx.addIssue({ code: 'custom', path: ['honeypotField'], message: 'the honeypot field cannot also be a mapped field' });
  }
  if (config.submissionIdField in config.fields) {
    ctx.addIssue({ code: 'custom', path: ['submissionIdField'], message: 'the submission id field cannot also be a mapped field' });
  }
  if (config.mode === 'public') {
    config.allowedOrigins.forEach((o, i) => {
      if (!isValidOriginPattern(o)) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowedOrigins', i],
          message: 'use scheme://host[:port], e.g. https://loja.example.com.br',
        });
      }
    });
  }
  if (config.replyVia === config.id) {
    ctx.addIssue({ code: 'custom', path: ['replyVia'], message: 'a form cannot reply through itself: name an email or whatsapp channel' });
  }
});

export type WebformConfig = z.infer<typeof webformConfigSchema>;
export type SignedFormConfig = z.infer<typeof signedFormSchema>;
export type PublicFormConfig = z.infer<typeof publicFormSchema>;

function isValidOriginPattern(pattern: string): boolean {
  return /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i.test(pattern);
}
