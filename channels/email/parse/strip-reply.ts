/**
 * Splits a plain-text email body into the new reply, the quoted history and the signature.
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

import { DEVICE_START_RE, DEVICE_WORD_RE, FROM_KEYS, HEADER_TERMINATORS, OTHER_KEYS, POSSESSIVE_RE, SEPARATOR_PHRASES, SIGNOFF_RE } from './reply-vocabulary.js';

export interface StripReplyOptions {
  /** The From header ("Jim Smith <jim@example.com>"), for sign-offs with the sender's name. */
  sender?: string;
}

export interface StripReplyResult {
  reply: string;
  quoted: string;
  signature?: string;
}

const MAX_HEADER_CHARS = 400;


/** The joined header ends with a verb of writing and a colon (the name may follow in nl/fi). */
const TERMINATOR_END_RE = new RegExp(`(?:(?:^|[\\s>)"'])(?:${HEADER_TERMINATORS.join('|')})|写道|寫道|書きました|のメッセージ)\\s?:\\s*$`, 'iu');
/** Dutch and some clients put the name after the verb: "Op … schreef Name <a@b>:". */
const TERMINATOR_INSIDE_RE = new RegExp(`(?:^|\\s)(?:${HEADER_TERMINATORS.join('|')})\\s`, 'iu');
/** Typical first words of a reply header. */
const STARTER_RE =
  /^(?:on|em|el|le|am|il|op|den|d\.|dne|på|w dniu|dnia|в|вс|пн|вт|ср|чт|пт|сб|la|tanggal|στις|el día|pe|în|op|a|no dia|ngày|at|le jeu|den \d)\b/iu;
/**
 * An address: it must start where a token starts (the lookbehind), the local part and each
 * domain label exclude "@" and ".", so no two quantifiers compete for a character: linear even
 * on lines of "@@@@…" (a 380 KB body of those took 21 s with the old overlapping classes).
 */
const EMAIL_RE = /(?<![^\s<>()"',;:[\]@])[^\s<>()"',;:[\]@]+@[^\s<>()"',;:[\]@.]+(?:\.[^\s<>()"',;:[\]@.]+)+/u;
const DIGIT_RE = /\d/u;
/** "30.09.2017, 18.30, …", "2017-11-24 16:32 …", "ср, 30 апр. 2025 …" */
const DATE_START_RE = /^(?:\d|\p{L}{1,4}\.?,?\s+\d|\p{L}{1,4}\.?,\s|\p{L}{5,12},\s*\d)/u;

const QUOTE_RE = /^[ \t]*>/u;

const KEY_LINE = (keys: string[]): RegExp =>
  new RegExp(`^[ \\t]*[*_]{0,2}(?:${keys.join('|')})[*_]{0,2}[ \\t]*[:：]`, 'iu');
const FROM_LINE_RE = KEY_LINE(FROM_KEYS);
const OTHER_LINE_RE = KEY_LINE(OTHER_KEYS);

const SEPARATOR_RE = new RegExp(`^[ \\t]*[*_]{0,2}[ \\t]*-{2,}[ \\t]*(?:${SEPARATOR_PHRASES.join('|')})[ \\t]*:?[ \\t]*-{2,}[ \\t]*[*_]{0,2}[ \\t]*$`, 'iu');
/** "-----Ursprüngliche Nachricht----- Von: …": the separator and the header on one line. */
const SEPARATOR_THEN_FROM_RE = new RegExp(
  `^[ \\t]*[*_]{0,2}[ \\t]*-{2,}[ \\t]*(?:${SEPARATOR_PHRASES.join('|')})[ \\t]*:?[ \\t]*-{2,}[ \\t]*[*_]{0,2}[ \\t]*[*_]{0,2}(?:${FROM_KEYS.join('|')})[*_]{0,2}[ \\t]*[:：]`,
  'iu',
);
/** Apple Mail and others introduce a forward without dashes. */
const FORWARD_INTRO_RE =
  /^[ \t]*(?:begin forwarded message|início da mensagem encaminhada|inicio del mensaje reenviado|comienzo del mensaje reenviado|début du message réexpédié|début du message transféré|anfang der weitergeleiteten nachricht|inizio messaggio inoltrato|begin doorgestuurd bericht):[ \t]*$/iu;
/** Help-desk and forum markers: everything below "reply above this line" is the notification. */
const REPLY_ABOVE_RE =
  /(?:(?:reply|respond|write|type your (?:reply|response)) above this line|oberhalb dieser zeile|acima desta linha|encima de esta l[ií]nea|au-dessus de cette ligne|sopra questa riga|boven deze regel|powyżej tej linii|ovanför denna rad|над этой строкой)/iu;
/** Old Gmail and Chinese/Japanese clients: "2016-03-03 17:21 GMT+01:00 Some One <a@b>" then the quote. */
const DATE_FIRST_RE = /^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[ ,]/u;
const GMT_OFFSET_RE = /\b(?:GMT|UTC)[+-]\d{1,2}(?::\d{2})?\b/u;
const GENERIC_SEPARATOR_RE = /^[ \t]*-{3,}[ \t]*[\p{L}' ]{4,40}[ \t]*-{3,}[ \t]*$/u;
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

/** A wrapped address ending ("<a@b.example" then ">:" on the next line) is not a quote line. */
const WRAPPED_ADDRESS_END_RE = /^>\s*:\s*$/u;

/** Joins `count` lines starting at `i`, capped, for header matching; undefined when not joinable. */
function joinLines(lines: string[], i: number, count: number): string | undefined {
  const parts: string[] = [];
  let size = 0;
  for (let k = i; k < i + count; k++) {
    const l = lines[k];
    if (l === undefined || l.trim() === '') return undefined;
    if (QUOTE_RE.test(l) && !(k > i && WRAPPED_ADDRESS_END_RE.test(l))) return undefined;
    size += l.length;
    if (size > MAX_HEADER_CHARS * 2) return undefined;
    parts.push(l.trim());
  }
  const joined = parts
    .join(' ')
    .replace(/<\s+/gu, '<')
    .replace(/\(\s+/gu, '(')
    .replace(/\s+>/gu, '>')
    .replace(/：/gu, ':');
  // Zoho: "---- On … wrote ----" (trailing dashes trimmed by hand: `\s*-+$` is quadratic on runs).
  let out = joined.replace(/^-{2,}\s*/u, '');
  let e = out.length;
  while (e > 0 && out[e - 1] === '-') e--;
  if (out.length - e >= 2) out = out.slice(0, e).trimEnd();
  return out.length > MAX_HEADER_CHARS ? undefined : out;
}

function emailColonEnd(text: string): boolean {
  if (!/[>)\]\w.]\s*:$/u.test(text)) return false;
  return EMAIL_RE.test(text.slice(-160));
}

/** Recognizes a reply header made of `text` (one to three joined lines). */
function isReplyHeader(text: string, followedByQuote: boolean): boolean {
  const starter = STARTER_RE.test(text);
  const email = EMAIL_RE.test(text);
  const digit = DIGIT_RE.test(text);
  if (!text.endsWith(':')) {
    // "On … <a@b> wrote" without its colon, or a truncated header right above the quote.
    if (starter && email && digit && /(?:^|\s)(?:wrote|escreveu|escribió|a écrit|schrieb|ha scritto|skrev|schreef)$/iu.test(text)) return true;
    return followedByQuote && starter && email && digit;
  }
  if (TERMINATOR_END_RE.test(text)) return starter || digit || email || followedByQuote;
  if (emailColonEnd(text)) {
    if (TERMINATOR_INSIDE_RE.test(text)) return true;
    return DATE_START_RE.test(text) || (starter && digit) || followedByQuote;
  }
  return false;
}

function nextNonBlank(lines: string[], i: number): number {
  let k = i;
  while (k < lines.length && lines[k]!.trim() === '') k++;
  return k;
}

/** A line with no date, no address and no dangling "," or "<" is not the first line of a header. */
function customerLine(line: string): boolean {
  const t = line.slice(0, MAX_HEADER_CHARS).trim();
  return !DIGIT_RE.test(t) && !EMAIL_RE.test(t) && !/[,<]$/u.test(t);
}

function startsLikeHeader(line: string): boolean {
  const t = line.slice(0, MAX_HEADER_CHARS).trim();
  return STARTER_RE.test(t) || DATE_START_RE.test(t);
}

/** Number of lines (1–3) of a reply header starting at line i, or 0. */
function replyHeaderAt(lines: string[], i: number, nested = false): number {
  const first = lines[i]!.slice(0, MAX_HEADER_CHARS).trim().replace(/^-{2,}\s*/u, '');
  if (first.length <= 200 && DATE_FIRST_RE.test(first) && !first.endsWith('.')) {
    const after = nextNonBlank(lines, i + 1);
    const quoted = after < lines.length && /^[ \t]*[>|]/u.test(lines[after]!);
    if (GMT_OFFSET_RE.test(first) || (EMAIL_RE.test(first) && (quoted || first.endsWith('>') || first.endsWith(':')))) return 1;
  }
  // A header spread over lines must start like one (so a paragraph above it is not swallowed).
  const maxLines = STARTER_RE.test(first) || DATE_START_RE.test(first) || EMAIL_RE.test(first) ? 3 : 1;
  for (let n = 1; n <= maxLines; n++) {
    const joined = joinLines(lines, i, n);
    if (joined === undefined) return 0;
    const after = nextNonBlank(lines, i + n);
    const followedByQuote = after < lines.length && QUOTE_RE.test(lines[after]!) && !WRAPPED_ADDRESS_END_RE.test(lines[after]!) && after - (i + n) <= 1;
    if (isReplyHeader(joined, followedByQuote)) {
      // The customer's last line is never swallowed: when the header also stands without
      // line i ("Thanks.\nOn Mon … wrote:"), it starts on the next line.
      if (n > 1 && !nested && customerLine(lines[i]!) && startsLikeHeader(lines[i + 1]!) && replyHeaderAt(lines, i + 1, true) > 0) return 0;
      return n;
    }
    if (n === 1 && joined.length > 240) return 0;
  }
  return 0;
}

const ANY_KEY = (l: string): boolean => FROM_LINE_RE.test(l) || OTHER_LINE_RE.test(l);

/**
 * An Outlook-style header block: consecutive key lines ("From:", "Sent:", "Date:" …) that
 * include a From; one wrapped value line is allowed between two keys.
 */
function headerBlockAt(lines: string[], i: number): boolean {
  const isFrom = FROM_LINE_RE.test(lines[i]!);
  if (!isFrom && !OTHER_LINE_RE.test(lines[i]!)) return false;
  let keys = 1;
  let from = isFrom;
  let gaps = 0;
  for (let k = i + 1; k < Math.min(lines.length, i + 8); k++) {
    const l = lines[k]!;
    if (l.trim() === '') break;
    if (FROM_LINE_RE.test(l)) {
      from = true;
      keys++;
    } else if (OTHER_LINE_RE.test(l)) {
      keys++;
    } else if (++gaps > 1) {
      break;
    }
    if (from && keys >= (isFrom ? 2 : 3)) return true;
  }
  return false;
}

const RULE_RE = /^[ \t]*(?:-{5,}|_{3,}|={3,}|\*{5,})[ \t]*$/u;

function separatorAt(lines: string[], i: number): boolean {
  const l = lines[i]!;
  if (l.length <= 1000 && SEPARATOR_THEN_FROM_RE.test(l)) return true;
  if (l.length > 120) return false;
  if (SEPARATOR_RE.test(l) || FORWARD_INTRO_RE.test(l)) return true;
  if (GENERIC_SEPARATOR_RE.test(l) || RULE_RE.test(l)) {
    // A rule followed by a header block within a few lines.
    let seen = 0;
    for (let k = i + 1; k < lines.length && seen < 3; k++) {
      if (lines[k]!.trim() === '') continue;
      seen++;
      if (ANY_KEY(lines[k]!) && headerBlockAt(lines, k)) return true;
      if (FROM_LINE_RE.test(lines[k]!)) return true;
    }
  }
  return false;
}

function trimBlankLines(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b).join('\n');
}

interface SenderTokens {
  names: string[];
  full?: string;
  email?: string;
}

function senderTokens(sender: string | undefined): SenderTokens {
  if (!sender) return { names: [] };
  const email = /(?<![^\s<>"@])[^\s<>"@]+@[^\s<>"@]+/u.exec(sender.slice(0, 1000))?.[0]?.toLowerCase();
  const name = sender.replace(/<[^>]*>/gu, '').replace(/["']/gu, '').trim();
  const out: SenderTokens = { names: [] };
  if (email) out.email = email;
  if (name && !name.includes('@')) {
    // "Smith, Shelly" -> "Shelly Smith"
    const parts = name.includes(',') ? name.split(',').map((s) => s.trim()).reverse() : [name];
    const full = parts.join(' ').replace(/\s+/gu, ' ');
    out.full = full;
    out.names.push(full);
    const first = full.split(' ')[0];
    if (first && first.length >= 3 && first !== full) out.names.push(first);
  }
  return out;
}

const RULE_ONLY_RE = /^[ \t]*(?:-{3,}|={3,}|—{2,}|\*{3,}|~{3,})[ \t]*$/u;

/** A sign-off block: only short lines from `from` to `end`, a handful of them. */
function shortTail(lines: string[], from: number, end: number, maxLines: number): boolean {
  let count = 0;
  for (let k = from; k < end; k++) {
    const t = lines[k]!.trim();
    if (!t) continue;
    if (t.length > 80 || ++count > maxLines) return false;
  }
  return true;
}

function startsWithName(line: string, tokens: SenderTokens): boolean {
  if (line.length > 60) return false;
  for (const nm of tokens.names) {
    for (const prefix of ['', '-', '- ']) {
      const p = `${prefix}${nm}`;
      if (line === p) return true;
      if (line.startsWith(p) && /^[\s,|.]/u.test(line.slice(p.length))) {
        // "Jim P. Smith | Manager" yes; "Jim will call you tomorrow." no.
        if (nm !== tokens.full && (/[.!?]$/u.test(line) || line.split(/\s+/u).length > 6)) continue;
        return true;
      }
    }
  }
  return false;
}

/**
 * The start of a sign-off block at the end of [start, end): the sender's name (with the
 * greeting above it) or a rule line followed by contact details naming the sender.
 */
function senderSignatureStart(lines: string[], start: number, end: number, tokens: SenderTokens): number {
  if (!tokens.names.length && !tokens.email) return -1;
  let best = -1;
  for (let i = end - 1; i > start && i >= end - 20; i--) {
    const t = lines[i]!.trim();
    if (!t) continue;
    if (startsWithName(t, tokens) && shortTail(lines, i, end, 8)) {
      const prev = lines[i - 1]!.trim();
      if (SIGNOFF_RE.test(prev) && i - 1 > start) best = i - 1;
      else if (prev === '') best = i;
    } else if (RULE_ONLY_RE.test(t) && shortTail(lines, i + 1, end, 15)) {
      const tail = lines.slice(i + 1, end).join('\n');
      const lower = tail.toLowerCase();
      if ((tokens.full && tail.includes(tokens.full)) || (tokens.email && lower.includes(tokens.email))) best = i;
    }
  }
  if (best < 0) return -1;
  // There must be new text above the signature.
  for (let k = start; k < best; k++) if (lines[k]!.trim()) return best;
  return -1;
}

export function stripReply(input: string, options: StripReplyOptions = {}): StripReplyResult {
  // Bidi marks (Outlook in Arabic/Hebrew puts them before header keys) and BOMs carry no text.
  const text = input.replace(/\r\n?/gu, '\n').replace(/\u00a0/gu, ' ').replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu, '');
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
      if (!(lines[k]!.trim() === '' && visible.length > 0 && visible[visible.length - 1]!.trim() === '' && hidden[k - 1])) visible.push(lines[k]!);
    } else hiddenInside.push(lines[k]!);
  }
  const reply = trimBlankLines(visible);
  const signature = sigStart >= 0 ? trimBlankLines(lines.slice(sigStart, sigEnd)) : undefined;
  const quotedParts = [lines.slice(0, start), hiddenInside, lines.slice(end, sigStart >= 0 && sigStart >= end ? sigStart : n), sigStart >= 0 ? lines.slice(sigEnd) : []]
    .map(trimBlankLines)
    .filter(Boolean);
  const result: StripReplyResult = { reply, quoted: quotedParts.join('\n\n') };
  if (signature) result.signature = signature;
  return result;
}

/** True when text begins like a quoted message's header block ("From: …", "De : …", "От: …"). */
export function startsWithHeaderKey(text: string): boolean {
  const head = text.trimStart().slice(0, 200);
  return FROM_LINE_RE.test(head) || OTHER_LINE_RE.test(head);
}

/** True when the last lines of `text` are a reply header ("… wrote:"), as above a blockquote. */
export function endsWithReplyHeader(text: string): boolean {
  const lines = text.slice(-MAX_HEADER_CHARS * 2).replace(/\r\n?/gu, '\n').replace(/\u00a0/gu, ' ').split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  for (let n = 1; n <= 3 && n <= lines.length; n++) {
    const joined = joinLines(lines, lines.length - n, n);
    if (joined !== undefined && isReplyHeader(joined, true)) return true;
  }
  return false;
}
