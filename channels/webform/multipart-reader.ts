/**
 * multipart/form-data: fields, and files streamed to the blob store within the form's count,
 * size and type limits. The only module that imports busboy.
 *
 * A file over the limit, of a refused type, or past the count fails the whole submission
 * (413/415); a truncated or malformed body, or a part whose declared type is not a media type,
 * fails with 400. Files go to `sink`: the router passes an upload staging folder, so nothing
 * reaches the blob store before the whole submission is accepted (upload-staging.ts).
 */
import busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { AttachmentRef } from '../../src/domain/envelope.js';
import type { BlobStore } from '../../src/channel/contract.js';
import { createPartHeaderScanner } from './part-header-scanner.js';
import { addValue, type FormValues } from './body-reader.js';
import { FormRejection } from './form-rejection.js';

export interface MultipartLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** Exact media types or `type/*`. */
  allowedTypes: readonly string[];
  maxFields: number;
  maxFieldBytes: number;
}

export interface MultipartResult {
  fields: FormValues;
  files: AttachmentRef[];
}

export interface MultipartOptions {
  /** Checked before each file: true drains files instead of storing them (a bot filled the honeypot). */
  discardFiles?: (fieldsSoFar: FormValues) => boolean;
}

export function isTypeAllowed(type: string, allowed: readonly string[]): boolean {
  const t = type.toLowerCase();
  return allowed.some((a) => {
    const p = a.toLowerCase();
    return p.endsWith('/*') ? t.startsWith(p.slice(0, -1)) : t === p;
  });
}

/**
 * The name as the browser sent it (the core derives a safe display name beside it), bounded to
 * the envelope's 255 characters without cutting a surrogate pair.
 */
export function originalFilename(name: string | undefined, fallback: string): string {
  const chars = Array.from(name ?? '');
  let out = '';
  for (const c of chars) {
    if (out.length + c.length > 255) break;
    out += c;
  }
  return out.trim() === '' ? fallback : out;
}

export async function readMultipart(
  source: Readable,
  headers: IncomingHttpHeaders,
  limits: MultipartLimits,
  sink: Pick<BlobStore, 'put'>,
  options: MultipartOptions = {},
): Promise<MultipartResult> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      defParamCharset: 'utf8',
      preservePath: true,
      limits: {
        files: limits.maxFiles,
        fileSize: limits.maxFileBytes,
        fields: limits.maxFields,
        fieldSize: limits.maxFieldBytes,
        parts: limits.maxFields + limits.maxFiles,
        fieldNameSize: 200,
        headerPairs: 50,
      },
    });
  } catch {
    throw new FormRejection(400, 'malformed_body', 'multipart/form-data needs a boundary parameter');
  }

  const fields = Object.create(null) as FormValues;
  const uploads: Array<Promise<AttachmentRef | undefined>> = [];
  let failure: FormRejection | undefined;
  // busboy may still emit a file after reporting an error in the same chunk, and that stream
  // never ends; it is ignored, and whatever is still open at the end is destroyed so every
  // pending blob write settles.
  let parserFailed = false;
  const openFiles = new Set<Readable>();
  parser.on('error', () => (parserFailed = true));
  const fail = (r: FormRejection) => {
    failure ??= r;
  };

  parser.on('field', (name, value, info) => {
    if (info.valueTruncated)
      fail(new FormRejection(413, 'field_too_large', `the field "${name.slice(0, 100)}" is longer than ${limits.maxFieldBytes} bytes`));
    else if (info.nameTruncated) fail(new FormRejection(400, 'malformed_body', 'a field name is too long'));
    else addValue(fields, name, value);
  });

  parser.on('file', (_name, stream, info) => {
    const filename = originalFilename(info.filename, 'attachment');
    const type = info.mimeType.toLowerCase();
    // A cut-off body destroys the current file stream with an error; the parser reports it too
    // (pipeline rejects), so here it only must not go unhandled.
    stream.on('error', () => undefined);
    openFiles.add(stream);
    stream.on('end', () => openFiles.delete(stream));
    stream.on('close', () => openFiles.delete(stream));
    if (failure || parserFailed || options.discardFiles?.(fields)) {
      stream.resume();
      return;
    }
    if (!isTypeAllowed(type, limits.allowedTypes)) {
      // A browser sends an empty part for a file input left blank; that is not a refused file.
      let bytes = 0;
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        if (bytes > 0 || info.filename) {
          fail(
            new FormRejection(
              415,
              'attachment_type_refused',
              `"${filename}" is ${type}; this form accepts ${limits.allowedTypes.join(', ')}`,
            ),
          );
        }
      });
      return;
    }
    let truncated = false;
    stream.on('limit', () => (truncated = true));
    uploads.push(
      sink.put(stream, { maxBytes: limits.maxFileBytes }).then(
        ({ key, size }) => {
          if (truncated) {
            fail(new FormRejection(413, 'attachment_too_large', `"${filename}" is larger than ${limits.maxFileBytes} bytes`));
            return undefined;
          }
          if (size === 0 && !info.filename) return undefined;
          return { blobKey: key, filename, contentType: type, size };
        },
        (err: unknown) => {
          stream.resume();
          const code = (err as { code?: unknown }).code;
          fail(
            code === 'blob_too_large'
              ? new FormRejection(413, 'attachment_too_large', `"${filename}" is larger than ${limits.maxFileBytes} bytes`)
              : new FormRejection(400, 'malformed_body', `the upload of "${filename}" did not complete`),
          );
          return undefined;
        },
      ),
    );
  });

  parser.on('filesLimit', () =>
    fail(
      new FormRejection(
        413,
        'too_many_attachments',
        limits.maxFiles === 0 ? 'this form does not accept files' : `this form accepts at most ${limits.maxFiles} files`,
      ),
    ),
  );
  parser.on('fieldsLimit', () => fail(new FormRejection(413, 'too_many_fields', `this form accepts at most ${limits.maxFields} fields`)));
  parser.on('partsLimit', () => fail(new FormRejection(413, 'too_many_fields', 'the submission has too many parts')));

  let streamError: unknown;
  try {
    await pipeline(source, createPartHeaderScanner(headers['content-type']), parser);
  } catch (err) {
    streamError = err;
  }
  for (const f of openFiles) f.destroy(new Error('multipart parsing stopped'));
  const settled = await Promise.all(uploads);
  if (streamError !== undefined) {
    if (streamError instanceof FormRejection) throw streamError;
    throw failure ?? new FormRejection(400, 'malformed_body', 'the multipart body is malformed or incomplete');
  }
  if (failure) {
    // The body was read to its end: every text field beside the refused file is here.
    failure.fieldsRead = fields;
    throw failure;
  }
  return { fields, files: settled.filter((f): f is AttachmentRef => f !== undefined) };
}
