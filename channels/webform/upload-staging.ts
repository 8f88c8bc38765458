/**
 * Files of a submission wait in a private temporary folder until the whole submission has
 * passed every check (sizes, types, fields, honeypot); only then are they copied into the blob
 * store. A refused or cut-off submission leaves nothing in the blob store: a refused oversized
 * upload once left a truncated blob on disk, and the other files of a refused form stayed too.
 */
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobPutResult, BlobStore } from '../../src/channel/contract.js';
import type { AttachmentRef } from '../../src/domain/envelope.js';

const STAGED = /^staged:(\d+)$/;

/** Over the limit: the same `code` as the blob store's own error, so callers handle both alike. */
export class StagedTooLargeError extends Error {
  readonly code = 'blob_too_large' as const;
  constructor(readonly maxBytes: number) {
    super(`content exceeds the limit of ${maxBytes} bytes`);
    this.name = 'StagedTooLargeError';
  }
}

export interface UploadStaging {
  /** Streams one file to the staging folder; the key is `staged:<n>`, only meaningful to `commit`. */
  put(source: Readable, options: { maxBytes: number }): Promise<BlobPutResult>;
  /** Copies the staged files into the blob store; returns the refs with real blob keys. */
  commit(files: readonly AttachmentRef[], blobs: BlobStore): Promise<AttachmentRef[]>;
  /** Deletes the staging folder. Always call it (success or failure). */
  dispose(): Promise<void>;
}

/** `tmpRoot` defaults to the OS temp folder, looked up only when a file is staged (most posts have none). */
export function createUploadStaging(tmpRoot?: string): UploadStaging {
  let dir: string | undefined;
  let count = 0;
  const pathOf = (n: number) => join(dir!, String(n));

  return {
    async put(source, { maxBytes }) {
      dir ??= mkdtempSync(join(tmpRoot ?? tmpdir(), 'ponte-upload-'));
      const n = ++count;
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (size > maxBytes) cb(new StagedTooLargeError(maxBytes));
          else cb(null, chunk);
        },
      });
      try {
        await pipeline(source, meter, createWriteStream(pathOf(n), { mode: 0o600 }));
      } catch (err) {
        await rm(pathOf(n), { force: true });
        if (!source.destroyed) source.destroy();
        throw err;
      }
      return { key: `staged:${n}`, size };
    },
    async commit(files, blobs) {
      const out: AttachmentRef[] = [];
      for (const f of files) {
        const m = STAGED.exec(f.blobKey);
        if (!m || !dir) {
          out.push(f);
          continue;
        }
        const { key } = await blobs.put(createReadStream(pathOf(Number(m[1]))), { maxBytes: Math.max(f.size, 1) });
        out.push({ ...f, blobKey: key });
      }
      return out;
    },
    async dispose() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
