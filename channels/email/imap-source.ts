/**
 * The inbound half of one mailbox: one independent worker per watched folder, each with its
 * own IMAP connection, so a broken folder (or mailbox) never stalls another.
 *
 * Per message, in this order: raw bytes to the blob store, parse (or a visible placeholder),
 * loop and bounce handling, then `ctx.ingest` with the folder cursor as checkpoint, so the
 * cursor moves in the same transaction as the message. A crash replays at most the message
 * in flight, which ingest answers as `duplicate`. Only after the batch is ingested is the
 * mailbox touched (\Seen or move); nothing is ever deleted.
 */
import type { ChannelContext, ChannelHealth, InboundSource } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import type { ImapEmailConfig } from './config.js';
import {
  advanceCursor,
  batchBySize,
  cursorAfterSearch,
  newUids,
  planSync,
  type FolderCursor,
  type FolderStatus,
  withoutUnflagged,
} from './imap-cursor.js';
import { envelopeRecipients } from './parse/agent-token.js';
import type { ImapFetchedMessage, ImapMessageInfo, ImapSession } from './imapflow-client.js';
import type { MailAuthenticator, MailAuthReport } from './mail-auth.js';
import type { MessageIdSigner } from './message-id.js';
import { parseEmail as inProcessParseEmail } from './parse/index.js';
import { createParsePool, type ParsePool, type ParsePoolOptions } from './parse/parse-pool.js';
import { authFailureDelay, DEFAULT_RECONNECT, ImapAuthError, nextAttempt, reconnectDelay, type AuthBackoffOptions, type ReconnectPolicyOptions } from './reconnect-policy.js';
import { emailSenderProof } from './sender-proof.js';

/** What the source needs from the parse module (channels/email/parse). */
export interface ParsedEmailLike {
  message: InboundMessageInput;
  classification: string;
  bounce?: { originalMessageId?: string | undefined; delayed?: boolean | undefined; recipients: Array<{ address: string; status?: string | undefined; action?: string | undefined; diagnostic?: string | undefined }> } | undefined;
  loop: { fromSelf: boolean; ourMessageId: boolean; xLoop: boolean };
  /** Raw header values the sender proof reads (top first). */
  headers?: { authenticationResults?: string[] | undefined; deliveredTo?: string[] | undefined } | undefined;
}

export interface EmailParser {
  parseEmail(
    raw: Buffer,
    options: { blobs: ChannelContext['blobs']; maxAttachmentBytes: number; supportAddresses: string[]; verifyMessageId?: (id: string) => number | undefined },
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
  /** Messages stored and parsed ahead of the one being committed (commits stay in UID order). */
  pipelineDepth?: number;
  /** Worker threads and time budget of the production parser (parse/parse-pool.ts); false parses in-process. */
  parsePool?: ParsePoolOptions | false;
}

const MAX_MISSED_TRIES = 3;
/** Messages above this are streamed to the blob store and parsed with nothing else in flight (bounds memory). */
const LARGE_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Bytes kept of a message over `maxMessageBytes`: enough for every header and a preview. */
const OVERSIZE_HEAD_BYTES = 256 * 1024;

interface FolderHealth {
  state: 'starting' | 'connecting' | 'ok' | 'backing_off' | 'auth_failed' | 'stopped';
  lastFetchAt?: number | undefined;
  lastError?: string | undefined;
  lastErrorAt?: number | undefined;
  backlog: number;
  nextAttemptAt?: number | undefined;
  ingested: number;
}

/** Consecutive items grouped by a boolean key (order kept). */
function runsBy<T, K>(items: readonly T[], key: (item: T) => K): T[][] {
  const out: T[][] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && key(last[0]!) === key(item)) last.push(item);
    else out.push([item]);
  }
  return out;
}

export const cursorKey = (folder: string): string => `cursor:${folder}`;

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; responseText?: unknown };
  const parts = [typeof e?.code === 'string' ? e.code : undefined, typeof e?.responseText === 'string' ? e.responseText : typeof e?.message === 'string' ? e.message : String(err)];
  return parts.filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 300);
}

export function createImapSource(options: ImapSourceOptions): InboundSource {
  const { config, ctx, signer, parser } = options;
  const log = ctx.logger;
  // The production parser runs in worker threads with a time budget (issue 9: one hostile mail
  // must never stall the API); a parser injected by a test runs as given.
  let pool: ParsePool | undefined;
  const pooled = options.parsePool !== false && parser.parseEmail === inProcessParseEmail;
  const parseEmail: EmailParser['parseEmail'] = pooled
    ? (raw, opts) => (pool ??= createParsePool(options.parsePool || {})).parseEmail(raw, opts)
    : (raw, opts) => parser.parseEmail(raw, opts);
  const policy = options.reconnect ?? DEFAULT_RECONNECT;
  const batchCount = options.batchCount ?? 500;
  // imapflow hands out one message at a time (real backpressure), so a batch costs no memory;
  // batches only bound how long flags wait and how often a FETCH round trip stalls the pipe.
  const batchBytes = options.batchBytes ?? 256 * 1024 * 1024;
  const pipelineDepth = Math.max(1, options.pipelineDepth ?? 4);
  const folders = new Map<string, FolderHealth>(config.imap.folders.map((f) => [f, { state: 'starting', backlog: 0, ingested: 0 }]));
  const stopController = new AbortController();
  const sessions = new Set<ImapSession>();
  const workers: Promise<void>[] = [];
  let started = false;
  let stopped = false;

  const verifyMessageId = (id: string): number | undefined => signer.verify(id);
  /** UIDs the server left out of a fetch, and how often (bounded retries, then a placeholder). */
  const missedTries = new Map<number, number>();

  async function unfetchablePlaceholder(uid: number, uidValidity: string): Promise<PreparedMessage> {
    const raw = Buffer.from(`X-Ponte-Note: the IMAP server did not return message UID ${uid}\r\n\r\n`);
    const put = await ctx.blobs.put(raw);
    const reason = `the IMAP server did not return message UID ${uid} after ${MAX_MISSED_TRIES} attempts`;
    return { msg: { uid, size: 0 }, rawKey: put.key, parsed: { placeholder: parser.unparseableEmail(raw, reason, `imap-${uidValidity}-${uid}@ponte.invalid`) } };
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (stopController.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        stopController.signal.removeEventListener('abort', done);
        resolve();
      }
      stopController.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Plus-addressed recipients (`support+10001.sig@`) prove the ticket like our Message-ID does. */
  function withPlusTokens(message: InboundMessageInput): InboundMessageInput {
    if (config.replyTo.mode !== 'plus') return message;
    const sep = config.replyTo.separator;
    const found = new Set<number>(message.threadHints?.signedTicketNumbers ?? []);
    for (const a of [...(message.to ?? []), ...(message.cc ?? [])]) {
      const n = signer.verifyPlusAddress(a.address, config.addresses, sep);
      if (n !== undefined) found.add(n);
    }
    if (found.size === (message.threadHints?.signedTicketNumbers?.length ?? 0)) return message;
    return { ...message, threadHints: { references: message.threadHints?.references ?? [], signedTicketNumbers: [...found].slice(0, 20) } };
  }

  /** What the mail proves about its sender: our per-agent token, trusted authentication results. */
  function withProof(message: InboundMessageInput, parsed: ParsedEmailLike, auth: MailAuthReport | undefined): InboundMessageInput {
    const sep = config.replyTo.mode === 'plus' ? config.replyTo.separator : '+';
    const proof = emailSenderProof({
      from: message.from.address,
      references: message.threadHints?.references ?? [],
      recipients: [...(message.to ?? []), ...(message.cc ?? [])].map((a) => a.address).concat(envelopeRecipients(parsed.headers?.deliveredTo ?? [])),
      authenticationResults: parsed.headers?.authenticationResults ?? [],
      trustedAuthservIds: config.trustedAuthservIds,
      verifier: { messageId: (id) => signer.verifyAgent(id), address: (a) => signer.verifyAgentPlusAddress(a, config.addresses, sep) },
      checked: auth && !auth.skipped ? auth : undefined,
    });
    if (auth?.skipped) log.warn({ reason: auth.skipped }, 'sender authentication check skipped');
    return { ...message, proof };
  }

  /** Our own DKIM/DMARC check when configured; DNS lookups here, before (never inside) the ingest transaction. */
  function checkAuthentication(raw: Buffer): Promise<MailAuthReport | undefined> {
    return options.authenticator ? options.authenticator.check(raw) : Promise.resolve(undefined);
  }

  /** Parses; a parse bug becomes `{ failed }` (placeholder later), a blob store failure propagates (retry later). */
  async function tryParse(raw: Buffer): Promise<ParsedEmailLike | { failed: unknown }> {
    try {
      return await parseEmail(raw, { blobs: ctx.blobs, maxAttachmentBytes: config.maxAttachmentBytes, supportAddresses: config.addresses, verifyMessageId });
    } catch (err) {
      // The parse module throws only for blob store failures (disk full): retrying later is
      // right, skipping would lose the attachments. Let the worker back off.
      if ((err as { code?: unknown }).code !== undefined && (err as { code?: unknown }).code !== 'parse_failed') throw err;
      return { failed: err };
    }
  }

  async function parseOrPlaceholder(
    raw: Buffer,
    info: ImapMessageInfo,
    rawKey: string,
    oversize: boolean,
    failed?: unknown,
  ): Promise<ParsedEmailLike | { placeholder: InboundMessageInput }> {
    const fallbackId = `sha256-${rawKey}@ponte.invalid`;
    if (oversize) {
      const reason = `the message is ${info.size} bytes, over this mailbox's limit of ${config.maxMessageBytes}; only its first ${OVERSIZE_HEAD_BYTES} bytes were kept`;
      return { placeholder: parser.unparseableEmail(raw, reason, fallbackId) };
    }
    const result = failed !== undefined ? { failed } : await tryParse(raw);
    if ('failed' in result) return { placeholder: parser.unparseableEmail(raw, `could not parse: ${errorText(result.failed)}`, fallbackId) };
    return result;
  }

  interface PreparedMessage {
    /** The source bytes are dropped once stored: only the blob holds them from here on. */
    msg: ImapMessageInfo;
    rawKey: string;
    parsed: ParsedEmailLike | { placeholder: InboundMessageInput };
    auth?: MailAuthReport | undefined;
  }

  /** Raw bytes to the blob store, then parse (attachments stream to blobs). Safe to run ahead of commits. */
  async function prepareMessage(msg: ImapFetchedMessage, oversize: boolean): Promise<PreparedMessage> {
    // Storing the raw bytes and parsing overlap (one is disk, the other CPU); both finish
    // before the commit, so the raw is always stored before the cursor moves.
    const putting = ctx.blobs.put(msg.source, { maxBytes: Math.max(config.maxMessageBytes, msg.source.length) + 1 });
    putting.catch(() => undefined);
    const parsing = oversize ? undefined : tryParse(msg.source);
    parsing?.catch(() => undefined);
    const authing = oversize ? undefined : checkAuthentication(msg.source);
    const put = await putting;
    const first = parsing ? await parsing : undefined;
    const parsed = first && !('failed' in first) ? first : await parseOrPlaceholder(msg.source, msg, put.key, oversize, first?.failed);
    return { msg: { uid: msg.uid, size: msg.size, internalDate: msg.internalDate }, rawKey: put.key, parsed, auth: await authing };
  }

  async function prepareLargeMessage(session: ImapSession, info: ImapMessageInfo): Promise<PreparedMessage | undefined> {
    const stream = await session.download(info.uid);
    if (!stream) return undefined;
    const put = await ctx.blobs.put(stream, { maxBytes: config.maxMessageBytes + OVERSIZE_HEAD_BYTES });
    const raw = await ctx.blobs.read(put.key);
    const [parsed, auth] = await Promise.all([parseOrPlaceholder(raw, info, put.key, false), checkAuthentication(raw)]);
    return { msg: info, rawKey: put.key, parsed, auth };
  }

  /** Bounce bookkeeping and ingest with the cursor as checkpoint; strictly in UID order. Returns the cursor after it. */
  async function commitMessage(folder: string, cursor: FolderCursor, prepared: PreparedMessage): Promise<FolderCursor> {
    const { msg, rawKey, parsed } = prepared;
    const next = advanceCursor(cursor, msg.uid, msg.internalDate, config.imap.afterIngest !== 'none');
    const checkpoint = { key: cursorKey(folder), value: next };
    const meta = { folder, uid: msg.uid, uidValidity: cursor.uidValidity, size: msg.size };

    let message: InboundMessageInput;
    let ignore: { reason: string } | undefined;
    if ('placeholder' in parsed) {
      message = parsed.placeholder;
    } else {
      message = withProof(withPlusTokens(parsed.message), parsed, prepared.auth);
      if (parsed.loop.fromSelf) ignore = { reason: 'loop: sent from our own support address' };
      else if (parsed.loop.ourMessageId) ignore = { reason: 'loop: carries our own Message-ID' };
      else if (parsed.loop.xLoop) ignore = { reason: 'loop: X-Loop names our address' };
      // A delay warning (Action: delayed) is loop-safe like a bounce but has not failed the message.
      if (parsed.classification === 'bounce' && parsed.bounce?.originalMessageId && !parsed.bounce.delayed) {
        const failed = parsed.bounce.recipients[0];
        const status = failed?.status;
        const updated = await ctx.updateDelivery({
          externalId: parsed.bounce.originalMessageId.replace(/^<+|>+$/g, ''),
          status: 'failed',
          at: ctx.clock.now(),
          errorCode: status ? `bounce_${status}` : 'bounce',
          errorMessage: [failed?.address, failed?.diagnostic].filter(Boolean).join(': ').slice(0, 500) || 'delivery failed (bounce)',
        });
        log.info({ folder, uid: msg.uid, matched: updated, status }, 'bounce received');
      }
    }
    message = { ...message, agentCommands: config.agentReplies, metadata: { ...(message.metadata ?? {}), imap: meta } };

    try {
      await ctx.ingest({ message, checkpoint, rawKey, ...(ignore ? { ignore } : {}) });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'validation_failed') throw err;
      // Our normalization produced something the core refuses: keep the mail visible instead
      // of blocking the folder behind it.
      log.error({ folder, uid: msg.uid, err: errorText(err) }, 'ingest rejected the normalized message; storing a placeholder');
      const placeholder = parser.unparseableEmail(await ctx.blobs.read(rawKey), `rejected by ingest: ${errorText(err)}`, `sha256-${rawKey}@ponte.invalid`);
      await ctx.ingest({ message: { ...placeholder, metadata: { imap: meta } }, checkpoint, rawKey });
    }
    return next;
  }

  /** Flags or moves ingested mail; true when the server took it (the cursor then forgets the UIDs). */
  async function afterIngest(session: ImapSession, folder: string, uids: number[]): Promise<boolean> {
    if (!uids.length || config.imap.afterIngest === 'none') return false;
    try {
      if (config.imap.afterIngest === 'seen') await session.markSeen(uids);
      else if (config.imap.afterIngest === 'move' && config.imap.moveTo) await session.move(uids, config.imap.moveTo);
      return true;
    } catch (err) {
      // Flags are a courtesy to humans; the cursor already protects against refetching, and the
      // UIDs stay listed in it, so the next start tries again.
      log.warn({ folder, count: uids.length, err: errorText(err) }, 'could not flag/move ingested messages');
      return false;
    }
  }

  /** After-ingest actions, then the cursor without those UIDs. */
  async function flagIngested(session: ImapSession, folder: string, cursor: FolderCursor, uids: number[]): Promise<FolderCursor> {
    if (!(await afterIngest(session, folder, uids))) return cursor;
    const next = withoutUnflagged(cursor, uids);
    if (next !== cursor) await ctx.saveCheckpoint(cursorKey(folder), next);
    return next;
  }

  /** Returns true when it should run again at once (a fetch ended short). */
  async function syncFolder(session: ImapSession, folder: string, health: FolderHealth): Promise<boolean> {
    const status: FolderStatus = await session.status();
    let cursor = await ctx.state.get<FolderCursor>(cursorKey(folder));
    // A crash between an ingest and its \Seen/move: finish the job for those UIDs now.
    if (cursor?.unflagged?.length) {
      if (cursor.uidValidity === status.uidValidity) {
        const pending = cursor.unflagged;
        cursor = await flagIngested(session, folder, cursor, pending);
        if (!cursor.unflagged?.length) log.info({ folder, count: pending.length }, 'after a restart: flagged/moved mail ingested before it');
      } else {
        cursor = withoutUnflagged(cursor, cursor.unflagged);
        await ctx.saveCheckpoint(cursorKey(folder), cursor);
      }
    }
    const plan = planSync(status, cursor, config.imap.backfill, ctx.clock.now());
    let fromUid: number;
    let backfill = false;
    switch (plan.kind) {
      case 'up_to_date':
        health.backlog = 0;
        health.lastFetchAt = ctx.clock.now();
        return false;
      case 'start_at_end':
        await ctx.saveCheckpoint(cursorKey(folder), plan.cursor);
        log.info({ folder, lastUid: plan.cursor.lastUid }, 'first start: watching for new mail only');
        health.lastFetchAt = ctx.clock.now();
        return false;
      case 'search_since': {
        const uids = await session.searchSince(plan.since);
        cursor = cursorAfterSearch(status, uids, cursor?.uidValidity === status.uidValidity ? cursor.lastDate : undefined);
        if (plan.reason === 'resync') log.warn({ folder, since: plan.since.toISOString(), found: uids.length }, 'UIDVALIDITY changed: refetching recent mail (duplicates are dropped)');
        await ctx.saveCheckpoint(cursorKey(folder), cursor);
        fromUid = cursor.lastUid + 1;
        backfill = true;
        break;
      }
      case 'fetch':
        if (plan.reason === 'resync_all') {
          log.warn({ folder }, 'UIDVALIDITY changed: refetching the folder (duplicates are dropped)');
          cursor = { uidValidity: status.uidValidity, lastUid: 0 };
          backfill = true;
        }
        fromUid = plan.fromUid;
        break;
    }
    let current: FolderCursor = cursor!;
    const pending = newUids(await session.list(fromUid), fromUid - 1);
    health.backlog = pending.length;
    health.lastFetchAt = ctx.clock.now();
    if (!pending.length) return false;
    const total = pending.length;
    let done = 0;
    let lastProgressAt = 0;
    const showProgress = backfill || total > 200;
    // Progress for the CLI's bar: at most once a second, plus the start and the end.
    const counted = (): void => {
      health.ingested++;
      done++;
      health.backlog = total - done;
      if (showProgress && (done === total || ctx.clock.now() - lastProgressAt >= 1_000)) {
        lastProgressAt = ctx.clock.now();
        log.info({ folder, phase: 'backfill', done, total }, 'email sync progress');
      }
    };
    if (showProgress) log.info({ folder, phase: 'backfill', done: 0, total }, 'email sync progress');

    for (const batch of batchBySize(pending, batchCount, batchBytes)) {
      if (stopped) return false;
      const handled: number[] = [];
      let interrupted = false;
      // Fetched in UID order and ingested while the rest of the batch streams in; the cursor
      // moves with each message. Runs of oversized mail are fetched head-only, in order.
      const kindOf = (m: ImapMessageInfo): 'normal' | 'large' | 'oversize' =>
        m.size > config.maxMessageBytes ? 'oversize' : m.size > LARGE_MESSAGE_BYTES ? 'large' : 'normal';
      for (const run of runsBy(batch, kindOf)) {
        const kind = kindOf(run[0]!);
        if (kind === 'large') {
          // Streamed to the blob store, parsed alone: a 35 MB mail costs one copy, not four.
          for (const item of run) {
            const prepared = await prepareLargeMessage(session, item);
            if (!prepared) continue; // expunged meanwhile
            current = await commitMessage(folder, current, prepared);
            handled.push(item.uid);
            counted();
          }
          continue;
        }
        const oversize = kind === 'oversize';
        const sizes = new Map(run.map((m) => [m.uid, m.size]));
        const stream = oversize ? session.fetch(run.map((m) => m.uid), OVERSIZE_HEAD_BYTES) : session.fetch(run.map((m) => m.uid));
        // Up to `pipelineDepth` messages are stored and parsed ahead while earlier ones commit.
        const ahead: Array<Promise<PreparedMessage>> = [];
        const commitOldest = async (): Promise<void> => {
          const prepared = await ahead.shift()!;
          current = await commitMessage(folder, current, prepared);
          handled.push(prepared.msg.uid);
          counted();
        };
        const order = run.map((m) => m.uid);
        let nextIndex = 0;
        try {
          for await (const msg of stream) {
            const size = sizes.get(msg.uid);
            const index = order.indexOf(msg.uid, nextIndex);
            if (size === undefined || index < 0) continue;
            // Something before this UID did not arrive: committing this one would move the
            // cursor past it. Stop here; the check below decides (expunged, or fetch again).
            if (index > nextIndex) {
              interrupted = true;
              break;
            }
            nextIndex = index + 1;
            const p = prepareMessage(oversize ? { ...msg, size } : msg, oversize);
            p.catch(() => undefined); // awaited in order below; never an unhandled rejection
            ahead.push(p);
            if (ahead.length >= pipelineDepth) await commitOldest();
          }
          while (ahead.length) await commitOldest();
        } finally {
          ahead.length = 0;
        }
        if (interrupted) break;
      }
      // A message expunged meanwhile must not hold the cursor back; one that is still there
      // (a fetch that ended short) must not be skipped: sync again from it.
      const handledSet = new Set(handled);
      const missing = batch.filter((m) => !handledSet.has(m.uid)).map((m) => m.uid);
      const stillThere = new Set(missing.length ? await session.present(missing) : []);
      let passable = current.lastUid;
      for (const m of batch) {
        if (stillThere.has(m.uid)) break;
        passable = m.uid;
      }
      if (current.lastUid < passable) {
        current = advanceCursor(current, passable);
        await ctx.saveCheckpoint(cursorKey(folder), current);
      }
      if (stillThere.size) {
        const stuck = Math.min(...stillThere);
        const tries = (missedTries.get(stuck) ?? 0) + 1;
        missedTries.set(stuck, tries);
        log.warn({ folder, uid: stuck, tries }, 'the server left a message out of a fetch; fetching again');
        if (tries >= MAX_MISSED_TRIES) {
          // The server will not hand it over: a visible placeholder, so the folder moves on.
          current = await commitMessage(folder, current, await unfetchablePlaceholder(stuck, current.uidValidity));
          missedTries.delete(stuck);
        }
        current = await flagIngested(session, folder, current, handled);
        return true;
      }
      health.lastFetchAt = ctx.clock.now();
      current = await flagIngested(session, folder, current, handled);
    }
    return false;
  }

  /** Resolves when new mail is announced, the poll interval passes, the connection drops or we stop. */
  function waitForWake(session: ImapSession, wake: { pending: boolean; closed: boolean; notify?: (() => void) | undefined }): Promise<void> {
    if (wake.pending || wake.closed || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, config.imap.pollIntervalSeconds * 1000);
      const onAbort = (): void => finish();
      stopController.signal.addEventListener('abort', onAbort, { once: true });
      wake.notify = finish;
      if (config.imap.idle && session.supportsIdle()) session.idle();
      function finish(): void {
        clearTimeout(timer);
        stopController.signal.removeEventListener('abort', onAbort);
        wake.notify = undefined;
        resolve();
      }
    });
  }

  async function runFolder(folder: string): Promise<void> {
    const health = folders.get(folder)!;
    let attempt = 0;
    let authFailures = 0;
    while (!stopped) {
      let session: ImapSession | undefined;
      let connectedAt: number | undefined;
      health.state = 'connecting';
      try {
        session = await options.connect();
        sessions.add(session);
        if (stopped) break;
        const wake: { pending: boolean; closed: boolean; notify?: (() => void) | undefined } = { pending: true, closed: false };
        session.onNewMail(() => {
          wake.pending = true;
          wake.notify?.();
        });
        session.onClose(() => {
          wake.closed = true;
          wake.notify?.();
        });
        await session.open(folder);
        connectedAt = Date.now();
        authFailures = 0;
        health.state = 'ok';
        health.nextAttemptAt = undefined;
        while (!stopped) {
          wake.pending = false;
          if (await syncFolder(session, folder, health)) wake.pending = true;
          health.lastError = undefined;
          if (wake.closed) throw new Error('connection closed by the server');
          await waitForWake(session, wake);
          if (wake.closed && !stopped) throw new Error('connection closed by the server');
        }
      } catch (err) {
        if (stopped) break;
        health.lastError = errorText(err);
        health.lastErrorAt = ctx.clock.now();
        if (err instanceof ImapAuthError) authFailures++;
        else log.warn({ folder, err: health.lastError }, 'imap folder worker failed; reconnecting');
      } finally {
        if (session) {
          sessions.delete(session);
          await session.close().catch(() => undefined);
        }
      }
      if (stopped) break;
      attempt = nextAttempt(attempt, connectedAt === undefined ? undefined : Date.now() - connectedAt, policy);
      // Refused credentials: long intervals (accounts get locked for less), state auth_failed.
      const refused = authFailures > 0 && connectedAt === undefined;
      const delay = refused ? authFailureDelay(authFailures, options.authBackoff) : reconnectDelay(attempt, policy);
      health.state = refused ? 'auth_failed' : 'backing_off';
      health.nextAttemptAt = ctx.clock.now() + delay;
      if (refused) log.error({ folder, err: health.lastError, failures: authFailures, nextAttemptAt: new Date(health.nextAttemptAt).toISOString() }, 'imap login refused; retrying at a long interval');
      await sleep(delay);
    }
    health.state = 'stopped';
  }

  return {
    async start() {
      if (started) return;
      started = true;
      if (pooled) pool ??= createParsePool(options.parsePool || {});
      for (const folder of config.imap.folders) {
        workers.push(
          runFolder(folder).catch((err) => {
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
      const list = [...folders.entries()];
      const okCount = list.filter(([, h]) => h.state === 'ok').length;
      let state: ChannelHealth['state'];
      if (stopped) state = 'stopped';
      else if (list.some(([, h]) => h.state === 'auth_failed')) state = 'auth_failed';
      else if (list.every(([, h]) => h.state === 'starting' || h.state === 'connecting')) state = list.some(([, h]) => h.lastError) ? 'backing_off' : 'starting';
      else if (okCount === list.length) state = 'ok';
      else if (okCount > 0) state = 'degraded';
      else state = 'backing_off';
      const lastFetch = Math.max(0, ...list.map(([, h]) => h.lastFetchAt ?? 0));
      const lastError = list.map(([f, h]) => (h.lastError ? `${f}: ${h.lastError}` : undefined)).find(Boolean);
      return {
        state,
        lastActivityAt: lastFetch || undefined,
        lastError,
        detail: {
          folders: Object.fromEntries(
            list.map(([f, h]) => [f, { state: h.state, lastFetchAt: h.lastFetchAt, backlog: h.backlog, ingested: h.ingested, lastError: h.lastError, nextAttemptAt: h.nextAttemptAt }]),
          ),
          backlog: list.reduce((n, [, h]) => n + h.backlog, 0),
        },
      };
    },
  };
}
