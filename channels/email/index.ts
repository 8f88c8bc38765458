/**
 * The email channel: one configured mailbox = one channel. IMAP in (imap-source), SMTP out
 * (smtp-sender). `createEmailChannelDefinition(deps)` lets tests swap the IMAP connector, the
 * SMTP transport or the token endpoint; `emailChannel` is the production instance.
 */
import type { ChannelContext, ChannelDefinition } from '../../src/channel/contract.js';
import { defineChannel } from '../../src/channel/contract.js';
import { emailChannelConfigSchema, hasImap, messageIdDomainOf, type EmailChannelConfig, type ImapEmailConfig } from './config.js';
import { connectImapflow, type ImapConnector, type ImapSession } from './imapflow-client.js';
import { createImapSource, type EmailParser, type ImapSource, type ImapSourceOptions } from './imap-source.js';
import { createMailAuthenticator, type DnsResolver } from './mail-auth.js';
import { createMessageIdSigner, type MessageIdSigner } from './message-id.js';
import { createNodemailerTransport, type MailTransport, type SmtpAuth } from './nodemailer-transport.js';
import { createAccessTokenProvider, type FetchLike } from './oauth2-token.js';
import { parseEmail, unparseableEmail } from './parse/index.js';
import type { ParsePoolOptions } from './parse/parse-pool.js';
import { createSmtpSender } from './smtp-sender.js';

export type { EmailChannelConfig } from './config.js';
export { emailChannelConfigSchema } from './config.js';

export interface EmailChannelDeps {
  connectImap?: ImapConnector;
  createTransport?: (config: EmailChannelConfig['smtp'], auth: SmtpAuth) => MailTransport;
  parser?: EmailParser;
  /** Token endpoint client (tests). */
  fetch?: FetchLike;
  reconnect?: ImapSourceOptions['reconnect'];
  /** DNS for `verifyAuthentication` (tests serve DKIM keys and DMARC records; production uses the system resolver). */
  dnsResolver?: DnsResolver;
}

export const defaultEmailParser: EmailParser = { parseEmail, unparseableEmail };

export function emailSigner(config: EmailChannelConfig, ctx: Pick<ChannelContext, 'deriveKey'>): MessageIdSigner {
  return createMessageIdSigner(ctx.deriveKey('email-message-id'), messageIdDomainOf(config));
}

/** Logs in to IMAP with the configured password or a fresh XOAUTH2 token. */
export function imapConnectorFor(config: ImapEmailConfig, ctx: ChannelContext, deps: EmailChannelDeps = {}): () => Promise<ImapSession> {
  const connect = deps.connectImap ?? connectImapflow;
  const imap = config.imap;
  const tokens = imap.oauth2
    ? createAccessTokenProvider({
        config: imap.oauth2,
        state: ctx.state,
        stateKey: 'oauth2-refresh-token:imap',
        now: () => ctx.clock.now(),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      })
    : undefined;
  return async () =>
    connect({
      host: imap.host,
      port: imap.port,
      secure: imap.secure,
      starttls: imap.starttls,
      requireTls: imap.requireTls,
      allowInsecureTls: imap.allowInsecureTls,
      user: imap.user,
      auth: tokens ? { accessToken: (await tokens.get()).accessToken } : { password: imap.password! },
    });
}

export function smtpAuthFor(config: EmailChannelConfig, ctx: ChannelContext, deps: EmailChannelDeps = {}): SmtpAuth {
  const smtp = config.smtp;
  if (smtp.oauth2 && smtp.user) {
    const tokens = createAccessTokenProvider({
      config: smtp.oauth2,
      state: ctx.state,
      stateKey: 'oauth2-refresh-token:smtp',
      now: () => ctx.clock.now(),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    return { kind: 'oauth2', user: smtp.user, token: (renew) => tokens.get(renew) };
  }
  if (smtp.user && smtp.password) return { kind: 'password', user: smtp.user, password: smtp.password };
  return { kind: 'none' };
}

/** The parse pool settings of a channel's `parse` section. */
export function parsePoolOptionsFor(config: EmailChannelConfig): ParsePoolOptions {
  return {
    budgetMs: config.parse.timeBudgetMs,
    ...(config.parse.workers ? { size: config.parse.workers } : {}),
    ...(config.parse.workerHeapMB ? { workerHeapMB: config.parse.workerHeapMB } : {}),
  };
}

/** The IMAP source of a channel that fetches mail (also used alone by `ponte email sync`). */
export function createEmailSource(
  config: ImapEmailConfig,
  ctx: ChannelContext,
  deps: EmailChannelDeps = {},
  extra: Pick<ImapSourceOptions, 'onProgress'> = {},
): ImapSource {
  return createImapSource({
    config,
    ctx,
    signer: emailSigner(config, ctx),
    parser: deps.parser ?? defaultEmailParser,
    connect: imapConnectorFor(config, ctx, deps),
    parsePool: parsePoolOptionsFor(config),
    ...(config.verifyAuthentication
      ? { authenticator: createMailAuthenticator({ resolver: deps.dnsResolver, now: () => ctx.clock.now() }) }
      : {}),
    ...(deps.reconnect ? { reconnect: deps.reconnect } : {}),
    ...extra,
  });
}

export function createEmailChannelDefinition(deps: EmailChannelDeps = {}): ChannelDefinition<EmailChannelConfig> {
  return defineChannel<EmailChannelConfig>({
    kind: 'email',
    configSchema: emailChannelConfigSchema,
    capabilities: (config) => ({
      inbound: config.imap ? 'pull' : 'none',
      canSend: true,
      threading: 'email',
      deliversTo: ['email'],
      maxAttachmentBytes: config.maxAttachmentBytes,
    }),
    create(config, ctx) {
      const signer = emailSigner(config, ctx);
      const makeTransport = deps.createTransport ?? createNodemailerTransport;
      return {
        // Without an IMAP section the channel only sends (form replies, notifications).
        ...(hasImap(config) ? { source: createEmailSource(config, ctx, deps) } : {}),
        sender: createSmtpSender({ config, ctx, signer, transport: () => makeTransport(config.smtp, smtpAuthFor(config, ctx, deps)) }),
      };
    },
  });
}

export const emailChannel = createEmailChannelDefinition();
