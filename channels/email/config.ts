/**
 * Configuration of one mailbox (one email channel). Secrets arrive already interpolated from
 * `${ENV}` by the core; they are never logged (see `describeEmailConfig`).
 */
import { z } from 'zod';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';

const oauth2Schema = z.object({
  clientId: z.string().min(1),
  /** Confidential clients (Google); public clients (a Microsoft 365 device-code app) have none. */
  clientSecret: z.string().min(1).optional(),
  /**
   * Optional: `ponte email oauth <channel>` stores one in the database instead. A rotated or
   * stored token in the channel state wins over this one.
   */
  refreshToken: z.string().min(1).optional(),
  tokenUrl: z.url(),
  /** Device authorization endpoint for `ponte email oauth` (RFC 8628). */
  deviceCodeUrl: z.url().optional(),
  /**
   * Authorization endpoint of `ponte email oauth --provider google` (the browser consent page);
   * default https://accounts.google.com/o/oauth2/v2/auth.
   */
  authorizationUrl: z.url().optional(),
  scope: z.string().optional(),
});
export type OAuth2Config = z.infer<typeof oauth2Schema>;

const hostSchema = z.string().min(1).max(255);
const portSchema = z.number().int().min(1).max(65535);

const imapSchema = z
  .object({
    host: hostSchema,
    port: portSchema.default(993),
    /** Implicit TLS (993). With `secure: false`, STARTTLS is used when offered unless `starttls: false`. */
    secure: z.boolean().default(true),
    starttls: z.boolean().default(true),
    /** With `secure: false`: refuse to log in unless the server upgrades with STARTTLS (no password in plain text). */
    requireTls: z.boolean().default(false),
    /** Accept self-signed certificates (test servers only). */
    allowInsecureTls: z.boolean().default(false),
    user: z.string().min(1),
    password: z.string().min(1).optional(),
    oauth2: oauth2Schema.optional(),
    folders: z.array(z.string().min(1)).min(1).default(['INBOX']),
    /** What happens to a message once it is safely ingested. Deleting is never offered. */
    afterIngest: z.enum(['seen', 'move', 'none']).default('seen'),
    moveTo: z.string().min(1).optional(),
    idle: z.boolean().default(true),
    pollIntervalSeconds: z.number().int().min(5).max(3600).default(60),
    backfill: z
      .object({ mode: z.enum(['none', 'days']).default('none'), days: z.number().int().min(1).max(3650).default(7) })
      .default({ mode: 'none', days: 7 }),
  })
  .superRefine((v, ctx) => {
    if (!v.password && !v.oauth2) ctx.addIssue({ code: 'custom', path: ['password'], message: 'set password or oauth2' });
    if (v.password && v.oauth2) ctx.addIssue({ code: 'custom', path: ['oauth2'], message: 'set password or oauth2, not both' });
    if (v.afterIngest === 'move' && !v.moveTo)
      ctx.addIssue({ code: 'custom', path: ['moveTo'], message: 'afterIngest "move" needs moveTo (a folder name)' });
    if (v.afterIngest === 'move' && v.moveTo && v.folders.includes(v.moveTo))
      ctx.addIssue({ code: 'custom', path: ['moveTo'], message: 'moveTo must not be a watched folder' });
  });

const smtpSchema = z
  .object({
    host: hostSchema,
    port: portSchema.default(587),
    secure: z.boolean().default(false),
    /** Refuse to send without STARTTLS when `secure` is false. */
    requireTls: z.boolean().default(false),
    allowInsecureTls: z.boolean().default(false),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    oauth2: oauth2Schema.optional(),
    pool: z.boolean().default(true),
    maxConnections: z.number().int().min(1).max(50).default(3),
    /** Per attempt; a slow server becomes a retryable `network` error. */
    timeoutSeconds: z.number().int().min(1).max(600).default(60),
  })
  .superRefine((v, ctx) => {
    if (v.password && v.oauth2) ctx.addIssue({ code: 'custom', path: ['oauth2'], message: 'set password or oauth2, not both' });
    if ((v.password || v.oauth2) && !v.user)
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'user is required with password or oauth2' });
  });

/**
 * Mail parsing runs in child processes with a time budget (issue 9: one hostile mail froze the
 * API) and optionally a hard heap limit; these bound it. Defaults suit a small machine.
 */
const parseSchema = z.object({
  /** Child processes that parse mail (default: one less than the CPUs, at least 1, at most 2). */
  workers: z
    .number({ error: 'parse.workers must be a whole number of processes (1-16)' })
    .int()
    .min(1, 'parse.workers must be at least 1')
    .max(16, 'parse.workers must be at most 16')
    .optional(),
  /** Wall-clock budget of one parse; a mail over it is kept as a visible placeholder with the reason. */
  timeBudgetMs: z
    .number()
    .int()
    .min(500, 'parse.timeBudgetMs must be at least 500 (ms)')
    .max(600_000, 'parse.timeBudgetMs must be at most 600000 (10 min)')
    .default(10_000),
  /**
   * Heap limit of each parse child in MB (`--max-old-space-size`). A mail that needs more ends its
   * child alone (a hard limit) and is kept as a visible placeholder; the child is replaced.
   * Default: Node's own limit.
   */
  workerHeapMB: z
    .number()
    .int()
    .min(64, 'parse.workerHeapMB must be at least 64')
    .max(8192, 'parse.workerHeapMB must be at most 8192')
    .optional(),
});
export type EmailParseConfig = z.infer<typeof parseSchema>;

const emailAddress = z.email().transform((s) => s.toLowerCase());

export const emailChannelConfigSchema = baseChannelConfigSchema.extend({
  kind: z.literal('email'),
  /** Leave out for a send-only channel (form replies, notifications): SMTP only, nothing fetched. */
  imap: imapSchema.optional(),
  smtp: smtpSchema,
  /** Support addresses of this mailbox; the first is the From of every reply. Mail from any of them is ignored (loops). */
  addresses: z.array(emailAddress).min(1),
  displayName: z.string().min(1).max(100).default('Support'),
  replyTo: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('plain') }),
      /** `support+<ticket>.<sig>@domain`: replies thread even when the client drops every header. */
      z.object({ mode: z.literal('plus'), separator: z.string().length(1).default('+') }),
    ])
    .default({ mode: 'plain' }),
  /** Larger messages are kept raw (headers visible, body not parsed) with a note. */
  maxMessageBytes: z
    .number()
    .int()
    .min(1024)
    .max(200 * 1024 * 1024)
    .default(40 * 1024 * 1024),
  maxAttachmentBytes: z
    .number()
    .int()
    .min(1024)
    .max(200 * 1024 * 1024)
    .default(25 * 1024 * 1024),
  /**
   * A registered agent's mail to the support address may be recorded as their reply or command
   * (only with proof: it answers a notification Ponte sent to that agent). `false`: every mail is
   * handled as a customer's (the envelope's `agentCommands`).
   */
  agentReplies: z.boolean().default(true),
  /**
   * authserv-ids (RFC 8601) of the receiving servers whose `Authentication-Results` headers are
   * believed, e.g. `mx.google.com`, `*.messagingengine.com` (a leading `*.` matches subdomains),
   * `(none)` for Microsoft 365's header without one. Only headers above any untrusted one count
   * (the receiving server prepends; lower ones may be forged). Empty: none is believed.
   */
  trustedAuthservIds: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(255)
        .regex(/^(?:\(none\)|(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}))$/, 'a host name such as mx.google.com, *.example.com, or (none)')
        .transform((s) => s.toLowerCase()),
    )
    .max(50)
    .default([]),
  /**
   * Check DKIM and DMARC ourselves (postalsys mailauth) on each message before ingest. Needs DNS;
   * adds a few lookups per message. A DMARC/DKIM failure for the From domain refuses an agent.
   */
  verifyAuthentication: z.boolean().default(false),
  /** Parsing off the main thread: child processes, time budget and memory of each parse. */
  parse: parseSchema.default({ timeBudgetMs: 10_000 }),
  /** Domain of our Message-IDs; defaults to the domain of the first address. */
  messageIdDomain: z.string().min(1).max(255).optional(),
});

export type EmailChannelConfig = z.infer<typeof emailChannelConfigSchema>;
export type ImapConfig = EmailChannelConfig['imap'];
export type SmtpConfig = EmailChannelConfig['smtp'];

export function messageIdDomainOf(config: Pick<EmailChannelConfig, 'addresses' | 'messageIdDomain'>): string {
  return config.messageIdDomain ?? config.addresses[0]!.split('@')[1]!;
}

/** A secrets-free summary for logs and `email check`. */
export function describeEmailConfig(config: EmailChannelConfig): Record<string, unknown> {
  return {
    id: config.id,
    imap: config.imap
      ? `${config.imap.user}@${config.imap.host}:${config.imap.port} (${config.imap.secure ? 'implicit TLS' : config.imap.requireTls ? 'STARTTLS required' : config.imap.starttls ? 'STARTTLS if offered' : 'plain text'}, ${config.imap.oauth2 ? 'oauth2' : 'password'})`
      : 'none (send-only channel)',
    folders: config.imap?.folders ?? [],
    smtp: `${config.smtp.host}:${config.smtp.port} (${config.smtp.secure ? 'implicit TLS' : config.smtp.requireTls ? 'STARTTLS required' : 'STARTTLS if offered'}, ${config.smtp.oauth2 ? 'oauth2' : config.smtp.password ? 'password' : 'no auth'})`,
    addresses: config.addresses,
  };
}

/**
 * How agents' mail is proven on this mailbox, for `email check`: the notification token always;
 * the From domain only when an Authentication-Results source is trusted or our own check is on.
 */
export function senderProofSummary(config: Pick<EmailChannelConfig, 'trustedAuthservIds' | 'verifyAuthentication'>): {
  warn: boolean;
  text: string;
} {
  const checks = [
    ...(config.trustedAuthservIds.length ? [`Authentication-Results of ${config.trustedAuthservIds.join(', ')}`] : []),
    ...(config.verifyAuthentication ? ['our own DKIM/DMARC check'] : []),
  ];
  if (checks.length)
    return {
      warn: false,
      text: `agents' mail: the notification token proves the agent; a DMARC/DKIM/SPF failure reported by ${checks.join(' or ')} refuses it`,
    };
  return {
    warn: true,
    text: "agents' mail: only the notification token proves the agent; no From-domain check (set trustedAuthservIds to your receiving server, or verifyAuthentication: true)",
  };
}

/** A channel that fetches mail: its IMAP section is there. */
export type ImapEmailConfig = EmailChannelConfig & { imap: NonNullable<EmailChannelConfig['imap']> };

export function hasImap(config: EmailChannelConfig): config is ImapEmailConfig {
  return config.imap !== undefined;
}
