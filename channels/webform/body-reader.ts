/**
 * Raw request bytes and the two text encodings of a form (JSON, urlencoded). The router reads
 * bodies itself (the core mounts it before any body parser) because the signature covers the
 * exact bytes received.
 */
import { Transform, type Readable } from 'node:stream';
import { FormRejection } from './form-rejection.js';
import { tooDeepField } from './input-depth.js';

/** Form values are text (or a list of texts); anything nested deeper is refused before any other check. */
export const MAX_VALUE_DEPTH = 8;

export type BodyKind = 'json' | 'urlencoded' | 'multipart';

export function bodyKindOf(contentType: string | undefined): BodyKind | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (type === 'multipart/form-data') return 'multipart';
  return undefined;
}

/** The charset parameter, when it is one we do not read (we decode UTF-8 only). */
export function unsupportedCharset(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  if (!m) return undefined;
  const cs = m[1]!.toLowerCase();
  return cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' ? undefined : cs;
}

export function tooLarge(maxBytes: number): FormRejection {
  return new FormRejection(413, 'payload_too_large', `the submission is larger than ${maxBytes} bytes`);
}

/** Collects the body; over `maxBytes` it stops with a 413 (the caller answers and drops the rest). */
export function readRawBody(req: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: FormRejection | undefined) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        finish(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = () => finish(new FormRejection(400, 'body_incomplete', 'the request body could not be read'));
    const onClose = () => finish(new FormRejection(400, 'body_incomplete', 'the client closed the request before the body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Passes bytes through and fails with a 413 once more than `maxBytes` went by. */
export function createSizeLimit(maxBytes: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) cb(tooLarge(maxBytes));
      else cb(null, chunk);
    },
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decode(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new FormRejection(400, 'malformed_body', 'the body is not valid UTF-8');
  }
}

/** Form values by submitted name; null prototype so `__proto__` is just a name. */
export type FormValues = Record<string, unknown>;

export function parseJsonBody(raw: Buffer): FormValues {
  const text = decode(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FormRejection(400, 'malformed_body', 'the body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FormRejection(400, 'malformed_body', 'the JSON body must be an object of field names to values');
  }
  const values = Object.assign(Object.create(null) as FormValues, parsed);
  const deep = tooDeepField(values, MAX_VALUE_DEPTH);
  if (deep !== undefined) {
    throw new FormRejection(400, 'validation_failed', 'a field is nested too deeply', [
      { path: deep, message: `nested deeper than ${MAX_VALUE_DEPTH} levels; send text` },
    ]);
  }
  return values;
}

export function parseUrlencodedBody(raw: Buffer): FormValues {
  const values = Object.create(null) as FormValues;
  for (const [k, v] of new URLSearchParams(decode(raw))) addValue(values, k, v);
  return values;
}

/** Repeated names become arrays (field mapping refuses more than one non-empty value). */
export function addValue(values: FormValues, name: string, value: string): void {
  const previous = values[name];
  if (previous === undefined) values[name] = value;
  else if (Array.isArray(previous)) previous.push(value);
  else values[name] = [previous, value];
}
