/**
 * A visible placeholder for a message that could not be parsed, is over the size limit, or ran
 * out of its parse time budget: headers best effort, `parseError` set, the start of the raw text
 * shown. Never throws; the original stays in the blob store.
 */
import type { InboundMessageInput } from '../../../src/domain/envelope.js';
import { parseHeaderBlock } from './dsn.js';
import { baseAddress, stripBrackets, syntheticId, threadReferences } from './mail-headers.js';
import type { ParseEmailOptions, ParsedEmail } from './parsed-email.js';

/** RFC 2047 encoded words, best effort (placeholders only; the real parser decodes properly). */
function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/gu, (whole, charset: string, enc: string, data: string) => {
    try {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data.replace(/_/gu, ' ').replace(/=([0-9A-Fa-f]{2})/gu, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
              'latin1',
            );
      const cs = charset.toLowerCase().split('*')[0];
      if (cs === 'utf-8' || cs === 'utf8') return bytes.toString('utf8');
      if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii' || cs === 'windows-1252') return bytes.toString('latin1');
      return bytes.toString('utf8');
    } catch {
      return whole;
    }
  });
}

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
  const addr =
    /(?<![^\s<>"',;:@])[^\s<>"',;:@]+@[^\s<>"',;:@]+/u.exec(fromHeader.slice(0, 2000))?.[0]?.toLowerCase() ?? 'unknown@unknown.invalid';
  const name = fromHeader
    .replace(/<[^>]*>/gu, '')
    .replace(/["']/gu, '')
    .trim();
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
