/**
 * Reads what a `put` receives into memory, hashing it and enforcing the size limit as it
 * streams: the remote backends (S3, PostgreSQL) need the content's sha256 (the key) before
 * they can name the object, and the limit bounds the memory one upload can take.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { asBuffer, BlobTooLargeError, KEY_RE, PonteErrorInvalidKey } from './blob-store.js';

export interface BlobIntake {
  key: string;
  bytes: Buffer;
}

export async function takeBlob(source: Readable | Uint8Array | string, maxBytes: number): Promise<BlobIntake> {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    const bytes = asBuffer(source);
    if (bytes.length > maxBytes) throw new BlobTooLargeError(maxBytes);
    return { key: createHash('sha256').update(bytes).digest('hex'), bytes };
  }
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
      hash.update(buf);
      chunks.push(buf);
    }
  } catch (err) {
    if (!source.destroyed) source.destroy();
    throw err;
  }
  return { key: hash.digest('hex'), bytes: Buffer.concat(chunks, size) };
}

export function checkKey(key: string): string {
  if (!KEY_RE.test(key)) throw new PonteErrorInvalidKey(key);
  return key;
}

/** What a missing blob throws on every backend (the local one's fs error has the same code). */
export function blobNotFound(key: string): Error {
  return Object.assign(new Error(`ENOENT: no such blob ${key}`), { code: 'ENOENT' });
}
