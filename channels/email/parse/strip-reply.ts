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

const HEADER_TERMINATORS = [
  'wrote',
  'writes',
  'escreveu',
  'escribió',
  'escribio',
  'a écrit',
  'a ecrit',
  'schrieb',
  'geschrieben',
  'ha scritto',
  'scritto',
  'scrisse',
  'schreef',
  'skrev',
  'skrev følgende',
  'kirjoitti',
  'napisał',
  'napisał\\(a\\)',
  'napisała',
  'написал',
  'написала',
  'написал\\(а\\)',
  'пишет',
  'írta',
  'napsal',
  'napsal\\(a\\)',
  'yazdı',
  'escrigué',
  'va escriure',
];

/** The joined header ends with a verb of writing and a colon (the name may follow in nl/fi). */
const TERMINATOR_END_RE = new RegExp(`(?:^|[\\s>)"'])(?:${HEADER_TERMINATORS.join('|')})\\s?:\\s*$`, 'iu');
/** Dutch and some clients put the name after the verb: "Op … schreef Name <a@b>:". */
const TERMINATOR_INSIDE_RE = new RegExp(`(?:^|\\s)(?:${HEADER_TERMINATORS.join('|')})\\s`, 'iu');
/** Typical first words of a reply header. */
const STARTER_RE =
  /^(?:on|em|el|le|am|il|op|den|d\.|dne|på|w dniu|dnia|в|вс|пн|вт|ср|чт|пт|сб|la|tanggal|στις|el día|a|no dia|ngày|at|le jeu|den \d)\b/iu;
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

const FROM_KEYS = [
  'from',
  'de',
  'von',
  'van',
  'fra',
  'från',
  'da',
  'od',
  'от',
  'lähettäjä',
  'feladó',
  'kimden',
  'mittente',
  'remitente',
  'afzender',
  'avsändare',
];
const OTHER_KEYS = [
  'sent',
  'date',
  'to',
  'subject',
  'cc',
  'reply-to',
  'enviado',
  'enviada',
  'enviado el',
  'enviado em',
  'enviada em',
  'enviadas',
  'cco',
  'bcc',
  'responder a',
  'data',
  'para',
  'assunto',
  'envoyé',
  'envoyé le',
  'date d\'envoi',
  'à',
  'a',
  'objet',
  'gesendet',
  'datum',
  'an',
  'betreff',
  'verzonden',
  'aan',
  'onderwerp',
  'sendt',
  'dato',
  'til',
  'emne',
  'skickat',
  'till',
  'ämne',
  'inviato',
  'oggetto',
  'wysłano',
  'temat',
  'do',
  'отправлено',
  'кому',
  'тема',
  'дата',
  'lähetetty',
  'vastaanottaja',
  'aihe',
  'päivämäärä',
  'elküldve',
  'címzett',
  'tárgy',
  'fecha',
  'asunto',
];
const KEY_LINE = (keys: string[]): RegExp =>
  new RegExp(`^[ \\t]*[*_]{0,2}(?:${keys.join('|')})[*_]{0,2}[ \\t]*:`, 'iu');
const FROM_LINE_RE = KEY_LINE(FROM_KEYS);
const OTHER_LINE_RE = KEY_LINE(OTHER_KEYS);

const SEPARATOR_PHRASES = [
  'original message',
  'original',
  'mensagem original',
  'mensaje original',
  'message d\'origine',
  'message original',
  'ursprüngliche nachricht',
  'originalnachricht',
  'oorspronkelijk bericht',
  'origineel bericht',
  'oprindelig besked',
  'oprindelig meddelelse',
  'opprinnelig melding',
  'ursprungligt meddelande',
  'messaggio originale',
  'alkuperäinen viesti',
  'wiadomość oryginalna',
  'oryginalna wiadomość',
  'исходное сообщение',
  'пересылаемое сообщение',
  'forwarded message',
  'mensagem encaminhada',
  'mensaje reenviado',
  'message transféré',
  'weitergeleitete nachricht',
  'messaggio inoltrato',
  'doorgestuurd bericht',
  'videresendt meddelelse',
  'videresendt melding',
  'vidarebefordrat meddelande',
  'reply message',
];
const SEPARATOR_RE = new RegExp(`^[ \\t]*-{2,}[ \\t]*(?:${SEPARATOR_PHRASES.join('|')})[ \\t]*-{2,}[ \\t]*$`, 'iu');
const GENERIC_SEPARATOR_RE = /^[ \t]*-{3,}[ \t]*[\p{L}' ]{4,40}[ \t]*-{3,}[ \t]*$/u;
const UNDERSCORE_RE = /^[ \t]*_{2,}[ \t]*$/u;
const SIG_DELIMITER_RE = /^[ \t]*--[ \t]*$/u;
/** "-Abhishek Kona": a dash glued to a capitalised name, alone on a line. */
const DASH_NAME_RE = /^-[\p{Lu}][\p{L}.]*(?: [\p{Lu}][\p{L}.]*){0,3}[ \t]*$/u;

const DEVICE_START_RE =
  /^[ \t]*(?:sent from|sent with|sent via|sent using|get outlook for|obter o outlook para|baixe o outlook para|obtener outlook para|descargar outlook para|enviado via|enviado pelo|enviado pela|enviado com|enviado do|enviado desde|enviado de|enviada do|enviado a partir|envoyé de|envoyé depuis|envoyé à partir de|envoyé avec|gesendet von|gesendet mit|gesendet vom|inviato da|inviato dal|verzonden met|verzonden vanaf|verstuurd vanaf|sendt fra|skickat från|lähetetty|wysłane z|wysłano z|отправлено с|отправлено из)\s/iu;

const DEVICE_WORD_RE =
  /iphone|ipad|android|blackberry|samsung|galaxy|mobile|móvel|movil|móvil|celular|smartphone|outlook|yahoo|mail|ios\b|windows|tablet|huawei|xiaomi|motorola|phone|typeapp|sparrow|proton|spark|airmail|bluemail|aol|nokia|pixel|device|dispositivo|appareil|gerät|handy|telefon|telefoon|telefono|teléfono|телефон|\bapp\b/iu;
const POSSESSIVE_RE = /\s(?:my|meu|minha|mi|mon|ma|mein|meinem|meiner|mijn|min|mitt|il mio|mio|mój|moim|моего|моём)\s/iu;

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
    // Zoho: "---- On … wrote ----"
    .replace(/^-{2,}\s*|\s*-{2,}$/gu, '');
  return joined.length > MAX_HEADER_CHARS ? undefined : joined;
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

/** Number of lines (1–3) of a reply header starting at line i, or 0. */
function replyHeaderAt(lines: string[], i: number): number {
  const first = lines[i]!.slice(0, MAX_HEADER_CHARS).trim().replace(/^-{2,}\s*/u, '');
  // A header spread over lines must start like one (so a paragraph above it is not swallowed).
  const maxLines = STARTER_RE.test(first) || DATE_START_RE.test(first) || EMAIL_RE.test(first) ? 3 : 1;
  for (let n = 1; n <= maxLines; n++) {
    const joined = joinLines(lines, i, n);
    if (joined === undefined) return 0;
    const after = nextNonBlank(lines, i + n);
    const followedByQuote = after < lines.length && QUOTE_RE.test(lines[after]!) && !WRAPPED_ADDRESS_END_RE.test(lines[after]!) && after - (i + n) <= 1;
    if (isReplyHeader(joined, followedByQuote)) return n;
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
  if (l.length > 120) return false;
  if (SEPARATOR_RE.test(l)) return true;
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

const SIGNOFF_RE =
  /^(?:thanks|thank you|many thanks|thanks again|regards|best regards|kind regards|warm regards|best|cheers|sincerely|yours|obrigad[oa]|muito obrigad[oa]|atenciosamente|att|abraços?|saludos|un saludo|gracias|cordialmente|cordialement|merci|bien à vous|mit freundlichen grüßen|viele grüße|grüße|lg|groeten|met vriendelijke groet|distinti saluti|cordiali saluti|grazie)[\s,.!]*$/iu;
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
  const text = input.replace(/\r\n?/gu, '\n').replace(/\u00a0/gu, ' ');
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
  const inQuoteBlock = new Array<boolean>(n).fill(false);
  let cut = n;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind === 'quote') {
      inQuoteBlock[i] = true;
      continue;
    }
    if (kind === 'blank') continue;
    const line = lines[i]!;
    if (separatorAt(lines, i) || headerBlockAt(lines, i)) {
      cut = i;
      break;
    }
    const headerLines = replyHeaderAt(lines, i);
    if (headerLines > 0) {
      const after = nextNonBlank(lines, i + headerLines);
      if (after < n && kinds[after] === 'quote' && !WRAPPED_ADDRESS_END_RE.test(lines[after]!)) {
        for (let k = i; k < after; k++) inQuoteBlock[k] = true;
        i = after - 1;
        continue;
      }
      cut = i;
      break;
    }
    if (isDeviceLine(line)) {
      cut = i;
      break;
    }
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
    if (kinds[i] === 'text' && !inQuoteBlock[i]) {
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

  const reply = trimBlankLines(lines.slice(start, end));
  const signature = sigStart >= 0 ? trimBlankLines(lines.slice(sigStart, sigEnd)) : undefined;
  const quotedParts = [lines.slice(0, start), lines.slice(end, sigStart >= 0 && sigStart >= end ? sigStart : n), sigStart >= 0 ? lines.slice(sigEnd) : []]
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
