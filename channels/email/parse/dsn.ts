/**
 * Delivery reports: RFC 3464 `multipart/report; report-type=delivery-status` and the common
 * non-standard bounces (qmail, Exim, Postfix without DSN). We read the raw message ourselves
 * with a small, bounded MIME walker (depth and part count capped) because the fields we need
 * (the per-recipient blocks and the returned headers) are exactly what a display-oriented
 * parser flattens away.
 *
 * Contract: pure, never throws, linear in the input.
 */

export interface DsnRecipient {
  address: string;
  status?: string;
  action?: string;
  diagnostic?: string;
}

export interface DeliveryReport {
  reportType?: string;
  /** The Message-ID of the message the report is about, angle brackets stripped. */
  originalMessageId?: string;
  recipients: DsnRecipient[];
  /** Not RFC 3464: recognised from the body text (qmail, Exim …). */
  nonStandard?: string;
}

export interface MimePartLite {
  headers: Map<string, string[]>;
  contentType: string;
  params: Record<string, string>;
  /** Decoded body as a latin1/utf-8 string (reports are ASCII in practice). */
  body: string;
  children: MimePartLite[];
}

const MAX_DEPTH = 5;
const MAX_PARTS = 64;

/** Parses "Name: value" header lines (folded) into a lowercase map; returns the offset of the body. */
export function parseHeaderBlock(text: string): { headers: Map<string, string[]>; bodyStart: number } {
  const headers = new Map<string, string[]>();
  let end = text.search(/\r?\n\r?\n/u);
  let bodyStart: number;
  if (end < 0) {
    end = text.length;
    bodyStart = text.length;
  } else {
    bodyStart = end + (text[end] === '\r' ? 2 : 1);
    bodyStart += text[bodyStart] === '\r' ? 2 : 1;
  }
  const block = text.slice(0, end).replace(/\r?\n[ \t]+/gu, ' ');
  for (const line of block.split(/\r?\n/u)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/u.test(name)) continue;
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name);
    if (list) list.push(value);
    else headers.set(name, [value]);
  }
  return { headers, bodyStart };
}

/** "text/plain; charset=utf-8; name=\"a b\"" -> value + lowercase params. */
export function parseStructured(value: string | undefined): { value: string; params: Record<string, string> } {
  if (!value) return { value: '', params: {} };
  const parts = value.split(';');
  const params: Record<string, string> = {};
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    params[k] = v;
  }
  return { value: (parts[0] ?? '').trim().toLowerCase(), params };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') {
    return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/gu, ''), 'base64').toString('latin1');
  }
  if (enc === 'quoted-printable') {
    return body.replace(/=\r?\n/gu, '').replace(/=([0-9A-Fa-f]{2})/gu, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

/** A bounded MIME walk over a message held as a latin1 string. */
export function parseMimeLite(raw: string, depth = 0, budget = { parts: 0 }): MimePartLite {
  const { headers, bodyStart } = parseHeaderBlock(raw);
  const ct = parseStructured(headers.get('content-type')?.[0]);
  const contentType = ct.value || 'text/plain';
  const rawBody = raw.slice(bodyStart);
  const part: MimePartLite = { headers, contentType, params: ct.params, body: '', children: [] };
  budget.parts++;
  if (depth >= MAX_DEPTH || budget.parts > MAX_PARTS) return part;
  if (contentType.startsWith('multipart/') && ct.params.boundary) {
    const delimiter = `--${ct.params.boundary}`;
    let pos = rawBody.indexOf(delimiter);
    while (pos >= 0 && budget.parts <= MAX_PARTS) {
      const lineEnd = rawBody.indexOf('\n', pos);
      if (lineEnd < 0) break;
      if (rawBody.startsWith(`${delimiter}--`, pos)) break;
      const next = rawBody.indexOf(`\n${delimiter}`, lineEnd);
      const chunk = rawBody.slice(lineEnd + 1, next < 0 ? rawBody.length : next);
      part.children.push(parseMimeLite(chunk.replace(/\r$/u, ''), depth + 1, budget));
      if (next < 0) break;
      pos = next + 1;
    }
    return part;
  }
  if (contentType === 'message/rfc822' || contentType === 'message/global') {
    part.children.push(parseMimeLite(decodeBody(rawBody, headers.get('content-transfer-encoding')?.[0]), depth + 1, budget));
    return part;
  }
  // Only the parts a report is read from are decoded (an attachment of megabytes is not).
  if (DECODED_TYPES.has(contentType) && rawBody.length <= MAX_DECODED_PART) {
    part.body = decodeBody(rawBody, headers.get('content-transfer-encoding')?.[0]);
  }
  return part;
}

const MAX_DECODED_PART = 512 * 1024;
const DECODED_TYPES = new Set([
  'text/plain',
  'text/html',
  'text/rfc822-headers',
  'message/delivery-status',
  'message/global-delivery-status',
  'message/feedback-report',
  'message/disposition-notification',
  'message/global-disposition-notification',
  'application/json',
]);

function stripBrackets(id: string): string {
  return id
    .trim()
    .replace(/^<+|>+$/gu, '')
    .trim();
}

/** Splits a message/delivery-status body into its field groups (per-message, then per-recipient). */
export function parseDeliveryStatus(body: string): DsnRecipient[] {
  const groups = body.replace(/\r\n?/gu, '\n').split(/\n[ \t]*\n/u);
  const recipients: DsnRecipient[] = [];
  for (const group of groups) {
    const { headers } = parseHeaderBlock(`${group.trim()}\n\n`);
    // The final recipient, unless it is an internal rewrite without a real domain
    // ("JimmyMcEgypt@sims-ms-daemon"): then the original one, the address the sender used.
    const original = headers.get('original-recipient')?.[0];
    const final = headers.get('final-recipient')?.[0];
    const dotted = (v: string | undefined): boolean => v !== undefined && /@[^@\s>]+\.[^@\s>]+/u.test(v);
    const rcpt = final && (dotted(final) || !dotted(original)) ? final : original;
    if (!rcpt) continue;
    const address = rcpt
      .replace(/^[^;]*;/u, '')
      .trim()
      .replace(/^<|>$/gu, '')
      .toLowerCase();
    if (!address) continue;
    const r: DsnRecipient = { address };
    const action = headers.get('action')?.[0]?.trim().toLowerCase();
    if (action) r.action = action.split(/\s/u)[0]!;
    const status = headers.get('status')?.[0]?.trim();
    if (status) r.status = status.split(/\s/u)[0]!;
    const diag = headers.get('diagnostic-code')?.[0];
    if (diag)
      r.diagnostic = diag
        .replace(/^[^;]*;\s*/u, '')
        .trim()
        .slice(0, 1000);
    recipients.push(r);
  }
  return recipients;
}

function findMessageId(part: MimePartLite): string | undefined {
  if (part.contentType === 'text/rfc822-headers') {
    const { headers } = parseHeaderBlock(`${part.body.trim()}\n\n`);
    const id = headers.get('message-id')?.[0];
    if (id) return stripBrackets(id);
  }
  if (part.contentType === 'message/rfc822' || part.contentType === 'message/global') {
    const inner = part.children[0];
    const id = inner?.headers.get('message-id')?.[0];
    if (id) return stripBrackets(id);
  }
  for (const c of part.children) {
    const id = findMessageId(c);
    if (id) return id;
  }
  return undefined;
}

function findPart(part: MimePartLite, type: string): MimePartLite | undefined {
  if (part.contentType === type) return part;
  for (const c of part.children) {
    const found = findPart(c, type);
    if (found) return found;
  }
  return undefined;
}

const QMAIL_RE = /Hi\. This is the qmail-send program/u;
const EXIM_RE = /(?:Mail delivery failed|This message was created automatically by mail delivery software)/u;
const GENERIC_BOUNCE_RE =
  /(?:The following addresses? had (?:permanent fatal|transient non-fatal) errors|Delivery to the following recipients? failed|I'm sorry to have to inform you that your message could not|could not be delivered to one or more of its\s+recipients|Your message (?:could not|wasn't|was not) (?:be )?delivered)/u;

/** Recognises the common non-standard bounce bodies; returns recipients found (best effort). */
export function parseNonStandardBounce(text: string): { kind: string; recipients: DsnRecipient[]; originalMessageId?: string } | undefined {
  const body = text.replace(/\r\n?/gu, '\n').slice(0, 200_000);
  let kind: string | undefined;
  if (QMAIL_RE.test(body)) kind = 'qmail';
  else if (EXIM_RE.test(body)) kind = 'exim';
  else if (GENERIC_BOUNCE_RE.test(body)) kind = 'generic';
  if (!kind) return undefined;
  const recipients: DsnRecipient[] = [];
  const seen = new Set<string>();
  // Everything after the "copy of the message" marker is the returned message.
  const allLines = body.split('\n');
  let copyLine = allLines.findIndex(
    (l) =>
      l.length <= 200 &&
      (/^-{2,}.*(?:copy of the message|Below this line|original message)/iu.test(l) || /^Original message headers:/iu.test(l)),
  );
  if (copyLine < 0) copyLine = allLines.length;
  const report = allLines.slice(0, copyLine).join('\n');
  const returned = allLines.slice(copyLine).join('\n');
  const lines = report.split('\n');
  for (let i = 0; i < lines.length && recipients.length < 50; i++) {
    const line = lines[i]!;
    if (line.length > 330) continue;
    // qmail: "<user@example.com>:" ; exim: "  user@example.com" (indented, alone on the line)
    // Anchored and on lines of at most 330 characters: bounded even where the domain classes overlap.
    const m = /^[ \t]*<?([^\s<>@"]+@[^\s<>@"]+\.[A-Za-z0-9-]+)>?:?[ \t]*$/u.exec(line);
    if (!m) continue;
    const address = m[1]!.toLowerCase();
    if (seen.has(address)) continue;
    seen.add(address);
    const diagLines: string[] = [];
    for (let k = i + 1; k < lines.length && diagLines.length < 6; k++) {
      const l = lines[k]!;
      if (l.trim() === '' || (l.length <= 330 && /^[ \t]*<?[^\s<>@"]+@[^\s<>@"]+>?:?[ \t]*$/u.test(l))) break;
      diagLines.push(l.trim());
    }
    const diagnostic = diagLines.join(' ').slice(0, 1000);
    const r: DsnRecipient = { address, action: 'failed' };
    const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/u.exec(diagnostic)?.[1];
    if (status) r.status = status;
    if (diagnostic) r.diagnostic = diagnostic;
    recipients.push(r);
  }
  const idMatch = /^Message-ID:[ \t]*(<[^>\n]{1,900}>|\S{1,900})/imu.exec(returned.slice(0, 100_000));
  const result: { kind: string; recipients: DsnRecipient[]; originalMessageId?: string } = { kind, recipients };
  if (idMatch) result.originalMessageId = stripBrackets(idMatch[1]!);
  return result;
}

export interface MessageStructure {
  /** Top-level content type and report-type parameter, lowercase. */
  contentType: string;
  reportType?: string;
  /** Per-recipient fields of a delivery-status part found anywhere (also outside multipart/report). */
  dsnRecipients: DsnRecipient[];
  hasDeliveryStatus: boolean;
  /** ARF fields (RFC 5965) of a feedback-report part, or of ARF fields found in a text part. */
  feedback?: Map<string, string[]>;
  hasDispositionNotification: boolean;
  /** Headers of the returned/attached message (message/rfc822 or text/rfc822-headers), if any. */
  attachedHeaders?: Map<string, string[]>;
  originalMessageId?: string;
}

const MAX_STRUCTURE_BYTES = 4 * 1024 * 1024;

function walk(part: MimePartLite, visit: (p: MimePartLite) => void): void {
  visit(part);
  for (const c of part.children) walk(c, visit);
}

const ARF_FIELDS_RE = /^Feedback-Type:[ \t]*[\w-]{1,40}[ \t]*$/imu;

/**
 * The report structure of any message (not only multipart/report): where the DSN, ARF and MDN
 * parts are, their fields, and the headers of a returned message. Reads at most the first 4 MB.
 */
export function readMessageStructure(raw: Buffer | string): MessageStructure {
  const text = typeof raw === 'string' ? raw.slice(0, MAX_STRUCTURE_BYTES) : raw.subarray(0, MAX_STRUCTURE_BYTES).toString('latin1');
  const root = parseMimeLite(text);
  const out: MessageStructure = {
    contentType: root.contentType,
    dsnRecipients: [],
    hasDeliveryStatus: false,
    hasDispositionNotification: false,
  };
  const reportType = root.params['report-type']?.toLowerCase();
  if (reportType) out.reportType = reportType;
  walk(root, (p) => {
    const ct = p.contentType;
    if ((ct === 'message/delivery-status' || ct === 'message/global-delivery-status') && !out.hasDeliveryStatus) {
      out.hasDeliveryStatus = true;
      // A bare message/delivery-status message keeps its fields in the body too.
      out.dsnRecipients = parseDeliveryStatus(p.body || (p === root ? text.slice(parseHeaderBlock(text).bodyStart) : ''));
    } else if (ct === 'message/feedback-report' && !out.feedback) {
      out.feedback = parseHeaderBlock(`${p.body.replace(/\r\n?/gu, '\n').trim()}\n\n`).headers;
    } else if (ct === 'message/disposition-notification' || ct === 'message/global-disposition-notification') {
      out.hasDispositionNotification = true;
    } else if ((ct === 'message/rfc822' || ct === 'message/global') && !out.attachedHeaders && p.children[0]) {
      out.attachedHeaders = p.children[0].headers;
    } else if (ct === 'text/rfc822-headers' && !out.attachedHeaders) {
      out.attachedHeaders = parseHeaderBlock(`${p.body.trim()}\n\n`).headers;
    } else if (ct === 'text/plain' && !out.feedback && p.body.length <= 64 * 1024) {
      // ARF fields in a text part (complaints sent as multipart/mixed without the report type).
      const at = ARF_FIELDS_RE.exec(p.body)?.index;
      if (at === undefined) return;
      const fields = parseHeaderBlock(`${p.body.slice(at).replace(/\r\n?/gu, '\n').trim()}\n\n`).headers;
      if (fields.has('feedback-type') && (fields.has('user-agent') || fields.has('version') || fields.has('original-mail-from')))
        out.feedback = fields;
    }
  });
  const id = findMessageId(root);
  if (id) out.originalMessageId = id;
  return out;
}

const RETURNED_MARKER_RE =
  /^(?:-{2,}.{0,80}(?:original message|returned mail|copy of the message|below this line|header of the source|original message follows|message headers follow|headers of the original|undelivered message)|original message headers:|[- ]*this is a copy of|received: from )/iu;
const HEADERISH_RE =
  /^[ \t]*(?:from|to|cc|reply-to|sender|return-path|message-id|in-reply-to|references|received|delivered-to|x-[\w-]{1,40}|reporting-mta|received-from-mta)[ \t]*:/iu;
const ADDRESS_RE = /(?<![^\s<>()"',;:[\]@])[^\s<>()"',;:[\]@]+@[^\s<>()"',;:[\]@.]+(?:\.[^\s<>()"',;:[\]@.]+)+/gu;
const STATUS_RE = /\b([245]\.\d{1,3}\.\d{1,3})\b/u;

/**
 * Failed recipients named in a bounce's human-readable part (MTAs without DSN fields, DSNs with
 * empty per-recipient groups): addresses in the report text above the returned message, minus
 * header lines, the mail system's own addresses and `exclude` (sender, our addresses). The DSN
 * status on the same or the next lines is kept when present.
 */
export function recipientsFromBounceText(text: string, exclude: Set<string>): DsnRecipient[] {
  const lines = text.replace(/\r\n?/gu, '\n').slice(0, 100_000).split('\n');
  const out: DsnRecipient[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length && out.length < 20; i++) {
    const line = lines[i]!;
    if (line.length > 400) continue;
    if (RETURNED_MARKER_RE.test(line.trim())) break;
    if (HEADERISH_RE.test(line)) continue;
    for (const m of line.matchAll(ADDRESS_RE)) {
      const address = m[0].replace(/[.>)\]]+$/u, '').toLowerCase();
      const local = address.split('@')[0]!;
      if (seen.has(address) || exclude.has(address) || /^(?:mailer-daemon|postmaster|mail-daemon|abuse|noreply|no-reply)$/u.test(local))
        continue;
      seen.add(address);
      const r: DsnRecipient = { address, action: 'failed' };
      const around = lines
        .slice(i, i + 4)
        .join(' ')
        .slice(0, 1200);
      const status = STATUS_RE.exec(around)?.[1];
      if (status) r.status = status;
      const diagnostic = lines
        .slice(i, i + 3)
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' ')
        .slice(0, 500);
      if (diagnostic) r.diagnostic = diagnostic;
      out.push(r);
    }
  }
  return out;
}

/** Reads a report out of a raw message; undefined when it is not a report. */
export function parseDeliveryReport(raw: Buffer | string): DeliveryReport | undefined {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const root = parseMimeLite(text);
  if (root.contentType !== 'multipart/report') return undefined;
  const report: DeliveryReport = { recipients: [] };
  const reportType = root.params['report-type']?.toLowerCase();
  if (reportType) report.reportType = reportType;
  const status = findPart(root, 'message/delivery-status') ?? findPart(root, 'message/global-delivery-status');
  if (status) report.recipients = parseDeliveryStatus(status.body);
  const id = findMessageId(root);
  if (id) report.originalMessageId = id;
  return report;
}
