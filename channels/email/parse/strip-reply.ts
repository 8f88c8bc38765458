/**
 * Splits a plain-text email body into the new reply, the quoted history and the signature.
 *
 * The header and separator rules are reply-headers.ts, the sender's sign-off reply-signature.ts.
 *
 * Contract: pure, never throws, linear in the input (every regex below is applied to one line
 * or to a join of at most three lines capped in length, and none has nested quantifiers), so a
 * hostile body cannot stall ingest. The rules are general client conventions, not fixes for
 * single messages:
 * - a reply header ("On … wrote:", "Em … escreveu:", "El … escribió:" and 12 more languages,
 *   possibly split over up to three lines), an Outlook separator ("-----Original Message-----",
 *   "________" + header block) or an Outlook "From:/Sent:" header block starts the quoted part
 *   when new text does not follow;
 * - `>` quote blocks at the end are quoted; quote blocks followed by new text (inline answers)
 *   stay visible, so an agent sees the question the customer answered;
 * - a "-- " delimiter, a mailing-list "____" footer or a device line ("Sent from my iPhone",
 *   "Enviado do meu iPhone") starts the signature.
 */

import { headerBlockAt, nextNonBlank, QUOTE_RE, replyHeaderAt, separatorAt, WRAPPED_ADDRESS_END_RE } from './reply-headers.js';
import { senderSignatureStart, senderTokens } from './reply-signature.js';
import { DEVICE_START_RE, DEVICE_WORD_RE, POSSESSIVE_RE } from './reply-vocabulary.js';

export { endsWithReplyHeader, startsWithHeaderKey } from './reply-headers.js';

export interface StripReplyOptions {
  /** The From header ("Jim Smith <jim@example.com>"), for sign-offs with the sender's name. */
  sender?: string;
}

export interface StripReplyResult {
  reply: string;
  quoted: string;
  signature?: string;
}

/** Help-desk and forum markers: everything below "reply above this line" is the notification. */
const REPLY_ABOVE_RE =
  /(?:(?:reply|respond|write|type your (?:reply|response)) above this line|oberhalb dieser zeile|acima desta linha|encima de esta l[ií]nea|au-dessus de cette ligne|sopra questa riga|boven deze regel|powyżej tej linii|ovanför denna rad|над этой строкой)/iu;
const UNDERSCORE_RE = /^[ \t]*_{2,}[ \t]*$/u;
const SIG_DELIMITER_RE = /^[ \t]*--[ \t]*$/u;
/** "-Abhishek Kona": a dash glued to a capitalised name, alone on a line. */
const DASH_NAME_RE = /^(?:-|–|—|--)[\p{Lu}][\p{L}.]*(?: [\p{Lu}][\p{L}.]*){0,3}[ \t]*$/u;

type Kind = 'blank' | 'quote' | 'text';

function kindOf(line: string): Kind {
  if (line.trim() === '') return 'blank';
  return QUOTE_RE.test(line) ? 'quote' : 'text';
}

/** A device line: the known opening and at most eight short words, no sentence punctuation. */
export function isDeviceLine(line: string): boolean {
  if (line.length > 160 || !DEVICE_START_RE.test(line)) return false;
  const rest = line
    .replace(/<[^<>\s]*>/gu, ' ')
    .replace(/\(?https?:\/\/\S*\)?/giu, ' ')
    .trim();
  if (/[,;!?]|\.\s/u.test(rest)) return false;
  if (rest.split(/\s+/u).length > 9) return false;
  // "Enviado com sucesso" is content: a device line names a device, an app or "my …".
  return DEVICE_WORD_RE.test(rest) || POSSESSIVE_RE.test(rest);
}

function trimBlankLines(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b).join('\n');
}

export function stripReply(input: string, options: StripReplyOptions = {}): StripReplyResult {
  // Bidi marks (Outlook in Arabic/Hebrew puts them before header keys) and BOMs carry no text.
  const text = input
    .replace(/\r\n?/gu, '\n')
    .replace(/\u00a0/gu, ' ')
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu, '');
  const lines = text.split('\n');
  const kinds = lines.map(kindOf);
  const n = lines.length;

  // Short unquoted fragments wedged between quote lines are wrapped quote lines, not answers.
  for (let i = 1; i < n; i++) {
    if (kinds[i] !== 'text' || kinds[i - 1] !== 'quote') continue;
    let j = i;
    while (j < n && kinds[j] === 'text' && j - i < 2) j++;
    if (j < n && kinds[j] === 'quote' && !WRAPPED_ADDRESS_END_RE.test(lines[j]!)) {
      for (let k = i; k < j; k++) kinds[k] = 'quote';
    }
  }

  // 1. Hard cut: the first reply header followed by unquoted text, a separator, a header
  //    block or a device line. Quote blocks (with the header right above them) are marked.
  //    A quote block under a reply header is history even when text follows it (hidden); a
  //    bare quote block between texts is an inline answer's question (kept). A header block
  //    or device line above any new text is skipped, not a cut (it would leave nothing).
  const inQuoteBlock = new Array<boolean>(n).fill(false);
  const hidden = new Array<boolean>(n).fill(false);
  let cut = n;
  let contentSeen = false;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind === 'quote') {
      inQuoteBlock[i] = true;
      continue;
    }
    if (kind === 'blank') continue;
    const line = lines[i]!;
    if (line.length <= 200 && REPLY_ABOVE_RE.test(line)) {
      cut = i;
      break;
    }
    const block = headerBlockAt(lines, i);
    const separator = !block && separatorAt(lines, i);
    if ((block || separator) && !contentSeen) {
      // A pasted or forwarded header above everything: hide it (and a forward's header block).
      let k = i;
      if (separator) {
        hidden[k++] = true;
        while (k < n && kinds[k] === 'blank') k++;
        if (k >= n || !headerBlockAt(lines, k)) {
          i = k - 1;
          continue;
        }
      }
      while (k < n && kinds[k] !== 'blank') hidden[k++] = true;
      i = k - 1;
      continue;
    }
    if (separator || block) {
      cut = i;
      break;
    }
    const headerLines = replyHeaderAt(lines, i);
    if (headerLines > 0) {
      const after = nextNonBlank(lines, i + headerLines);
      if (after < n && kinds[after] === 'quote' && !WRAPPED_ADDRESS_END_RE.test(lines[after]!)) {
        let k = i;
        for (; k < after; k++) inQuoteBlock[k] = true;
        for (; k < n && kinds[k] !== 'text'; k++) hidden[k] = true;
        for (let h = i; h < after; h++) hidden[h] = true;
        i = after - 1;
        continue;
      }
      if (!contentSeen) {
        // Android Gmail puts the header above the answer: nothing new above it, so not a cut.
        for (let h = i; h < i + headerLines; h++) hidden[h] = true;
        i += headerLines - 1;
        continue;
      }
      cut = i;
      break;
    }
    if (isDeviceLine(line)) {
      if (!contentSeen) {
        hidden[i] = true;
        continue;
      }
      cut = i;
      break;
    }
    contentSeen = true;
  }

  // 2. Signature delimiter ("-- ", a "____" footer) outside quotes, after some new text.
  let sigStart = -1;
  let seenContent = false;
  for (let i = 0; i < cut; i++) {
    if (kinds[i] !== 'text' || inQuoteBlock[i]) continue;
    const line = lines[i]!;
    const isDelimiter = SIG_DELIMITER_RE.test(line) || UNDERSCORE_RE.test(line);
    if (isDelimiter && seenContent) {
      sigStart = i;
      break;
    }
    if (!isDelimiter) seenContent = true;
  }
  const limit = sigStart >= 0 ? sigStart : cut;

  // 3. The visible part: from the first to the last line of new text before the limit.
  let firstContent = -1;
  let lastContent = -1;
  for (let i = 0; i < limit; i++) {
    if (kinds[i] === 'text' && !inQuoteBlock[i] && !hidden[i]) {
      if (firstContent < 0) firstContent = i;
      lastContent = i;
    }
  }
  let start = 0;
  // Bottom-posting: a quote block above the first new text is history, not the answer.
  if (firstContent > 0 && inQuoteBlock.slice(0, firstContent).some(Boolean)) start = firstContent;
  let end = lastContent + 1;
  let sigEnd = sigStart >= 0 ? cut : -1;

  // 4. A sign-off naming the sender, or a closing dash-name after a blank line, is a signature.
  if (end > start + 1) {
    const bySender = senderSignatureStart(lines, start, end, senderTokens(options.sender));
    const last = lines[end - 1]!.trim();
    let found = bySender;
    if (found < 0 && kinds[end - 2] === 'blank' && DASH_NAME_RE.test(last)) {
      let before = end - 2;
      while (before >= start && kinds[before] === 'blank') before--;
      if (before >= start) found = end - 1;
    }
    if (found >= 0) {
      if (sigStart < 0) sigEnd = end;
      sigStart = found;
      end = found;
    }
  }
  if (lastContent < 0) end = 0;

  const visible: string[] = [];
  const hiddenInside: string[] = [];
  for (let k = start; k < end; k++) {
    if (!hidden[k]) {
      if (!(lines[k]!.trim() === '' && visible.length > 0 && visible[visible.length - 1]!.trim() === '' && hidden[k - 1]))
        visible.push(lines[k]!);
    } else hiddenInside.push(lines[k]!);
  }
  const reply = trimBlankLines(visible);
  const signature = sigStart >= 0 ? trimBlankLines(lines.slice(sigStart, sigEnd)) : undefined;
  const quotedParts = [
    lines.slice(0, start),
    hiddenInside,
    lines.slice(end, sigStart >= 0 && sigStart >= end ? sigStart : n),
    sigStart >= 0 ? lines.slice(sigEnd) : [],
  ]
    .map(trimBlankLines)
    .filter(Boolean);
  const result: StripReplyResult = { reply, quoted: quotedParts.join('\n\n') };
  if (signature) result.signature = signature;
  return result;
}
