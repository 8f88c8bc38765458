/**
 * The only module that imports mailparser. It exposes the slice Ponte uses as our own
 * `MimeParser` interface: headers as plain strings, addresses, text/html bodies, and each
 * attachment as a stream handed to a callback (so the caller can stream it to the blob store
 * without buffering). Tests of the rest of the email parsing feed real messages through it.
 */
import type { Readable } from 'node:stream';
import type { AddressObject, AttachmentStream, EmailAddress, HeaderValue, MessageText } from 'mailparser';

export interface MimeAddress {
  /** Empty when the header named someone without a usable address. */
  address: string;
  name: string;
}

export interface MimeAttachment {
  content: Readable;
  contentType: string;
  filename?: string | undefined;
  /** Content-ID without angle brackets. */
  contentId?: string | undefined;
  /** Part of multipart/related or Content-Disposition inline (embedded image). */
  inline: boolean;
  disposition?: string | undefined;
}

export interface MimeMessage {
  /** Lowercase header name -> raw (unfolded, decoded) string values of the top-level header, in order. */
  headers: Map<string, string[]>;
  from: MimeAddress[];
  to: MimeAddress[];
  cc: MimeAddress[];
  replyTo: MimeAddress[];
  subject?: string | undefined;
  date?: Date | undefined;
  messageId?: string | undefined;
  inReplyTo?: string | undefined;
  references: string[];
  contentType?: string | undefined;
  text?: string | undefined;
  html?: string | undefined;
  textConversionError?: string | undefined;
}

export interface MimeParser {
  /**
   * Parses one message. `onAttachment` is awaited for each attachment; it must consume (or
   * abandon) the stream; the parser continues once the returned promise settles.
   */
  parse(raw: Buffer, onAttachment: (attachment: MimeAttachment) => Promise<void>): Promise<MimeMessage>;
}

function flattenAddresses(value: HeaderValue | undefined): MimeAddress[] {
  if (!value) return [];
  const objects = (Array.isArray(value) ? value : [value]) as AddressObject[];
  const out: MimeAddress[] = [];
  const walk = (list: EmailAddress[]): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address || a.name) out.push({ address: a.address ?? '', name: a.name ?? '' });
    }
  };
  for (const o of objects) if (o && Array.isArray((o as AddressObject).value)) walk(o.value);
  return out;
}

/** Header lines as strings: "Name: value" unfolded, name dropped. Keeps repeated headers. */
function rawHeaderMap(lines: ReadonlyArray<{ key: string; line: string }>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const colon = line.indexOf(':');
    const value = (colon >= 0 ? line.slice(colon + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim();
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
  return map;
}

function splitIds(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const all = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const v of all) for (const m of String(v).match(/<[^<>\s]+>|[^\s<>,]+@[^\s<>,]+/g) ?? []) out.push(m);
  return out;
}

/**
 * mailparser is loaded on first use: the gateway parses in its parse children and imports this
 * module only for the rare in-process fallback; loading mailparser eagerly cost it about 30 MB
 * of RSS (6 MB of heap) for nothing. A parse child loads it before it says it is ready.
 */
let library: Promise<typeof import('mailparser')> | undefined;
export const loadMailparser = (): Promise<typeof import('mailparser')> => (library ??= import('mailparser'));

export function createMailparserMimeParser(options: { maxHtmlLengthToParse?: number } = {}): MimeParser {
  return {
    async parse(raw, onAttachment) {
      const { MailParser } = await loadMailparser();
      return new Promise<MimeMessage>((resolve, reject) => {
        const parser = new MailParser({
          keepDeliveryStatus: true,
          // We convert html ourselves (html-to-text.ts) so text and reply text agree.
          skipHtmlToText: true,
          skipTextToHtml: true,
          skipImageLinks: true,
          skipTextLinks: true,
          checksumAlgo: false,
          maxHtmlLengthToParse: options.maxHtmlLengthToParse ?? 2_000_000,
        } as ConstructorParameters<typeof MailParser>[0]);
        let headerLines: ReadonlyArray<{ key: string; line: string }> = [];
        let text: MessageText | undefined;
        let settled = false;
        let pending: Promise<void> = Promise.resolve();
        const fail = (err: unknown): void => {
          if (settled) return;
          settled = true;
          reject(err instanceof Error ? err : new Error(String(err)));
        };
        parser.on('headerLines', (lines) => {
          headerLines = lines;
        });
        parser.on('data', (data: AttachmentStream | MessageText) => {
          if (data.type === 'text') {
            text = data;
            return;
          }
          const att = data;
          const cid = att.cid || undefined;
          const item: MimeAttachment = {
            content: att.content,
            contentType: att.contentType,
            filename: att.filename,
            contentId: cid,
            inline: Boolean(cid && (att.related || att.contentDisposition === 'inline')),
            disposition: att.contentDisposition,
          };
          pending = pending.then(async () => {
            try {
              await onAttachment(item);
            } catch (err) {
              fail(err);
            } finally {
              // Drain whatever the consumer left so the parser never stalls.
              if (!att.content.readableEnded) att.content.resume();
              att.release?.();
            }
          });
        });
        parser.on('error', fail);
        parser.on('end', () => {
          void pending.then(() => {
            if (settled) return;
            settled = true;
            const h = parser.headers || new Map<string, HeaderValue>();
            const ct = h.get('content-type') as { value?: string } | undefined;
            resolve({
              headers: rawHeaderMap(headerLines),
              from: flattenAddresses(h.get('from')),
              to: flattenAddresses(h.get('to')),
              cc: flattenAddresses(h.get('cc')),
              replyTo: flattenAddresses(h.get('reply-to')),
              subject: typeof h.get('subject') === 'string' ? (h.get('subject') as string) : undefined,
              date: h.get('date') instanceof Date && headerLines.some((l) => l.key === 'date') ? (h.get('date') as Date) : undefined,
              messageId: typeof h.get('message-id') === 'string' ? (h.get('message-id') as string) : undefined,
              inReplyTo: typeof h.get('in-reply-to') === 'string' ? (h.get('in-reply-to') as string) : undefined,
              references: splitIds(h.get('references') as string | string[] | undefined),
              contentType: ct?.value,
              text: text?.text || undefined,
              html: text?.html || undefined,
              textConversionError: text?.textConversionError ? String(text.textConversionError.message) : undefined,
            });
          }, fail);
        });
        // Feed in 64 KB slices, waiting for 'drain': one write of a 30 MB message makes mailparser
        // hold it several times over (measured +100–150 MB RSS; +2–22 MB this way).
        const CHUNK = 64 * 1024;
        let offset = 0;
        const pump = (): void => {
          while (offset < raw.length) {
            const slice = raw.subarray(offset, Math.min(offset + CHUNK, raw.length));
            offset += slice.length;
            if (!parser.write(slice)) {
              parser.once('drain', pump);
              return;
            }
          }
          parser.end();
        };
        pump();
      });
    },
  };
}
