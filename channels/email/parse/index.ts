/**
 * Raw RFC 5322 bytes -> the normalized inbound message the core ingests, plus what the email
 * channel needs to decide around it (classification, delivery report, loop signals, threading
 * headers). Pure apart from streaming attachments into `options.blobs`; no network.
 *
 * Contract:
 * - never loses a message: a body mailparser rejects becomes a visible placeholder
 *   (`parseError` set, headers best effort); an attachment over `maxAttachmentBytes` is
 *   dropped and named in a note, the rest of the message is kept;
 * - blob store failures (disk full …) propagate, so the caller retries instead of storing a
 *   message without its files;
 * - `externalId` is stable across redeliveries: the Message-ID, or a sha256 of the raw bytes.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { BlobStore } from '../../../src/channel/contract.js';
import type { AttachmentRef, InboundMessageInput } from '../../../src/domain/envelope.js';
import type { Classification } from '../../../src/domain/model.js';
import { bounceReason, type BounceReason } from './bounce-reason.js';
import { classifyEmail } from './classify.js';
import { parseHeaderBlock, parseNonStandardBounce, readMessageStructure, recipientsFromBounceText, type DsnRecipient } from './dsn.js';
import { splitHtmlReply } from './html-reply.js';
import { htmlToText } from './html-to-text.js';
import { createMailparserMimeParser, type MimeAddress, type MimeMessage, type MimeParser } from './mailparser-adapter.js';
import { normalizeRawMessage } from './normalize-raw.js';
import { stripReply } from './strip-reply.js';

export { stripReply } from './strip-reply.js';
export type { StripReplyOptions, StripReplyResult } from './strip-reply.js';
export { htmlToText } from './html-to-text.js';
export { classifyEmail } from './classify.js';
export type { ClassifyInput, ClassifyResult } from './classify.js';
export { parseDeliveryReport, parseNonStandardBounce } from './dsn.js';
export type { MimeParser, MimeMessage, MimeAttachment } from './mailparser-adapter.js';
export { createMailparserMimeParser } from './mailparser-adapter.js';

export interface ParseEmailOptions {
  /** Attachments are streamed here (ctx.blobs). */
  blobs: BlobStore;
  maxAttachmentBytes: number;
  /** Our own addresses (loop protection: mail from them is flagged fromSelf). */
  supportAddresses: string[];
  /** Verifies one of our own signed Message-IDs; returns the ticket number or undefined. */
  verifyMessageId?: (messageId: string) => number | undefined;
  /** Injected MIME parser (defaults to the mailparser adapter). */
  mimeParser?: MimeParser;
}

export interface ParsedBounce {
  originalMessageId?: string;
  /** Only a delay warning (Action: delayed): loop-safe, but the outbound message has not failed. */
  delayed?: boolean;
  recipients: Array<{ address: string; status?: string; action?: string; diagnostic?: string; reason?: BounceReason }>;
}

export interface ParsedEmail {
  /** Ready for ctx.ingest. */
  message: InboundMessageInput;
  classification: Classification;
  /** Which rule classified the mail (also in `message.metadata.classificationReason`). */
  classificationReason: string;
  bounce?: ParsedBounce;
  /** Loop-protection signals. */
  loop: { fromSelf: boolean; ourMessageId: boolean; xLoop: boolean };
  headers: {
    messageId?: string; inReplyTo?: string; references: string[]; autoSubmitted?: string; precedence?: string;
    // --- sender proof (channels/email/sender-proof.ts reads these; raw values, top first) ---
    authenticationResults?: string[]; deliveredTo?: string[];
  };
}

const MAX_REFERENCES = 50;
const MAX_TEXT = 5_000_000;
const MAX_HTML = 10_000_000;

const defaultParser = createMailparserMimeParser();

function stripBrackets(id: string): string {
  return id.trim().replace(/^<+|>+$/gu, '').trim();
}

function syntheticId(raw: Buffer): string {
  return `sha256-${createHash('sha256').update(raw).digest('hex')}@ponte.invalid`;
}

/** Normalizes an address for comparisons: lower-case, "+tag" removed from the local part. */
function baseAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return lower;
  const local = lower.slice(0, at).split('+')[0];
  return `${local}${lower.slice(at)}`;
}

function toAddress(a: MimeAddress): { kind: 'email'; address: string; displayName?: string } {
  const out: { kind: 'email'; address: string; displayName?: string } = { kind: 'email', address: a.address.trim().toLowerCase().slice(0, 320) };
  const name = a.name.trim();
  if (name && name.toLowerCase() !== out.address) out.displayName = name.slice(0, 200);
  return out;
}

/** In-Reply-To first, then References newest-first; brackets stripped, deduplicated, capped. */
export function threadReferences(inReplyTo: string | undefined, references: string[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (raw: string): void => {
    const id = stripBrackets(raw);
    if (!id || id.length > 998 || seen.has(id) || ids.length >= MAX_REFERENCES) return;
    seen.add(id);
    ids.push(id);
  };
  for (const m of (inReplyTo ?? '').match(/<[^<>]+>/gu) ?? (inReplyTo ? [inReplyTo] : [])) add(m);
  for (let i = references.length - 1; i >= 0; i--) add(references[i]!);
  return ids;
}

function headerValue(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name)?.[0]?.trim() || undefined;
}

interface ReplySplit {
  reply: string;
  quoted: string;
}

/** Reply extraction: the html markers first, the text rules as the fallback; never empty when text exists. */
export function extractReply(text: string, html: string | undefined, sender: string | undefined): ReplySplit {
  const opts = sender ? { sender } : {};
  if (html) {
    const split = splitHtmlReply(html);
    if (split) {
      const above = stripReply(split.above, opts);
      if (above.reply.trim()) {
        const quoted = [above.quoted, split.quoted].filter((s) => s.trim()).join('\n\n');
        return { reply: above.reply, quoted };
      }
    }
  }
  const base = text || (html ? htmlToText(html) : '');
  const stripped = stripReply(base, opts);
  if (stripped.reply.trim()) return { reply: stripped.reply, quoted: stripped.quoted };
  return { reply: base.trim(), quoted: '' };
}

class BlobFailure extends Error {
  constructor(readonly original: unknown) {
    super('blob store failure');
  }
}

function isTooLarge(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'blob_too_large';
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

const EXT: Record<string, string> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'application/pdf': 'pdf',
  'text/plain': 'txt', 'text/html': 'html', 'message/rfc822': 'eml', 'message/delivery-status': 'txt', 'text/rfc822-headers': 'txt',
};

export async function parseEmail(input: Buffer, options: ParseEmailOptions): Promise<ParsedEmail> {
  const parser = options.mimeParser ?? defaultParser;
  const raw = normalizeRawMessage(input);
  const attachments: AttachmentRef[] = [];
  const notes: string[] = [];
  let mime: MimeMessage;
  try {
    mime = await parser.parse(raw, async (att) => {
      const index = attachments.length + notes.length + 1;
      const filename = (att.filename?.trim() || `${att.inline ? 'image' : 'attachment'}-${index}.${EXT[att.contentType] ?? 'bin'}`).slice(0, 255);
      const pass = new PassThrough();
      att.content.pipe(pass);
      try {
        const put = await options.blobs.put(pass, { maxBytes: options.maxAttachmentBytes });
        const ref: AttachmentRef = { blobKey: put.key, filename, contentType: att.contentType.slice(0, 255), size: put.size };
        if (att.contentId) ref.contentId = att.contentId.slice(0, 255);
        if (att.inline) ref.inline = true;
        attachments.push(ref);
      } catch (err) {
        att.content.unpipe(pass);
        att.content.resume();
        if (isTooLarge(err)) {
          notes.push(`Attachment "${filename}" (${att.contentType}) was not kept: larger than ${formatBytes(options.maxAttachmentBytes)}.`);
          return;
        }
        throw new BlobFailure(err);
      }
    });
  } catch (err) {
    if (err instanceof BlobFailure) throw err.original;
    const reason = err instanceof Error ? err.message : String(err);
    return placeholderResult(raw, `could not parse the message: ${reason}`, options);
  }

  const headers = mime.headers;
  const fromAddr = mime.from.find((a) => a.address) ?? { ...fallbackFrom(headers), name: mime.from[0]?.name ?? '' };
  const from = toAddress(fromAddr);
  const messageId = mime.messageId ? stripBrackets(mime.messageId) : undefined;
  const externalId = (messageId && messageId.length <= 998 ? messageId : undefined) ?? syntheticId(input);
  const references = threadReferences(mime.inReplyTo, mime.references);

  let text = mime.text ?? '';
  if (!text && mime.html) text = htmlToText(mime.html);
  const senderHeader = fromAddr.name ? `${fromAddr.name} <${fromAddr.address}>` : fromAddr.address;
  const split = extractReply(text, mime.html, senderHeader);
  let replyText = split.reply || text;
  if (notes.length) {
    const noteText = notes.join('\n');
    text = text ? `${text}\n\n${noteText}` : noteText;
    replyText = replyText ? `${replyText}\n\n${noteText}` : noteText;
  }

  // Reports and bounces: structure first, then headers, sender and text (see classify.ts).
  const structure = readMessageStructure(raw);
  const nonStandard = structure.hasDeliveryStatus ? undefined : parseNonStandardBounce(text);
  const classified = classifyEmail({
    headers,
    from: mime.from.find((a) => a.address)?.address.trim().toLowerCase() ?? '',
    fromName: mime.from[0]?.name,
    contentType: mime.contentType,
    structure,
    bodyLooksLikeBounce: Boolean(nonStandard),
    topText: split.reply.slice(0, 8000),
    bodyText: text.slice(0, 1_000_000),
    subject: mime.subject,
    ownAddresses: options.supportAddresses,
  });
  let bounce: ParsedBounce | undefined;
  if (classified.classification === 'bounce') {
    const found: DsnRecipient[] = structure.hasDeliveryStatus
      ? structure.dsnRecipients.filter((r) => !r.action || !['delivered', 'relayed', 'expanded'].includes(r.action))
      : (classified.sesRecipients ?? nonStandard?.recipients ?? []);
    // No per-recipient fields (or an MTA without DSN): the addresses named in the report text.
    const named = found.length > 0 ? found : recipientsFromBounceText(text, new Set([from.address, ...options.supportAddresses.map((x) => x.toLowerCase())]));
    bounce = { recipients: named.map((r) => ({ ...r, reason: bounceReason(r.status, r.diagnostic, r.action) })) };
    if (classified.delayed) bounce.delayed = true;
    const original = classified.sesMessageId ?? structure.originalMessageId ?? nonStandard?.originalMessageId;
    if (original) bounce.originalMessageId = original;
  }

  // Loop signals.
  const ours = new Set(options.supportAddresses.map(baseAddress));
  const fromSelf = ours.has(baseAddress(from.address));
  const ourMessageId = false; // set by applyMessageIdProof below
  const xLoopValues = headers.get('x-loop') ?? [];
  const xLoop = xLoopValues.some((v) => {
    const lower = v.toLowerCase();
    return [...ours].some((a) => lower.includes(a)) || options.supportAddresses.some((a) => lower.includes(a.toLowerCase()));
  });

  const autoSubmitted = headerValue(headers, 'auto-submitted');
  const precedence = headerValue(headers, 'precedence');
  const metadata: Record<string, unknown> = {};
  if (messageId) metadata.messageId = messageId;
  metadata.classificationReason = classified.reason;
  if (bounce) metadata.bounce = bounce;
  if (notes.length) metadata.attachmentNotes = notes;
  if (fromSelf || ourMessageId || xLoop) metadata.loop = { fromSelf, ourMessageId, xLoop };

  const message: InboundMessageInput = {
    externalId,
    from,
    to: mime.to.filter((a) => a.address).slice(0, 200).map(toAddress),
    cc: mime.cc.filter((a) => a.address).slice(0, 200).map(toAddress),
    text: text.slice(0, MAX_TEXT),
    replyText: replyText.slice(0, MAX_TEXT),
    attachments: attachments.slice(0, 500),
    threadHints: { references: references.slice(0, 200), signedTicketNumbers: [] },
    classification: classified.classification,
    metadata,
  };
  if (split.quoted) message.quotedText = split.quoted.slice(0, MAX_TEXT);
  if (mime.html) message.html = mime.html.slice(0, MAX_HTML);
  if (mime.subject !== undefined) message.subject = mime.subject.slice(0, 2000);
  if (mime.date && Number.isFinite(mime.date.getTime()) && mime.date.getTime() >= 0) message.sentAt = mime.date.getTime();

  const headerInfo: ParsedEmail['headers'] = { references };
  // --- sender proof: raw header values for sender-proof.ts (Authentication-Results, envelope recipients) ---
  headerInfo.authenticationResults = (headers.get('authentication-results') ?? []).slice(0, 50);
  headerInfo.deliveredTo = [...(headers.get('delivered-to') ?? []), ...(headers.get('x-original-to') ?? [])].slice(0, 50);
  // --- end sender proof ---
  if (messageId) headerInfo.messageId = messageId;
  if (mime.inReplyTo) headerInfo.inReplyTo = stripBrackets(mime.inReplyTo);
  if (autoSubmitted) headerInfo.autoSubmitted = autoSubmitted;
  if (precedence) headerInfo.precedence = precedence;

  const result: ParsedEmail = {
    message,
    classification: classified.classification,
    classificationReason: classified.reason,
    loop: { fromSelf, ourMessageId, xLoop },
    headers: headerInfo,
  };
  if (bounce) result.bounce = bounce;
  if (options.verifyMessageId) applyMessageIdProof(result, options.verifyMessageId);
  return result;
}

/**
 * Our signed Message-IDs in the thread references (the ticket numbers they prove) and as the
 * mail's own Message-ID (a loop). Kept apart from the parse so a parse that ran in a worker
 * thread (where the signing key is not) is completed on the caller's side the same way.
 */
export function applyMessageIdProof(parsed: ParsedEmail, verify: (messageId: string) => number | undefined): void {
  const signed = new Set<number>();
  for (const id of parsed.message.threadHints?.references ?? []) {
    const n = safeVerify(verify, id);
    if (n !== undefined && Number.isInteger(n) && n > 0 && signed.size < 20) signed.add(n);
  }
  if (parsed.message.threadHints) parsed.message.threadHints.signedTicketNumbers = [...signed];
  const own = parsed.headers.messageId;
  if (own !== undefined && safeVerify(verify, own) !== undefined) {
    parsed.loop.ourMessageId = true;
    parsed.message.metadata = { ...(parsed.message.metadata ?? {}), loop: { ...parsed.loop } };
  }
}

function safeVerify(verify: (id: string) => number | undefined, id: string): number | undefined {
  try {
    return verify(id);
  } catch {
    return undefined;
  }
}

function fallbackFrom(headers: Map<string, string[]>): MimeAddress {
  for (const name of ['sender', 'return-path', 'reply-to']) {
    const m = /(?<![^\s<>"@])[^\s<>"@]+@[^\s<>"@]+/u.exec((headerValue(headers, name) ?? '').slice(0, 2000));
    if (m) return { address: m[0], name: '' };
  }
  return { address: 'unknown@unknown.invalid', name: '' };
}

/** RFC 2047 encoded words, best effort (placeholders only; the real parser decodes properly). */
function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/gu, (whole, charset: string, enc: string, data: string) => {
    try {
      const bytes = enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/gu, ' ').replace(/=([0-9A-Fa-f]{2})/gu, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      const cs = charset.toLowerCase().split('*')[0];
      if (cs === 'utf-8' || cs === 'utf8') return bytes.toString('utf8');
      if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii' || cs === 'windows-1252') return bytes.toString('latin1');
      return bytes.toString('utf8');
    } catch {
      return whole;
    }
  });
}

/**
 * A visible placeholder for a message that could not be parsed (or is over the size limit):
 * headers best effort, `parseError` set, the start of the raw text shown. Never throws.
 */
export function unparseableEmail(raw: Buffer, reason: string, fallbackId: string): InboundMessageInput {
  let headers = new Map<string, string[]>();
  let bodyStart = 0;
  let head = '';
  try {
    head = raw.subarray(0, 256 * 1024).toString('latin1');
    ({ headers, bodyStart } = parseHeaderBlock(head));
  } catch {
    // keep the empty defaults
  }
  const get = (name: string): string | undefined => {
    const v = headers.get(name)?.[0];
    return v ? decodeWords(v).trim() : undefined;
  };
  const fromHeader = get('from') ?? '';
  const addr = /(?<![^\s<>"',;:@])[^\s<>"',;:@]+@[^\s<>"',;:@]+/u.exec(fromHeader.slice(0, 2000))?.[0]?.toLowerCase() ?? 'unknown@unknown.invalid';
  const name = fromHeader.replace(/<[^>]*>/gu, '').replace(/["']/gu, '').trim();
  const messageId = get('message-id');
  const externalId = (messageId ? stripBrackets(messageId) : '') || fallbackId || syntheticId(raw);
  let preview = '';
  try {
    preview = Buffer.from(head.slice(bodyStart, bodyStart + 64 * 1024), 'latin1').toString('utf8');
  } catch {
    preview = '';
  }
  const note = `[This message could not be processed (${reason}). The original is kept; its first part is shown below.]`;
  const text = preview.trim() ? `${note}\n\n${preview}` : note;
  const from: InboundMessageInput['from'] = { kind: 'email', address: addr.slice(0, 320) };
  if (name && !name.includes('@')) from.displayName = name.slice(0, 200);
  const message: InboundMessageInput = {
    externalId: externalId.slice(0, 998),
    from,
    text,
    replyText: text,
    parseError: reason.slice(0, 2000),
    metadata: {},
  };
  const subject = get('subject');
  if (subject !== undefined) message.subject = subject.slice(0, 2000);
  const date = get('date');
  const time = date ? Date.parse(date) : NaN;
  if (Number.isFinite(time) && time >= 0) message.sentAt = time;
  const inReplyTo = get('in-reply-to');
  const refs = (get('references') ?? '').match(/<[^<>]+>/gu) ?? [];
  const references = threadReferences(inReplyTo, refs);
  if (references.length) message.threadHints = { references, signedTicketNumbers: [] };
  return message;
}

/** The whole parse result for a message kept as a visible placeholder (parse failure, time budget). */
export function placeholderResult(raw: Buffer, reason: string, options: Pick<ParseEmailOptions, 'supportAddresses'>): ParsedEmail {
  const message = unparseableEmail(raw, reason, syntheticId(raw));
  const ours = new Set(options.supportAddresses.map(baseAddress));
  const fromSelf = ours.has(baseAddress(message.from.address));
  const references = message.threadHints?.references ?? [];
  const headers: ParsedEmail['headers'] = { references };
  if (!message.externalId.startsWith('sha256-')) headers.messageId = message.externalId;
  const classificationReason = 'unparseable: kept as a visible placeholder';
  message.metadata = { ...(message.metadata ?? {}), classificationReason };
  return { message, classification: 'customer', classificationReason, loop: { fromSelf, ourMessageId: false, xLoop: false }, headers };
}
