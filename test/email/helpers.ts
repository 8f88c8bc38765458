/** Shared bits of the email integration tests. */
import { emailChannelConfigSchema, type EmailChannelConfig } from '../../channels/email/config.js';
import type { TestDovecot } from '../../scripts/test-services/dovecot.js';
import type { SmtpCapture } from '../../scripts/test-services/smtp-capture.js';

export function emailConfig(
  dovecot: Pick<TestDovecot, 'imapConfig'>,
  smtp: Pick<SmtpCapture, 'smtpConfig'> | undefined,
  overrides: { imap?: Record<string, unknown>; smtp?: Record<string, unknown>; [k: string]: unknown } = {},
): EmailChannelConfig {
  const { imap, smtp: smtpOverrides, ...rest } = overrides;
  return emailChannelConfigSchema.parse({
    id: 'support',
    kind: 'email',
    addresses: ['support@help.test'],
    displayName: 'Help Desk',
    imap: dovecot.imapConfig({ allowInsecureTls: true, pollIntervalSeconds: 5, ...(imap ?? {}) }),
    smtp: smtp ? smtp.smtpConfig(smtpOverrides ?? {}) : { host: '127.0.0.1', port: 1, ...(smtpOverrides ?? {}) },
    ...rest,
  });
}

/** Polls `check` every 25 ms until it returns a truthy value or the time runs out. */
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const FAST_RECONNECT = { baseMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5, stableAfterMs: 5_000 };
