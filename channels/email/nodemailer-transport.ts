/**
 * The only module that imports nodemailer. It exposes our `MailTransport` slice: send one
 * composed mail, verify the login, close the pool. Attachments are streams (from the blob
 * store); nodemailer's file and URL access is disabled so a crafted path can never be read.
 */
import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { SmtpConfig } from './config.js';

export interface MailAddress {
  name?: string | undefined;
  address: string;
}

export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress[];
  /** Email participants of the ticket; never the recipient. */
  cc?: MailAddress[] | undefined;
  replyTo?: MailAddress | undefined;
  subject: string;
  /** With angle brackets. */
  messageId: string;
  inReplyTo?: string | undefined;
  references?: string[] | undefined;
  text: string;
  html?: string | undefined;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; content: Readable }>;
  date?: Date | undefined;
}

export interface MailTransportResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<MailTransportResult>;
  /** Connects and logs in (for `email check`). */
  verify(): Promise<void>;
  close(): void;
}

export type SmtpAuth =
  | { kind: 'none' }
  | { kind: 'password'; user: string; password: string }
  | { kind: 'oauth2'; user: string; token: (renew: boolean) => Promise<{ accessToken: string; expiresAt: number }> };

export function createNodemailerTransport(config: SmtpConfig, auth: SmtpAuth): MailTransport {
  const timeout = config.timeoutSeconds * 1000;
  const base = {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    tls: { rejectUnauthorized: !config.allowInsecureTls },
    connectionTimeout: timeout,
    greetingTimeout: Math.min(timeout, 30_000),
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
    ...(auth.kind === 'password' ? { auth: { user: auth.user, pass: auth.password } } : {}),
    ...(auth.kind === 'oauth2' ? { auth: { type: 'OAuth2' as const, user: auth.user } } : {}),
  };
  const transporter = config.pool
    ? nodemailer.createTransport({ ...base, pool: true, maxConnections: config.maxConnections, maxMessages: 500 })
    : nodemailer.createTransport(base);
  if (auth.kind === 'oauth2') {
    transporter.set(
      'oauth2_provision_cb',
      (_user: string, renew: boolean, callback: (err: Error | null, token?: string, expires?: number) => void) => {
        auth.token(renew).then(
          (t) => callback(null, t.accessToken, t.expiresAt),
          (err: Error) => callback(err),
        );
      },
    );
  }
  return {
    async send(mail) {
      const info = await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        ...(mail.cc?.length ? { cc: mail.cc } : {}),
        ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
        subject: mail.subject,
        messageId: mail.messageId,
        ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
        ...(mail.references?.length ? { references: mail.references } : {}),
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        headers: mail.headers,
        attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
        ...(mail.date ? { date: mail.date } : {}),
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      return {
        accepted: ((info.accepted ?? []) as Array<string | { address: string }>).map((a) => (typeof a === 'string' ? a : a.address)),
        rejected: ((info.rejected ?? []) as Array<string | { address: string }>).map((a) => (typeof a === 'string' ? a : a.address)),
        response: String(info.response ?? ''),
      };
    },
    async verify() {
      await transporter.verify();
    },
    close() {
      transporter.close();
    },
  };
}
