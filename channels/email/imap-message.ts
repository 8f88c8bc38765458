/**
 * One fetched message through the IMAP source, in two halves:
 * - prepare (safe to run ahead of commits): raw bytes to the blob store, parse (or a visible
 *   placeholder), our own DKIM/DMARC check when configured; DNS lookups here, never inside the
 *   ingest transaction;
 * - commit (strictly in UID order): proof and signed tickets, loop/bounce decision
 *   (inbound-decision.ts), then `ctx.ingest` with the folder cursor as its checkpoint.
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import type { ImapEmailConfig } from './config.js';
import { advanceCursor, type FolderCursor } from './imap-cursor.js';
import type { EmailParser, ParsedEmailLike } from './imap-source.js';
import type { ImapFetchedMessage, ImapMessageInfo, ImapSession } from './imapflow-client.js';
import { inboundDecision } from './inbound-decision.js';
import type { MailAuthenticator, MailAuthReport } from './mail-auth.js';
import type { MessageIdSigner } from './message-id.js';
import { envelopeRecipients } from './parse/agent-token.js';
import { emailSenderProof } from './sender-proof.js';
import { signedTicketNumbers } from './signed-tickets.js';

/** Bytes kept of a message over `maxMessageBytes`: enough for every header and a preview. */
export const OVERSIZE_HEAD_BYTES = 256 * 1024;
export const MAX_MISSED_TRIES = 3;
/**
 * Above this a mail on a local-disk store is parsed from its stored file (waiting for the store);
 * a smaller one is sent to the parse child while it is being stored (the pipe costs little there).
 */
const PARSE_FROM_FILE_ABOVE_BYTES = 64 * 1024;

export const cursorKey = (folder: string): string => `cursor:${folder}`;

export function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; responseText?: unknown };
  const parts = [
    typeof e?.code === 'string' ? e.code : undefined,
    typeof e?.responseText === 'string' ? e.responseText : typeof e?.message === 'string' ? e.message : String(err),
  ];
  return parts.filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 300);
}

/**
 * Gives a buffer's memory back at the next young-generation collection instead of the next full
 * one: the bytes move into a new, unreferenced ArrayBuffer (no copy) and `bytes` is left empty.
 * A fetched mail's source lives through its blob write and its parse, long enough to be promoted
 * to the old generation, where its memory waited for a mark-compact (V8 starts one after 64 MB
 * more of external memory): in bench:email the gateway's arrayBuffers ran up to 60 MB that way.
 * Only for a buffer that owns its whole ArrayBuffer (a slice of a shared pool is left alone) and
 * that nothing else reads any more: BlobStore.put keeps no reference once it has resolved.
 */
export function releaseBytes(bytes: Buffer): void {
  const whole = bytes.buffer;
  if (bytes.byteLength === 0 || bytes.byteOffset !== 0 || bytes.byteLength !== whole.byteLength) return;
  if (!(whole instanceof ArrayBuffer)) return;
  structuredClone(whole, { transfer: [whole] });
}

export interface PreparedMessage {
  /** The source bytes are dropped once stored: only the blob holds them from here on. */
  msg: ImapMessageInfo;
  rawKey: string;
  parsed: ParsedEmailLike | { placeholder: InboundMessageInput };
  auth?: MailAuthReport | undefined;
}

export interface MessageSteps {
  prepareMessage(msg: ImapFetchedMessage, oversize: boolean): Promise<PreparedMessage>;
  prepareLargeMessage(session: ImapSession, info: ImapMessageInfo): Promise<PreparedMessage | undefined>;
  unfetchablePlaceholder(uid: number, uidValidity: string): Promise<PreparedMessage>;
  /** Bounce bookkeeping and ingest with the cursor as checkpoint; returns the cursor after it. */
  commitMessage(folder: string, cursor: FolderCursor, prepared: PreparedMessage): Promise<FolderCursor>;
  /**
   * Bounce bookkeeping and ingest WITHOUT a checkpoint: for messages ingested together (one
   * group commit), whose caller saves the cursor once every message up to it has committed.
   */
  ingestMessage(folder: string, uidValidity: string, prepared: PreparedMessage): Promise<void>;
}

export function createMessageSteps(deps: {
  config: ImapEmailConfig;
  ctx: ChannelContext;
  signer: MessageIdSigner;
  parser: EmailParser;
  parseEmail: EmailParser['parseEmail'];
  authenticator?: MailAuthenticator | undefined;
}): MessageSteps {
  const { config, ctx, signer, parser } = deps;
  const log = ctx.logger;
  const verifyMessageId = (id: string): number | undefined => signer.verify(id);
  const plusSeparator = config.replyTo.mode === 'plus' ? config.replyTo.separator : '+';

  /** Our signed Message-IDs and (plus mode) signed plus recipients: one rule, signed-tickets.ts. */
  function withSignedTickets(message: InboundMessageInput): InboundMessageInput {
    const references = message.threadHints?.references ?? [];
    const numbers = signedTicketNumbers(
      { references, recipients: [...(message.to ?? []), ...(message.cc ?? [])].map((a) => a.address) },
      {
        messageId: verifyMessageId,
        plusAddress: config.replyTo.mode === 'plus' ? (a) => signer.verifyPlusAddress(a, config.addresses, plusSeparator) : undefined,
      },
    );
    const before = message.threadHints?.signedTicketNumbers ?? [];
    if (numbers.length === before.length && numbers.every((n, i) => n === before[i])) return message;
    return { ...message, threadHints: { references, signedTicketNumbers: numbers } };
  }

  /** What the mail proves about its sender: our per-agent token, trusted authentication results. */
  function withProof(message: InboundMessageInput, parsed: ParsedEmailLike, auth: MailAuthReport | undefined): InboundMessageInput {
    const proof = emailSenderProof({
      from: message.from.address,
      references: message.threadHints?.references ?? [],
      recipients: [...(message.to ?? []), ...(message.cc ?? [])]
        .map((a) => a.address)
        .concat(envelopeRecipients(parsed.headers?.deliveredTo ?? [])),
      authenticationResults: parsed.headers?.authenticationResults ?? [],
      trustedAuthservIds: config.trustedAuthservIds,
      verifier: {
        messageId: (id) => signer.verifyAgent(id),
        address: (a) => signer.verifyAgentPlusAddress(a, config.addresses, plusSeparator),
      },
      checked: auth && !auth.skipped ? auth : undefined,
    });
    if (auth?.skipped) log.warn({ reason: auth.skipped }, 'sender authentication check skipped');
    return { ...message, proof };
  }

  function checkAuthentication(raw: Buffer): Promise<MailAuthReport | undefined> {
    return deps.authenticator ? deps.authenticator.check(raw) : Promise.resolve(undefined);
  }

  /** Parses; a parse bug becomes `{ failed }` (placeholder later), a blob store failure propagates (retry later). */
  async function tryParse(
    raw: Buffer,
    rereadRaw?: () => Promise<Buffer>,
    rawFile?: string,
  ): Promise<ParsedEmailLike | { failed: unknown }> {
    try {
      return await deps.parseEmail(raw, {
        blobs: ctx.blobs,
        maxAttachmentBytes: config.maxAttachmentBytes,
        supportAddresses: config.addresses,
        verifyMessageId,
        rereadRaw,
        ...(rawFile ? { rawFile } : {}),
      });
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
    handOver = false,
    rawFile?: string,
  ): Promise<PreparedMessage['parsed']> {
    const fallbackId = `sha256-${rawKey}@ponte.invalid`;
    if (oversize) {
      const reason = `the message is ${info.size} bytes, over this mailbox's limit of ${config.maxMessageBytes}; only its first ${OVERSIZE_HEAD_BYTES} bytes were kept`;
      return { placeholder: parser.unparseableEmail(raw, reason, fallbackId) };
    }
    const reread = (): Promise<Buffer> => ctx.blobs.read(rawKey);
    const result = failed !== undefined ? { failed } : await tryParse(raw, handOver || rawFile ? reread : undefined, rawFile);
    if ('failed' in result) {
      // A raw handed over to the parser is empty here: read it again for the placeholder.
      const source = raw.byteLength === 0 && info.size > 0 ? await reread() : raw;
      return { placeholder: parser.unparseableEmail(source, `could not parse: ${errorText(result.failed)}`, fallbackId) };
    }
    return result;
  }

  return {
    async prepareMessage(msg, oversize) {
      // Storing the raw bytes and parsing overlap (one is disk, the other CPU); both finish
      // before the commit, so the raw is always stored before the cursor moves. A larger mail on
      // a local-disk store is parsed from its stored file instead (the parse child reads it
      // there: its bytes never cross the pipe to the child, nor do its attachments come back).
      const putting = ctx.blobs.put(msg.source, { maxBytes: Math.max(config.maxMessageBytes, msg.source.length) + 1, raw: true });
      putting.catch(() => undefined);
      const fromFile = !oversize && ctx.blobs.local !== undefined && msg.source.length > PARSE_FROM_FILE_ABOVE_BYTES;
      const parsing = oversize
        ? undefined
        : fromFile
          ? putting.then(async (put) => tryParse(msg.source, undefined, await ctx.blobs.local?.fileOf(put.key)))
          : tryParse(msg.source);
      parsing?.catch(() => undefined);
      const authing = oversize ? undefined : checkAuthentication(msg.source);
      const put = await putting;
      const first = parsing ? await parsing : undefined;
      const parsed = first && !('failed' in first) ? first : await parseOrPlaceholder(msg.source, msg, put.key, oversize, first?.failed);
      const auth = await authing;
      // Stored, parsed and checked: nothing reads these bytes again (the blob holds them).
      releaseBytes(msg.source);
      return { msg: { uid: msg.uid, size: msg.size, internalDate: msg.internalDate }, rawKey: put.key, parsed, auth };
    },

    async prepareLargeMessage(session, info) {
      const stream = await session.download(info.uid);
      if (!stream) return undefined;
      const put = await ctx.blobs.put(stream, { maxBytes: config.maxMessageBytes + OVERSIZE_HEAD_BYTES });
      // On a local-disk store the parse child reads the stored file: this process never holds
      // the mail whole unless our own authentication check needs its bytes.
      const rawFile = await ctx.blobs.local?.fileOf(put.key);
      const raw = rawFile && !deps.authenticator ? Buffer.alloc(0) : await ctx.blobs.read(put.key);
      // The check reads the bytes first; then the parser takes them over (one copy of a 35 MB
      // mail in this process, released as soon as it is sent to the parse child).
      const auth = await checkAuthentication(raw);
      const parsed = await parseOrPlaceholder(raw, info, put.key, false, undefined, true, rawFile);
      return { msg: info, rawKey: put.key, parsed, auth };
    },

    async unfetchablePlaceholder(uid, uidValidity) {
      const raw = Buffer.from(`X-Ponte-Note: the IMAP server did not return message UID ${uid}\r\n\r\n`);
      const put = await ctx.blobs.put(raw);
      const reason = `the IMAP server did not return message UID ${uid} after ${MAX_MISSED_TRIES} attempts`;
      return {
        msg: { uid, size: 0 },
        rawKey: put.key,
        parsed: { placeholder: parser.unparseableEmail(raw, reason, `imap-${uidValidity}-${uid}@ponte.invalid`) },
      };
    },

    async commitMessage(folder, cursor, prepared) {
      const { msg } = prepared;
      const next = advanceCursor(cursor, msg.uid, msg.internalDate, config.imap.afterIngest !== 'none');
      await deliver(folder, cursor.uidValidity, prepared, { key: cursorKey(folder), value: next });
      return next;
    },

    ingestMessage(folder, uidValidity, prepared) {
      return deliver(folder, uidValidity, prepared, undefined);
    },
  };

  async function deliver(
    folder: string,
    uidValidity: string,
    prepared: PreparedMessage,
    checkpoint: { key: string; value: FolderCursor } | undefined,
  ): Promise<void> {
    const { msg, rawKey, parsed } = prepared;
    const meta = { folder, uid: msg.uid, uidValidity, size: msg.size };
    const withCheckpoint = checkpoint ? { checkpoint } : {};

    let message: InboundMessageInput;
    let ignore: { reason: string } | undefined;
    if ('placeholder' in parsed) {
      message = parsed.placeholder;
    } else {
      message = withProof(withSignedTickets(parsed.message), parsed, prepared.auth);
      const decision = inboundDecision(parsed);
      ignore = decision.ignore;
      const failure = decision.deliveryFailure;
      if (failure) {
        const updated = await ctx.updateDelivery({
          externalId: failure.externalId,
          status: 'failed',
          at: ctx.clock.now(),
          errorCode: failure.errorCode,
          errorMessage: failure.errorMessage,
        });
        log.info({ folder, uid: msg.uid, matched: updated, status: failure.status }, 'bounce received');
      }
    }
    message = { ...message, agentCommands: config.agentReplies, metadata: { ...(message.metadata ?? {}), imap: meta } };

    try {
      await ctx.ingest({ message, ...withCheckpoint, rawKey, ...(ignore ? { ignore } : {}) });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'validation_failed') throw err;
      // Our normalization produced something the core refuses: keep the mail visible instead
      // of blocking the folder behind it.
      log.error({ folder, uid: msg.uid, err: errorText(err) }, 'ingest rejected the normalized message; storing a placeholder');
      const placeholder = parser.unparseableEmail(
        await ctx.blobs.read(rawKey),
        `rejected by ingest: ${errorText(err)}`,
        `sha256-${rawKey}@ponte.invalid`,
      );
      await ctx.ingest({ message: { ...placeholder, metadata: { imap: meta } }, ...withCheckpoint, rawKey });
    }
  }
}
