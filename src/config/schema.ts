import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { validateBusinessHours } from '../automation/business-hours.js';
import { TICKET_STATUSES } from '../domain/model.js';
import { portalConfigSchema } from '../web/portal/portal-config.js';
import { retentionConfigSchema, webhooksConfigSchema } from '../webhooks/webhook-config.js';

const LOCALES = ['pt-BR', 'es', 'en'] as const;

/** The package's own folder (`src/config` in a checkout, `dist/src/config` once built). */
export function packageRoot(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return basename(root) === 'dist' ? dirname(root) : root;
}
export type Locale = (typeof LOCALES)[number];

const statusLabels = z.object(
  Object.fromEntries(TICKET_STATUSES.map((s) => [s, z.string().min(1).max(80)])) as Record<(typeof TICKET_STATUSES)[number], z.ZodString>,
);

export const DEFAULT_STATUS_LABELS: Record<Locale, Record<(typeof TICKET_STATUSES)[number], string>> = {
  'pt-BR': { new: 'Em análise', open: 'Em andamento', pending: 'Aguardando sua resposta', solved: 'Finalizado', closed: 'Encerrado' },
  es: { new: 'En revisión', open: 'En curso', pending: 'Esperando tu respuesta', solved: 'Resuelto', closed: 'Cerrado' },
  en: { new: 'New', open: 'In progress', pending: 'Awaiting your reply', solved: 'Solved', closed: 'Closed' },
};

const weekday = z.array(z.tuple([z.string().regex(/^\d{2}:\d{2}$/), z.string().regex(/^\d{2}:\d{2}$/)])).default([]);

export const automationSchema = z
  .object({
    /** Off by default: an admin turns it on once the `ack` template reads right. */
    autoAcknowledge: z
      .object({
        enabled: z.boolean().default(false),
        /** Acknowledgements and out-of-hours replies to one contact per hour. */
        capPerContactPerHour: z.number().int().positive().default(3),
      })
      .prefault({}),
    /** Agents with a notification channel hear about new tickets and customer messages. */
    notifyAgents: z.object({ enabled: z.boolean().default(true) }).prefault({}),
    /**
     * The customer hears about each status change (one notice per change), in the ticket's
     * language: for these statuses, on every channel unless `channels` says otherwise for one.
     * Never for a change the customer made, nor for one that came with an agent's reply (the
     * reply is the update), nor when a closed ticket reopens.
     */
    statusNotices: z
      .object({
        statuses: z.array(z.enum(['new', 'open', 'pending', 'solved', 'closed'])).default(['open', 'pending', 'solved', 'closed']),
        /** Per channel id: the statuses announced on that channel (`[]` keeps it quiet). */
        channels: z.record(z.string(), z.array(z.enum(['new', 'open', 'pending', 'solved', 'closed']))).default({}),
      })
      .prefault({}),
    /** Older switches: `false` removes solved/closed from `statusNotices.statuses`, `true` adds it. */
    notifyCustomerOnSolved: z.boolean().optional(),
    notifyCustomerOnClosed: z.boolean().optional(),
    pendingTimeout: z
      .object({
        enabled: z.boolean().default(true),
        hours: z.number().positive().default(48),
        action: z.enum(['solved', 'closed']).default('solved'),
        reminderHours: z.number().positive().optional(),
      })
      .prefault({}),
    /** 0 keeps solved tickets solved. */
    solvedToClosedHours: z.number().nonnegative().default(24),
    /** Automatic messages (any kind) to one address per hour: the loop breaker. */
    automaticMailCapPerHour: z.number().int().positive().default(10),
    timerIntervalMs: z.number().int().positive().default(15000),
    /**
     * `<dir>/<locale>/<name>.txt`, relative to the configuration file's folder. Checked at
     * startup. Default: the templates shipped with Ponte (`<package>/config/templates`).
     */
    templatesDir: z
      .string()
      .min(1)
      .default(() => join(packageRoot(), 'config', 'templates')),
  })
  .prefault({});

export const businessHoursSchema = z
  .object({
    enabled: z.boolean().default(false),
    timezone: z.string().default('America/Sao_Paulo'),
    schedule: z.object({ mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: weekday, sun: weekday }).prefault({}),
    /** ISO dates (YYYY-MM-DD) in the business timezone. */
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')).default([]),
    outOfHoursReply: z.boolean().default(true),
    sla: z
      .object({
        firstResponseHours: z.number().positive().optional(),
        nextResponseHours: z.number().positive().optional(),
      })
      .prefault({}),
  })
  .superRefine((value, ctx) => {
    for (const issue of validateBusinessHours(value))
      ctx.addIssue({
        code: 'custom',
        path: issue.path
          .split(/[.[\]]+/)
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        message: issue.message,
      });
  })
  .prefault({});

export const configSchema = z.object({
  server: z
    .object({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Public base URL, used in links sent to agents. */
      publicUrl: z.string().url().optional(),
      trustProxy: z.boolean().default(false),
      /** Abuse limits of the HTTP server (slow clients, too many connections). */
      limits: z
        .object({
          /** The whole request, headers and body, must arrive within this. */
          requestTimeoutMs: z.number().int().min(1000).max(3_600_000).default(120_000),
          headersTimeoutMs: z.number().int().min(1000).max(600_000).default(20_000),
          /** A request body that delivers fewer than slowBodyMinBytes in any slowBodyWindowMs is cut (408). */
          slowBodyWindowMs: z.number().int().min(500).max(600_000).default(10_000),
          slowBodyMinBytes: z
            .number()
            .int()
            .min(0)
            .max(100 * 1024 * 1024)
            .default(1024),
          /** Open connections at once; more are closed on arrival. */
          maxConnections: z.number().int().min(1).max(1_000_000).default(512),
        })
        .refine((l) => l.headersTimeoutMs <= l.requestTimeoutMs, {
          message: 'headersTimeoutMs cannot exceed requestTimeoutMs',
          path: ['headersTimeoutMs'],
        })
        .prefault({}),
    })
    .prefault({}),
  database: z
    .discriminatedUnion('driver', [
      z.object({ driver: z.literal('sqlite'), path: z.string().min(1).default('./data/ponte.db') }),
      z.object({
        driver: z.literal('postgres'),
        url: z.string().min(1),
        poolSize: z.number().int().positive().max(100).default(10),
      }),
    ])
    .default({ driver: 'sqlite', path: './data/ponte.db' }),
  storage: z
    .object({
      /** Where attachments and raw payloads live: a local folder (one machine), PostgreSQL or S3-compatible storage (several machines). */
      driver: z.enum(['local', 'postgres', 's3']).default('local'),
      blobsDir: z.string().default('./data/blobs'),
      rawDir: z.string().optional(),
      maxAttachmentBytes: z
        .number()
        .int()
        .positive()
        .default(25 * 1024 * 1024),
      /** Raw payloads put in memory (mail, webhook and form bodies kept for replay) up to this many bytes live in the database, not the backend; 0 turns it off. */
      inlineMaxBytes: z
        .number()
        .int()
        .nonnegative()
        .default(16 * 1024),
      s3: z
        .object({
          bucket: z.string().min(1),
          region: z.string().min(1).default('us-east-1'),
          endpoint: z.string().url().optional(),
          forcePathStyle: z.boolean().default(false),
          prefix: z.string().default('blobs/'),
          /** From the environment (`${S3_ACCESS_KEY_ID}`); both or neither (then the SDK's default chain: instance role, shared files). */
          accessKeyId: z.string().min(1).optional(),
          secretAccessKey: z.string().min(1).optional(),
        })
        .refine((s) => !s.accessKeyId === !s.secretAccessKey, {
          message: 'set both accessKeyId and secretAccessKey, or neither',
          path: ['secretAccessKey'],
        })
        .optional(),
    })
    .refine((s) => s.driver !== 's3' || s.s3, { message: 'required when driver is s3', path: ['s3'] })
    .prefault({}),
  security: z
    .object({
      /** Server secret: HMAC keys (signed Message-IDs …) are derived from it. Set PONTE_SECRET in production. */
      secret: z.preprocess(
        (v) => (v === '' ? undefined : v),
        z.string().min(16, 'must be at least 16 characters (set PONTE_SECRET)').optional(),
      ),
      /** Without `secret`, one is generated once into this file (mode 0600) and reused. */
      secretFile: z.string().default('./data/secret'),
    })
    .prefault({}),
  tickets: z
    .object({
      numberStart: z.number().int().positive().default(10001),
      /** `{number}` is replaced: `[#{number}]` -> `[#10001]`. */
      subjectToken: z
        .string()
        .refine((s) => s.includes('{number}'), 'must contain {number}')
        .default('[#{number}]'),
      defaultLocale: z.enum(LOCALES).default('pt-BR'),
      /** Email: a reply to a closed ticket within this many hours reopens it; later, a linked follow-up. */
      reopenWindowHours: z.number().nonnegative().default(168),
      /**
       * Chat channels (WhatsApp …): any message from the same contact on the channel within this
       * many hours of a close reopens the closed ticket; later, a new ticket linked to the old.
       */
      resumeWindowHours: z.number().nonnegative().default(48),
    })
    .prefault({}),
  statusLabels: z.record(z.string(), statusLabels.partial()).default({}),
  /**
   * When the customer's channel refuses a message for good (WhatsApp window closed, unreachable
   * number, a permanent failure), send it through their next channel that can reach them.
   */
  delivery: z
    .object({
      fallback: z.boolean().default(true),
      /** Channel ids in the order to try; default: the order of `channels:`. */
      fallbackOrder: z.array(z.string()).optional(),
    })
    .prefault({}),
  outbox: z
    .object({
      pollIntervalMs: z.number().int().positive().default(500),
      batchSize: z.number().int().positive().max(500).default(20),
      maxAttempts: z.number().int().positive().default(12),
      baseDelayMs: z.number().int().positive().default(5000),
      maxDelayMs: z
        .number()
        .int()
        .positive()
        .default(30 * 60 * 1000),
      claimTtlMs: z.number().int().positive().default(120000),
    })
    .prefault({}),
  /**
   * Several gateway processes on one PostgreSQL database: each pulled mailbox is fetched by
   * one of them, the holder of a lease renewed three times per `leaseMs`; when it dies
   * another takes over within two periods (src/cluster/source-lease.ts).
   */
  cluster: z.object({ leaseMs: z.number().int().min(300).max(600_000).default(15_000) }).prefault({}),
  automation: automationSchema,
  businessHours: businessHoursSchema,
  /** The agent console (web inbox) served by the gateway itself. */
  console: z
    .object({
      enabled: z.boolean().default(true),
      /** Where it is mounted; `/` by default (the API stays under /api). */
      path: z
        .string()
        .regex(/^\/([a-z0-9-]+\/?)*$/, 'a path like / or /console')
        .default('/'),
      /** Secure cookies: `auto` when the request came over https (see server.trustProxy). */
      secureCookies: z.enum(['auto', 'always', 'never']).default('auto'),
      /** How often each process looks for changes to push to open browsers. */
      livePollMs: z.number().int().min(100).max(60000).default(1000),
      sessionDays: z.number().positive().max(90).default(14),
      /** Files an agent attaches from the reply box (also capped by storage.maxAttachmentBytes). */
      attachments: z
        .object({
          maxCount: z.number().int().min(0).max(20).default(5),
          maxBytes: z
            .number()
            .int()
            .positive()
            .default(10 * 1024 * 1024),
          allowedTypes: z
            .array(z.string().regex(/^[a-z0-9.+-]+\/([a-z0-9.+-]+|\*)$/i))
            .default([
              'image/*',
              'application/pdf',
              'text/plain',
              'text/csv',
              'application/zip',
              'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
              'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              'application/msword',
              'application/vnd.ms-excel',
            ]),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The customers' portal ("my requests"), served by the gateway: src/web/portal. */
  portal: portalConfigSchema,
  /** Outbound webhooks and data retention (issue 17): src/webhooks/webhook-config.ts. */
  webhooks: webhooksConfigSchema,
  retention: retentionConfigSchema,
  logging: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
  /** Each entry is validated by its kind's channel definition. */
  channels: z.array(z.looseObject({ id: z.string(), kind: z.string() })).default([]),
});

export type PonteConfigInput = z.input<typeof configSchema>;
export type PonteConfig = z.output<typeof configSchema>;
export type BusinessHoursConfig = PonteConfig['businessHours'];
export type AutomationConfig = PonteConfig['automation'];

export function statusLabelsFor(config: PonteConfig, locale: string): Record<(typeof TICKET_STATUSES)[number], string> {
  const base = DEFAULT_STATUS_LABELS[(locale as Locale) in DEFAULT_STATUS_LABELS ? (locale as Locale) : 'en'];
  return { ...base, ...(config.statusLabels[locale] ?? {}) } as Record<(typeof TICKET_STATUSES)[number], string>;
}
