/**
 * The inbound half of one mailbox: one independent worker per watched folder, each with its
 * own IMAP connection, so a broken folder (or mailbox) never stalls another.
 *
 * Per message, in this order: raw bytes to the blob store, parse (or a visible placeholder),
 * loop and bounce handling, then `ctx.ingest`. Messages prepared together are ingested together
 * (one group commit, an outcome each) and the folder cursor is saved once every message up to
 * it has committed (a lone message carries it in its own transaction). A crash replays at most
 * the messages committed after the last saved cursor, which ingest answers as `duplicate`. Only after the batch is ingested is the
 * mailbox touched (\Seen or move); nothing is ever deleted.
 *
 * The rooms: imap-message (prepare and commit one message), inbound-decision (loops and
 * bounces, pure), imap-folder-sync (one sync pass), imap-folder-worker (connection, IDLE,
 * reconnects), imap-health (pure). This file wires them and owns start/stop.
 */
import type { ChannelContext, ChannelHealth, InboundSource } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import type { ImapEmailConfig } from './config.js';
import { createFolderSync, type EmailSyncProgress } from './imap-folder-sync.js';
import { createFolderWorker } from './imap-folder-worker.js';
import { allFoldersUpToDate, newFolderHealth, sourceHealth, type FolderHealth } from './imap-health.js';
import { createMessageSteps, errorText } from './imap-message.js';
import type { ImapSession } from './imapflow-client.js';
import type { MailAuthenticator } from './mail-auth.js';
import type { MessageIdSigner } from './message-id.js';
import { parseEmail as inProcessParseEmail } from './parse/index.js';
import { createParsePool, type ParsePool, type ParsePoolOptions } from './parse/parse-pool.js';
import { DEFAULT_RECONNECT, type AuthBackoffOptions, type ReconnectPolicyOptions } from './reconnect-policy.js';

export { cursorKey } from './imap-message.js';
export type { EmailSyncProgress } from './imap-folder-sync.js';

/** What the source needs from the parse module (channels/email/parse). */
export interface ParsedEmailLike {
  message: InboundMessageInput;
  classification: string;
  bounce?:
    | {
        originalMessageId?: string | undefined;
        delayed?: boolean | undefined;
        recipients: Array<{ address: string; status?: string | undefined; action?: string | undefined; diagnostic?: string | undefined }>;
      }
    | undefined;
  loop: { fromSelf: boolean; ourMessageId: boolean; xLoop: boolean };
  /** Raw header values the sender proof reads (top first). */
  headers?: { authenticationResults?: string[] | undefined; deliveredTo?: string[] | undefined } | undefined;
}

export interface EmailParser {
  parseEmail(
    raw: Buffer,
    options: {
      blobs: ChannelContext['blobs'];
      maxAttachmentBytes: number;
      supportAddresses: string[];
      verifyMessageId?: (id: string) => number | undefined;
      /**
       * Set by a caller that gives `raw` up: the parser may take its memory over (it is then
       * empty) and reads the bytes again through this if it still needs them (a placeholder).
       */
      rereadRaw?: (() => Promise<Buffer>) | undefined;
      /**
       * The raw's file in the local blob store (ctx.blobs.local): a parser in another process
       * reads it there. `raw` may then be empty; `rereadRaw` is given with it.
       */
      rawFile?: string | undefined;
    },
  ): Promise<ParsedEmailLike>;
  unparseableEmail(raw: Buffer, reason: string, fallbackId: string): InboundMessageInput;
}

export interface ImapSourceOptions {
  config: ImapEmailConfig;
  ctx: ChannelContext;
  signer: MessageIdSigner;
  parser: EmailParser;
  /** Opens an authenticated session (password or a fresh XOAUTH2 token). */
  connect: () => Promise<ImapSession>;
  reconnect?: ReconnectPolicyOptions;
  /** Waits after refused credentials (default: 5 min, growing to 6 h). */
  authBackoff?: AuthBackoffOptions;
  /** Our own DKIM/DMARC check (config `verifyAuthentication`), run on the raw bytes before ingest. */
  authenticator?: MailAuthenticator | undefined;
  /** Fetch batches: count and bytes (a huge message goes alone). */
  batchCount?: number;
  batchBytes?: number;
  /** Messages stored and parsed ahead of the commits; the older half is ingested together (one group commit). */
  pipelineDepth?: number;
  /** Bytes of message source stored and parsed ahead of the commits (bounds memory; default 16 MB). */
  windowBytes?: number;
  /** Child processes and time budget of the production parser (parse/parse-pool.ts); false parses in-process. */
  parsePool?: ParsePoolOptions | false;
  /** Each step of a folder's fetch (`email sync` draws its bar from this); without it, a log line a second. */
  onProgress?: ((progress: EmailSyncProgress) => void) | undefined;
}

export interface ImapSource extends InboundSource {
  /** Every folder connected, fetched at least once and with nothing waiting. */
  upToDate(): boolean;
}

export function createImapSource(options: ImapSourceOptions): ImapSource {
  const { config, ctx, parser } = options;
  const log = ctx.logger;
  // The production parser runs in child processes with a time budget (issue 9: one hostile mail
  // must never stall the API); a parser injected by a test runs as given.
  let pool: ParsePool | undefined;
  const pooled = options.parsePool !== false && parser.parseEmail === inProcessParseEmail;
  const parseEmail: EmailParser['parseEmail'] = pooled
    ? (raw, opts) => (pool ??= createParsePool(options.parsePool || {})).parseEmail(raw, opts)
    : async (raw, opts) => parser.parseEmail(raw.byteLength === 0 && opts.rereadRaw ? await opts.rereadRaw() : raw, opts);
  const folders = new Map<string, FolderHealth>(config.imap.folders.map((f) => [f, newFolderHealth()]));
  const stopController = new AbortController();
  const sessions = new Set<ImapSession>();
  const workers: Promise<void>[] = [];
  let started = false;
  let stopped = false;
  const isStopped = (): boolean => stopped;

  const steps = createMessageSteps({ config, ctx, signer: options.signer, parser, parseEmail, authenticator: options.authenticator });
  const syncFolder = createFolderSync({
    config,
    ctx,
    steps,
    // imapflow hands out one message at a time (real backpressure), so a batch costs no memory;
    // batches only bound how long flags wait and how often a FETCH round trip stalls the pipe.
    batchCount: options.batchCount ?? 500,
    batchBytes: options.batchBytes ?? 256 * 1024 * 1024,
    pipelineDepth: Math.max(1, options.pipelineDepth ?? 32),
    windowBytes: Math.max(1, options.windowBytes ?? 16 * 1024 * 1024),
    stopped: isStopped,
    onProgress: options.onProgress,
  });
  const runFolder = createFolderWorker({
    config,
    ctx,
    connect: options.connect,
    syncFolder,
    policy: options.reconnect ?? DEFAULT_RECONNECT,
    authBackoff: options.authBackoff,
    sessions,
    signal: stopController.signal,
    stopped: isStopped,
  });

  return {
    async start() {
      if (started) return;
      started = true;
      if (pooled) pool ??= createParsePool(options.parsePool || {});
      for (const folder of config.imap.folders) {
        workers.push(
          runFolder(folder, folders.get(folder)!).catch((err) => {
            log.error({ folder, err: errorText(err) }, 'imap folder worker crashed');
          }),
        );
      }
    },
    async stop() {
      stopped = true;
      stopController.abort();
      await Promise.all([...sessions].map((s) => s.close().catch(() => undefined)));
      await Promise.all(workers);
      await pool?.close();
      for (const h of folders.values()) h.state = 'stopped';
    },
    health(): ChannelHealth {
      return sourceHealth(folders, stopped);
    },
    upToDate() {
      return allFoldersUpToDate(folders);
    },
  };
}
