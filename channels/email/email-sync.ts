/**
 * `ponte email sync <channel>`: fetch what is waiting now (the configured backfill on a first
 * run) and return, with the same cursor and database the running gateway uses. Progress comes
 * through `onProgress` (typed, per folder); the caller only renders it. Log lines below
 * warnings are left out (the bar says what they would).
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { ImapEmailConfig } from './config.js';
import { createEmailSource, type EmailChannelDeps } from './index.js';
import type { EmailSyncProgress } from './imap-source.js';

export interface EmailSyncOptions {
  onProgress?: ((progress: EmailSyncProgress) => void) | undefined;
  /** Give up after this long (the source keeps retrying a failing login until then). */
  timeoutMs: number;
  /** How often to look whether every folder is up to date (default 250 ms). */
  checkEveryMs?: number;
  deps?: EmailChannelDeps;
}

export type EmailSyncResult =
  | { ok: true; fetched: number }
  | { ok: false; fetched: number; reason: 'timeout'; state: string; lastError?: string | undefined };

export async function syncEmailChannel(config: ImapEmailConfig, ctx: ChannelContext, options: EmailSyncOptions): Promise<EmailSyncResult> {
  const quiet: ChannelContext = { ...ctx, logger: ctx.logger.child({}, { level: 'warn' }) };
  const source = createEmailSource(config, quiet, options.deps, { onProgress: options.onProgress });
  const fetched = (): number => {
    const folders = (source.health().detail?.folders ?? {}) as Record<string, { ingested: number }>;
    return Object.values(folders).reduce((n, f) => n + f.ingested, 0);
  };
  const deadline = Date.now() + Math.max(1, options.timeoutMs);
  const step = options.checkEveryMs ?? 250;
  await source.start();
  try {
    while (Date.now() <= deadline) {
      await new Promise((r) => setTimeout(r, step));
      if (source.upToDate()) return { ok: true, fetched: fetched() };
    }
    const h = source.health();
    return { ok: false, fetched: fetched(), reason: 'timeout', state: h.state, lastError: h.lastError };
  } finally {
    await source.stop();
  }
}
