/**
 * Checks the declared Content-Type of every multipart part against the MIME grammar
 * (RFC 6838 names, then parameters without control characters) while the bytes pass through
 * to the parser. busboy silently turns an unreadable part type into `text/plain`, and a type
 * with a folded line break once reached storage and made its download answer 500; a part that
 * declares something that is not a media type is refused instead (400, naming the field).
 *
 * A Transform that passes every chunk unchanged; it only looks at part headers (each bounded
 * to 16 KB, like busboy's), found after the boundary delimiters.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { FormRejection } from './form-rejection.js';

const MAX_HEADER_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const RESTRICTED_NAME = '[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}';
const MEDIA_TYPE_RE = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}$`);

/** A declared media type: `type/subtype` then `; name=value` parameters without control characters. */
export function isValidMediaType(value: string): boolean {
  if (/[\u0000-\u001F\u007F]/.test(value)) return false;
  const semi = value.indexOf(';');
  const essence = (semi === -1 ? value : value.slice(0, semi)).trim();
  return MEDIA_TYPE_RE.test(essence);
}

/** The boundary parameter of a multipart Content-Type, if any. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

interface PartHeaders {
  contentType?: string;
  name?: string;
}

/** Header lines of one part; a folded line (leading space or tab) stays in its header's value with its line break. */
export function parsePartHeaders(block: string): PartHeaders {
  const out: PartHeaders = {};
  const lines = block.split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && headers.length > 0) {
      headers[headers.length - 1]![1] += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1)]);
  }
  for (const [name, value] of headers) {
    if (name === 'content-type' && out.contentType === undefined) out.contentType = value.trim();
    if (name === 'content-disposition' && out.name === undefined) {
      const m = /;\s*name\s*=\s*(?:"([^"]*)"|([^\s;]*))/i.exec(value);
      if (m) out.name = m[1] ?? m[2];
    }
  }
  return out;
}

export function createPartHeaderScanner(contentType: string | undefined): Transform {
  const boundary = boundaryOf(contentType);
  // The body starts right after a virtual CRLF, so the first delimiter looks like the others.
  const delimiter = boundary ? Buffer.from(`\r\n--${boundary}`) : undefined;
  let state: 'body' | 'headers' | 'done' = boundary ? 'body' : 'done';
  let pending: Buffer = Buffer.from('\r\n');

  const scan = (): FormRejection | undefined => {
    while (state !== 'done') {
      if (state === 'body') {
        const at = pending.indexOf(delimiter!);
        if (at === -1) {
          pending = pending.subarray(Math.max(0, pending.length - (delimiter!.length - 1)));
          return undefined;
        }
        pending = pending.subarray(at + delimiter!.length);
        state = 'headers';
      }
      if (pending.length >= 2 && pending[0] === 0x2d && pending[1] === 0x2d) {
        state = 'done'; // the close delimiter
        return undefined;
      }
      const end = pending.indexOf(CRLFCRLF);
      if (end === -1) {
        if (pending.length > MAX_HEADER_BYTES) state = 'done'; // busboy refuses it
        return undefined;
      }
      const block = pending.subarray(0, end).toString('latin1');
      pending = pending.subarray(end + CRLFCRLF.length);
      state = 'body';
      const firstLineEnd = block.indexOf('\r\n');
      const part = parsePartHeaders(firstLineEnd === -1 ? '' : block.slice(firstLineEnd + 2));
      if (part.contentType !== undefined && !isValidMediaType(part.contentType)) {
        const field = (part.name ?? 'file').slice(0, 100);
        return new FormRejection(400, 'invalid_content_type', `the part "${field}" declares a content type that is not a media type`, [
          { path: field, message: 'declares a content type that is not a valid media type (like image/png)' },
        ]);
      }
    }
    return undefined;
  };

  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (state !== 'done') {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const rejection = scan();
        if (rejection) {
          cb(rejection);
          return;
        }
      }
      cb(null, chunk);
    },
  });
}
