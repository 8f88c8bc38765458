/**
 * SMTP failure classification (pure). The outbox retries what may succeed later (4xx, a
 * network problem, bad credentials an admin can fix) and fails the rest (5xx) so the agent
 * sees it. Input is the error shape nodemailer and Node sockets produce; only fields are
 * read, never the message text.
 */
import { ChannelError } from '../../src/domain/errors.js';

export interface SmtpErrorLike {
  code?: unknown;
  errno?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  // nodemailer's own wrappers around socket trouble
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
]);

/** Auth failures are permanent per SMTP but fixable by an admin: keep the mail queued. */
const AUTH_RESPONSE_CODES = new Set([530, 534, 535, 538]);
const AUTH_RETRY_MS = 5 * 60_000;

function short(text: unknown): string {
  return String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

export function classifySmtpError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: err }) as SmtpErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const detail = short(e.response ?? e.message);

  if (code === 'EAUTH' || (responseCode !== undefined && AUTH_RESPONSE_CODES.has(responseCode))) {
    return new ChannelError(
      'smtp_auth',
      `SMTP authentication failed${responseCode ? ` (${responseCode})` : ''}: ${detail}`,
      true,
      AUTH_RETRY_MS,
    );
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 600) {
    const permanent = responseCode >= 500;
    return new ChannelError(`smtp_${responseCode}`, `SMTP ${permanent ? 'rejected' : 'deferred'} the message: ${detail}`, !permanent);
  }
  if (code && NETWORK_CODES.has(code)) return new ChannelError('network', `SMTP connection problem (${code}): ${detail}`, true);
  if (typeof e.errno === 'string' && NETWORK_CODES.has(e.errno))
    return new ChannelError('network', `SMTP connection problem (${e.errno}): ${detail}`, true);
  if (code === 'EENVELOPE') return new ChannelError('smtp_envelope', `SMTP envelope refused: ${detail}`, false);
  if (code === 'EMESSAGE' || code === 'ESTREAM')
    return new ChannelError('smtp_message', `the message could not be built: ${detail}`, false);
  return new ChannelError('smtp_unknown', `SMTP send failed: ${detail}`, true);
}
