/**
 * The pool's end of a parse job's attachments: each one arrives from the worker in chunks
 * (parse-child.ts) and is streamed into the real blob store as it comes, so memory holds a
 * few chunks of it, never the whole file; or, with a local-disk store, as a file the child wrote
 * into the store's staging folder, which the store adopts (hashing it itself). An attachment the worker gave up on (over the size
 * limit) or a job that ended without a result (over budget, crashed, pool closed) stops its
 * writes; the blob store removes what it had written.
 */
import { PassThrough } from 'node:stream';
import type { BlobPutResult, BlobStore } from '../../../src/channel/contract.js';
import type { BlobChunkMessage } from './parse-child.js';

export interface IncomingBlobs {
  receive(message: BlobChunkMessage): void;
  /** Every attachment of the job stored, by the worker's key; throws the first blob store failure. */
  stored(): Promise<Map<string, BlobPutResult>>;
  /** The job ended without a result: stop every write still open. */
  abandon(): void;
}

/** Below this an attachment is gathered and stored in one write (fewer file operations). */
const STREAM_ABOVE_BYTES = 1024 * 1024;

interface Incoming {
  /** Chunks gathered until the attachment ends or passes STREAM_ABOVE_BYTES. */
  gathered: Buffer[];
  gatheredBytes: number;
  pass?: PassThrough | undefined;
  put?: Promise<BlobPutResult | undefined> | undefined;
  dropped: boolean;
  done: boolean;
}

export function createIncomingBlobs(blobs: BlobStore, maxBytes: number): IncomingBlobs {
  const open = new Map<string, Incoming>();

  function store(incoming: Incoming, source: PassThrough | Buffer | { file: string }): void {
    const putting =
      source instanceof PassThrough || Buffer.isBuffer(source)
        ? blobs.put(source, { maxBytes })
        : blobs.local
          ? blobs.local.adopt(source.file, { maxBytes })
          : Promise.reject(new Error('a staged attachment needs a local blob store'));
    incoming.put = putting.catch((err: unknown) => {
      if (incoming.dropped) return undefined;
      throw err;
    });
    incoming.put.catch(() => undefined); // awaited in stored(); never an unhandled rejection
  }

  function stream(incoming: Incoming): PassThrough {
    const pass = new PassThrough();
    // The store's pipeline reports errors through `put`; this keeps a late one from crashing.
    pass.on('error', () => undefined);
    incoming.pass = pass;
    store(incoming, pass);
    for (const chunk of incoming.gathered.splice(0)) pass.write(chunk);
    return pass;
  }

  return {
    receive(message) {
      let incoming = open.get(message.blob);
      if (!incoming) {
        incoming = { gathered: [], gatheredBytes: 0, dropped: false, done: false };
        open.set(message.blob, incoming);
      }
      if (incoming.done) return;
      if ('chunk' in message) {
        const chunk = Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength);
        if (incoming.pass) {
          if (!incoming.pass.destroyed) incoming.pass.write(chunk);
          return;
        }
        incoming.gathered.push(chunk);
        incoming.gatheredBytes += chunk.length;
        if (incoming.gatheredBytes > STREAM_ABOVE_BYTES) stream(incoming);
        return;
      }
      incoming.done = true;
      if ('file' in message) {
        // Written by the child into the local store's staging folder: adopted (hashed) here.
        store(incoming, { file: message.file });
        return;
      }
      if ('end' in message) {
        if (incoming.pass) incoming.pass.end();
        else store(incoming, Buffer.concat(incoming.gathered.splice(0)));
        return;
      }
      drop(incoming, 'attachment over the size limit');
    },
    async stored() {
      const out = new Map<string, BlobPutResult>();
      for (const [key, incoming] of open) {
        const put = await incoming.put;
        if (put) out.set(key, put);
      }
      return out;
    },
    abandon() {
      for (const incoming of open.values()) drop(incoming, 'parse abandoned');
    },
  };

  function drop(incoming: Incoming, why: string): void {
    incoming.dropped = true;
    incoming.done = true;
    incoming.gathered.length = 0;
    if (incoming.pass && !incoming.pass.destroyed) incoming.pass.destroy(new Error(why));
  }
}
