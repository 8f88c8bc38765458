/** Config for outbound webhooks and retention (`webhooks:` and `retention:` in ponte.yaml). */
import { z } from 'zod';

export const WEBHOOK_EVENT_TYPES = [
  'ticket.created',
  'message.received',
  'reply.sent',
  'reply.delivered',
  'reply.failed',
  'ticket.status_changed',
  'ticket.assigned',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `whsec_` + base64 of 24 to 64 random bytes (the Standard Webhooks secret format). */
export const webhookSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'a secret like whsec_<base64 of 24-64 bytes> (ponte webhooks secret prints one)');

export const webhookEventsSchema = z.array(z.union([z.enum(WEBHOOK_EVENT_TYPES), z.literal('*')])).min(1);

export const webhookUrlSchema = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL');

export const webhooksConfigSchema = z
  .object({
    /** Subscriptions kept in config (synced at start; the API cannot change them). */
    subscriptions: z
      .array(
        z.object({
          id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lowercase letters, digits, - and _'),
          url: webhookUrlSchema,
          secret: webhookSecretSchema,
          events: webhookEventsSchema.default(['*']),
          description: z.string().max(200).optional(),
        }),
      )
      .default([]),
    timeoutMs: z.number().int().positive().max(60000).default(10000),
    maxAttempts: z.number().int().positive().default(12),
    baseDelayMs: z.number().int().positive().default(5000),
    maxDelayMs: z
      .number()
      .int()
      .positive()
      .default(30 * 60 * 1000),
    pollIntervalMs: z.number().int().positive().default(1000),
    batchSize: z.number().int().positive().max(200).default(20),
    claimTtlMs: z.number().int().positive().default(120000),
  })
  .prefault({});

export const retentionConfigSchema = z
  .object({
    /** Closed tickets older than this many days (since closing) are erased or pseudonymized; unset = never. */
    closedTicketDays: z.number().int().positive().optional(),
    action: z.enum(['erase', 'pseudonymize']).default('pseudonymize'),
    /** What `ponte contacts erase` and DELETE /api/contacts/:id remove: the person's tickets, or only their messages. */
    erasureScope: z.enum(['tickets', 'messages']).default('tickets'),
    intervalMs: z
      .number()
      .int()
      .positive()
      .default(60 * 60 * 1000),
  })
  .prefault({});

export type WebhooksConfig = z.output<typeof webhooksConfigSchema>;
export type RetentionConfig = z.output<typeof retentionConfigSchema>;
