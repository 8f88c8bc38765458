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
 *
 * The steps live beside this file: attachment-sink (files to blobs), mail-headers (ids,
 * references, addresses, loop signals), extract-reply (reply/quote split), classify + dsn
 * (reports and bounces), message-id-proof (what our signing key proves), placeholder.
 */
import type { InboundMessageInput } from '../../../src/domain/envelope.js';
import { createAttachmentSink, BlobFailure } from './attachment-sink.js';
import { bounceReason } from './bounce-reason.js';
import { classifyEmail, type ClassifyResult } from './classify.js';
import { parseNonStandardBounce, readMessageStructure, recipientsFromBounceText, type DsnRecipient, type MessageStructure } from './dsn.js';
import { extractReply } from './extract-reply.js';
import { htmlToText } from './html-to-text.js';
import { fallbackFrom, headerValue, loopSignals, stripBrackets, syntheticId, threadReferences, toAddress } from './mail-headers.js';
import { createMailparserMimeParser, type MimeMessage } from './mailparser-adapter.js';
import { applyMessageIdProof } from './message-id-proof.js';
import { normalizeRawMessage } from './normalize-raw.js';
import type { ParsedBounce, ParsedEmail, ParseEmailOptions } from './parsed-email.js';
import { placeholderResult } from './placeholder.js';

export { stripReply } from './strip-reply.js';
export type { StripReplyOptions, StripReplyResult } from './strip-reply.js';
export { htmlToText } from './html-to-text.js';
export { classifyEmail } from './classify.js';
export type { ClassifyInput, ClassifyResult } from './classify.js';
export { parseDeliveryReport, parseNonStandardBounce } from './dsn.js';
export type { MimeParser, MimeMessage, MimeAttachment } from './mailparser-adapter.js';
export { createMailparserMimeParser } from './mailparser-adapter.js';
export type { ParseEmailOptions, ParsedBounce, ParsedEmail } from './parsed-email.js';
export { threadReferences } from './mail-headers.js';
export { extractReply } from './extract-reply.js';
export { applyMessageIdProof } from './message-id-proof.js';
export { placeholderResult, unparseableEmail } from './placeholder.js';

const MAX_TEXT = 5_000_000;
const MAX_HTML = 10_000_000;

let defaultParser: ReturnType<typeof createMailparserMimeParser> | undefined;

/** The failed recipients of a bounce: DSN fields, SES, a non-standard report, or the addresses its text names. */
function bounceOf(
  classified: ClassifyResult,
  structure: MessageStructure,
  nonStandard: ReturnType<typeof parseNonStandardBounce>,
  text: string,
  ignore: Set<string>,
): ParsedBounce {
  const found: DsnRecipient[] = structure.hasDeliveryStatus
    ? structure.dsnRecipients.filter((r) => !r.action || !['delivered', 'relayed', 'expanded'].includes(r.action))
    : (classified.sesRecipients ?? nonStandard?.recipients ?? []);
  // No per-recipient fields (or an MTA without DSN): the addresses named in the report text.
  const named = found.length > 0 ? found : recipientsFromBounceText(text, ignore);
  const bounce: ParsedBounce = { recipients: named.map((r) => ({ ...r, reason: bounceReason(r.status, r.diagnostic, r.action) })) };
  if (classified.delayed) bounce.delayed = true;
  const original = classified.sesMessageId ?? structure.originalMessageId ?? nonStandard?.originalMessageId;
  if (original) bounce.originalMessageId = original;
  return bounce;
}

function headerInfoOf(mime: MimeMessage, messageId: string | undefined, references: string[]): ParsedEmail['headers'] {
  const headers = mime.headers;
  const info: ParsedEmail['headers'] = { references };
  // --- sender proof: raw header values for sender-proof.ts (Authentication-Results, envelope recipients) ---
  info.authenticationResults = (headers.get('authentication-results') ?? []).slice(0, 50);
  info.deliveredTo = [...(headers.get('delivered-to') ?? []), ...(headers.get('x-original-to') ?? [])].slice(0, 50);
  // --- end sender proof ---
  if (messageId) info.messageId = messageId;
  if (mime.inReplyTo) info.inReplyTo = stripBrackets(mime.inReplyTo);
  const autoSubmitted = headerValue(headers, 'auto-submitted');
  const precedence = headerValue(headers, 'precedence');
  if (autoSubmitted) info.autoSubmitted = autoSubmitted;
  if (precedence) info.precedence = precedence;
  return info;
}

export async function parseEmail(input: Buffer, options: ParseEmailOptions): Promise<ParsedEmail> {
  const parser = options.mimeParser ?? (defaultParser ??= createMailparserMimeParser());
  const raw = normalizeRawMessage(input);
  const sink = createAttachmentSink(options.blobs, options.maxAttachmentBytes);
  let mime: MimeMessage;
  try {
    mime = await parser.parse(raw, (att) => sink.store(att));
  } catch (err) {
    if (err instanceof BlobFailure) throw err.original;
    const reason = err instanceof Error ? err.message : String(err);
    return placeholderResult(raw, `could not parse the message: ${reason}`, options);
  }
  const { attachments, notes } = sink;

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
    from:
      mime.from
        .find((a) => a.address)
        ?.address.trim()
        .toLowerCase() ?? '',
    fromName: mime.from[0]?.name,
    contentType: mime.contentType,
    structure,
    bodyLooksLikeBounce: Boolean(nonStandard),
    topText: split.reply.slice(0, 8000),
    bodyText: text.slice(0, 1_000_000),
    subject: mime.subject,
    ownAddresses: options.supportAddresses,
  });
  const bounce =
    classified.classification === 'bounce'
      ? bounceOf(classified, structure, nonStandard, text, new Set([from.address, ...options.supportAddresses.map((x) => x.toLowerCase())]))
      : undefined;

  // Loop signals; our own Message-ID (a third one) is checked by applyMessageIdProof below.
  const { fromSelf, xLoop } = loopSignals(from.address, headers, options.supportAddresses);
  const loop = { fromSelf, ourMessageId: false, xLoop };
  const metadata: Record<string, unknown> = {};
  if (messageId) metadata.messageId = messageId;
  metadata.classificationReason = classified.reason;
  if (bounce) metadata.bounce = bounce;
  if (notes.length) metadata.attachmentNotes = notes;
  if (fromSelf || xLoop) metadata.loop = { ...loop };

  const message: InboundMessageInput = {
    externalId,
    from,
    to: mime.to
      .filter((a) => a.address)
      .slice(0, 200)
      .map(toAddress),
    cc: mime.cc
      .filter((a) => a.address)
      .slice(0, 200)
      .map(toAddress),
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

  const result: ParsedEmail = {
    message,
    classification: classified.classification,
    classificationReason: classified.reason,
    loop,
    headers: headerInfoOf(mime, messageId, references),
  };
  if (bounce) result.bounce = bounce;
  if (options.verifyMessageId) applyMessageIdProof(result, options.verifyMessageId);
  return result;
}
