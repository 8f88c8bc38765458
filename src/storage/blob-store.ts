/**
 * Content-addressed blob store on disk: `<root>/ab/cd/<sha256>`. Bytes are streamed to a
 * temporary file while hashing, then renamed into place, so a crash never leaves a partial
 * blob under a valid key and the same content is stored once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { access, lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobPutResult, BlobStore } from '../channel/contract.js';
import { PonteError } from '../domain/errors.js';

export class BlobTooLargeError extends PonteError {
  readonly code = 'blob_too_large' as const;
  constructor(readonly maxBytes: number) {
    super(`content exceeds the limit of ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

export const KEY_RE = /^[0-9a-f]{64}$/;

export function createBlobStore(root: string, defaultMaxBytes = 25 * 1024 * 1024): BlobStore {
  mkdirSync(join(root, 'tmp'), { recursive: true });

  const pathOf = (key: string): string => {
    if (!KEY_RE.test(key)) throw new PonteErrorInvalidKey(key);
    return join(root, key.slice(0, 2), key.slice(2, 4), key);
  };

  return {
    async put(source, options): Promise<BlobPutResult> {
      const maxBytes = options?.maxBytes ?? defaultMaxBytes;
      if (typeof source === 'string' || source instanceof Uint8Array) {
        // Bytes already in memory: hash once, one write, no stream machinery (the raw-mail hot path).
        const bytes = asBuffer(source);
        if (bytes.length > maxBytes) throw new BlobTooLargeError(maxBytes);
        const key = createHash('sha256').update(bytes).digest('hex');
        const dest = pathOf(key);
        if (await fileExists(dest)) return { key, size: bytes.length };
        const tmp = join(root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}`);
        await mkdir(join(dest, '..'), { recursive: true });
        await writeFile(tmp, bytes);
        await rename(tmp, dest);
        return { key, size: bytes.length };
      }
      const hash = createHash('sha256');
      let size = 0;
      const tmp = join(root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}`);
      const input = source;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (size > maxBytes) {
            cb(new BlobTooLargeError(maxBytes));
            return;
          }
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      try {
        await pipeline(input, meter, createWriteStream(tmp));
      } catch (err) {
        await rm(tmp, { force: true });
        if (!(input as Readable).destroyed) (input as Readable).destroy();
        throw err;
      }
      const key = hash.digest('hex');
      const dest = pathOf(key);
      await mkdir(join(dest, '..'), { recursive: true });
      await rename(tmp, dest);
      return { key, size };
    },
    get(key) {
      return createReadStream(pathOf(key));
    },
    async read(key) {
      return readFile(pathOf(key));
    },
    exists: (key) => fileExists(pathOf(key)),
    async size(key) {
      return (await stat(pathOf(key))).size;
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    local: {
      // Absolute: another process (whatever its working directory) writes there.
      stagingDir: resolve(root, 'tmp'),
      async fileOf(key) {
        const path = pathOf(key);
        return (await fileExists(path)) ? path : undefined;
      },
      async adopt(path, options) {
        const maxBytes = options?.maxBytes ?? defaultMaxBytes;
        // Only a file of the staging folder is taken (and removed): never one named from elsewhere.
        if (dirname(resolve(path)) !== resolve(root, 'tmp')) throw new Error(`not a staged file: ${path}`);
        try {
          // A plain file only: a symbolic link placed there (by a parse child gone wrong) would
          // make the store take in whatever file it points to.
          if (!(await lstat(path)).isFile()) throw new Error(`not a plain staged file: ${path}`);
          const hash = createHash('sha256');
          let size = 0;
          for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
            size += chunk.length;
            if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
            hash.update(chunk);
          }
          const key = hash.digest('hex');
          const dest = pathOf(key);
          if (await fileExists(dest)) {
            await rm(path, { force: true });
            return { key, size };
          }
          await mkdir(join(dest, '..'), { recursive: true });
          await rename(path, dest);
          return { key, size };
        } catch (err) {
          await rm(path, { force: true });
          throw err;
        }
      },
    },
  };
}

/** The bytes as a Buffer without copying them (Buffer.from(buffer) would copy a whole mail). */
export function asBuffer(source: Uint8Array | string): Buffer {
  if (typeof source === 'string') return Buffer.from(source);
  return Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export class PonteErrorInvalidKey extends PonteError {
  readonly code = 'blob_key_invalid' as const;
  constructor(key: string) {
    super(`not a blob key: ${key.slice(0, 80)}`);
  }
}
