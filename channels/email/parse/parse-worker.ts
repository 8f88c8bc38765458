/**
 * Worker-thread entry of the parse pool (parse-pool.ts): runs the whole mail parse (mailparser,
 * normalization, classification, reply stripping) away from the event loop that serves the API.
 * Attachments are collected in memory (bounded by the job's maxAttachmentBytes) and handed back
 * with the result; the caller stores them in the real blob store and completes what needs its
 * secrets (applyMessageIdProof).
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import type { BlobPutResult, BlobStore } from '../../../src/channel/contract.js';
import { parseEmail, type ParsedEmail } from './index.js';

export interface ParseJob {
  id: number;
  raw: Uint8Array;
  maxAttachmentBytes: number;
  supportAddresses: string[];
}

export type ParseReply =
  | { ready: true }
  | { id: number; ok: true; parsed: ParsedEmail; blobs: Array<{ key: string; bytes: Uint8Array }> }
  | { id: number; ok: false; error: string };

class TooLarge extends Error {
  // Same literal code as the real store's BlobTooLargeError: parseEmail drops the file with a note.
  readonly code = 'blob_too_large' as const;
}

/** A BlobStore over memory for one job: keys are `mem-<n>`. */
export function createMemoryBlobs(): BlobStore & { entries(): Array<{ key: string; bytes: Buffer }> } {
  const store = new Map<string, Buffer>();
  const save = (bytes: Buffer): BlobPutResult => {
    const key = `mem-${store.size + 1}`;
    store.set(key, bytes);
    return { key, size: bytes.length } as BlobPutResult;
  };
  return {
    async put(source, options) {
      const max = options?.maxBytes ?? Number.POSITIVE_INFINITY;
      if (typeof source === 'string' || source instanceof Uint8Array) {
        const bytes = Buffer.from(source);
        if (bytes.length > max) throw new TooLarge('blob too large');
        return save(bytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) throw new TooLarge('blob too large');
        chunks.push(chunk);
      }
      return save(Buffer.concat(chunks));
    },
    get(key) {
      return Readable.from([store.get(key) ?? Buffer.alloc(0)]);
    },
    async read(key) {
      return store.get(key) ?? Buffer.alloc(0);
    },
    async exists(key) {
      return store.has(key);
    },
    async size(key) {
      return store.get(key)?.length ?? 0;
    },
    async delete(key) {
      store.delete(key);
    },
    entries() {
      return [...store.entries()].map(([key, bytes]) => ({ key, bytes }));
    },
  };
}

export async function runParseJob(job: ParseJob): Promise<{ reply: ParseReply; transfer: ArrayBuffer[] }> {
  try {
    const blobs = createMemoryBlobs();
    const raw = Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
    const parsed = await parseEmail(raw, { blobs, maxAttachmentBytes: job.maxAttachmentBytes, supportAddresses: job.supportAddresses });
    const out = blobs.entries().map(({ key, bytes }) => {
      const copy = new Uint8Array(bytes.length);
      copy.set(bytes);
      return { key, bytes: copy };
    });
    return { reply: { id: job.id, ok: true, parsed, blobs: out }, transfer: out.map((b) => b.bytes.buffer as ArrayBuffer) };
  } catch (err) {
    return { reply: { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) }, transfer: [] };
  }
}

/** Marker set by parse-pool.ts: only a pool worker listens (importing this module elsewhere does nothing). */
export const PARSE_WORKER_MARKER = 'ponte-parse-worker';

if (parentPort && (workerData as { role?: unknown } | undefined)?.role === PARSE_WORKER_MARKER) {
  const port = parentPort;
  port.on('message', (job: ParseJob) => {
    void runParseJob(job).then(({ reply, transfer }) => port.postMessage(reply, transfer));
  });
  port.postMessage({ ready: true } satisfies ParseReply);
}
