/**
 * Where quoted history starts in a plain-text reply: reply headers ("On … wrote:" in 15
 * languages, over up to three lines), Outlook header blocks ("From:/Sent:") and separators
 * ("-----Original Message-----", a rule above a header block, forward intros). Used by
 * strip-reply.ts and html-reply.ts.
 *
 * Contract: pure, linear: every regex runs on one line or a join of at most three lines capped
 * in length, and none has nested quantifiers (a hostile body cannot stall ingest).
 */

import { FROM_KEYS, HEADER_TERMINATORS, OTHER_KEYS, SEPARATOR_PHRASES } from './reply-vocabulary.js';

export const MAX_HEADER_CHARS = 400;

/** The joined header ends with a verb of writing and a colon (the name may follow in nl/fi). */
const TERMINATOR_END_RE = new RegExp(
  `(?:(?:^|[\\s>)"'])(?:${HEADER_TERMINATORS.join('|')})|写道|寫道|書きました|のメッセージ)\\s?:\\s*$`,
  'iu',
);
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

export const QUOTE_RE = /^[ \t]*>/u;

const KEY_LINE = (keys: string[]): RegExp => new RegExp(`^[ \\t]*[*_]{0,2}(?:${keys.join('|')})[*_]{0,2}[ \\t]*[:：]`, 'iu');
const FROM_LINE_RE = KEY_LINE(FROM_KEYS);
const OTHER_LINE_RE = KEY_LINE(OTHER_KEYS);

const SEPARATOR_RE = new RegExp(
  `^[ \\t]*[*_]{0,2}[ \\t]*-{2,}[ \\t]*(?:${SEPARATOR_PHRASES.join('|')})[ \\t]*:?[ \\t]*-{2,}[ \\t]*[*_]{0,2}[ \\t]*$`,
  'iu',
);
/** "-----Ursprüngliche Nachricht----- Von: …": the separator and the header on one line. */
const SEPARATOR_THEN_FROM_RE = new RegExp(
  `^[ \\t]*[*_]{0,2}[ \\t]*-{2,}[ \\t]*(?:${SEPARATOR_PHRASES.join('|')})[ \\t]*:?[ \\t]*-{2,}[ \\t]*[*_]{0,2}[ \\t]*[*_]{0,2}(?:${FROM_KEYS.join('|')})[*_]{0,2}[ \\t]*[:：]`,
  'iu',
);
/** Apple Mail and others introduce a forward without dashes. */
const FORWARD_INTRO_RE =
  /^[ \t]*(?:begin forwarded message|início da mensagem encaminhada|inicio del mensaje reenviado|comienzo del mensaje reenviado|début du message réexpédié|début du message transféré|anfang der weitergeleiteten nachricht|inizio messaggio inoltrato|begin doorgestuurd bericht):[ \t]*$/iu;

/** Old Gmail and Chinese/Japanese clients: "2016-03-03 17:21 GMT+01:00 Some One <a@b>" then the quote. */
const DATE_FIRST_RE = /^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[ ,]/u;
const GMT_OFFSET_RE = /\b(?:GMT|UTC)[+-]\d{1,2}(?::\d{2})?\b/u;
const GENERIC_SEPARATOR_RE = /^[ \t]*-{3,}[ \t]*[\p{L}' ]{4,40}[ \t]*-{3,}[ \t]*$/u;

/** A wrapped address ending ("<a@b.example" then ">:" on the next line) is not a quote line. */
export const WRAPPED_ADDRESS_END_RE = /^>\s*:\s*$/u;

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
  const joined = parts.join(' ').replace(/<\s+/gu, '<').replace(/\(\s+/gu, '(').replace(/\s+>/gu, '>').replace(/：/gu, ':');
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
    if (starter && email && digit && /(?:^|\s)(?:wrote|escreveu|escribió|a écrit|schrieb|ha scritto|skrev|schreef)$/iu.test(text))
      return true;
    return followedByQuote && starter && email && digit;
  }
  if (TERMINATOR_END_RE.test(text)) return starter || digit || email || followedByQuote;
  if (emailColonEnd(text)) {
    if (TERMINATOR_INSIDE_RE.test(text)) return true;
    return DATE_START_RE.test(text) || (starter && digit) || followedByQuote;
  }
  return false;
}

export function nextNonBlank(lines: string[], i: number): number {
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
export function replyHeaderAt(lines: string[], i: number, nested = false): number {
  const first = lines[i]!.slice(0, MAX_HEADER_CHARS)
    .trim()
    .replace(/^-{2,}\s*/u, '');
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
    const followedByQuote =
      after < lines.length && QUOTE_RE.test(lines[after]!) && !WRAPPED_ADDRESS_END_RE.test(lines[after]!) && after - (i + n) <= 1;
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
export function headerBlockAt(lines: string[], i: number): boolean {
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

export function separatorAt(lines: string[], i: number): boolean {
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

/** True when text begins like a quoted message's header block ("From: …", "De : …", "От: …"). */
export function startsWithHeaderKey(text: string): boolean {
  const head = text.trimStart().slice(0, 200);
  return FROM_LINE_RE.test(head) || OTHER_LINE_RE.test(head);
}

/** True when the last lines of `text` are a reply header ("… wrote:"), as above a blockquote. */
export function endsWithReplyHeader(text: string): boolean {
  const lines = text
    .slice(-MAX_HEADER_CHARS * 2)
    .replace(/\r\n?/gu, '\n')
    .replace(/\u00a0/gu, ' ')
    .split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  for (let n = 1; n <= 3 && n <= lines.length; n++) {
    const joined = joinLines(lines, lines.length - n, n);
    if (joined !== undefined && isReplyHeader(joined, true)) return true;
  }
  return false;
}
