/**
 * Child-process entry of the parse pool (parse-pool.ts): runs the whole mail parse (mailparser,
 * normalization, classification, reply stripping) in a process of its own, so a mail that
 * exhausts the parse's heap (`--max-old-space-size`) or crashes it takes down that child only,
 * never the gateway. It loads only the parse code. Attachments are streamed back to the pool in
 * chunks as mailparser decodes them (the pool writes them into the real blob store as they
 * come), so a 25 MB attachment is never held whole here; the result follows its chunks, and the
 * caller completes what needs its secrets (applyMessageIdProof). Jobs run one at a time, in
 * order: the pool may hand over the next job while one is parsed. The child exits when the
 * parent goes away (its IPC channel closes), so no child outlives the gateway.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobPutResult, BlobStore } from '../../../src/channel/contract.js';
import { parseEmail, type ParsedEmail } from './index.js';
import { loadMailparser } from './mailparser-adapter.js';

export interface ParseJob {
  id: number;
  /** The mail's bytes; empty when the child reads them from `rawFile`. */
  raw: Uint8Array;
  /** The raw's file in the local blob store: the child reads it there (the bytes never cross the pipe). */
  rawFile?: string | undefined;
  /** The local blob store's staging folder: attachments above STAGE_ABOVE_BYTES are written there as files. */
  stagingDir?: string | undefined;
  maxAttachmentBytes: number;
  supportAddresses: string[];
}

/**
 * A job on the wire: its header (with the raw's size), then the raw in pieces of at most
 * RAW_PIECE_BYTES, in order. One message of a 35 MB mail cost both ends about twice its size
 * (the sender's growing serializer buffer; the receiver's list of read chunks and their join);
 * in pieces each end holds the mail once and a piece or two.
 */
export type JobMessage = (Omit<ParseJob, 'raw'> & { size: number }) | { id: number; piece: Uint8Array };

export const RAW_PIECE_BYTES = 1024 * 1024;

/** Sends `job` as JobMessages through `send`. */
export function sendJob(job: ParseJob, send: (message: JobMessage) => void): void {
  const { raw, ...header } = job;
  send({ ...header, size: raw.byteLength });
  for (let at = 0; at < raw.byteLength; at += RAW_PIECE_BYTES) send({ id: job.id, piece: raw.subarray(at, at + RAW_PIECE_BYTES) });
}

/** The receiving end of sendJob: each complete job goes to `run`, in order. */
export function receiveJobs(run: (job: ParseJob) => void): (message: JobMessage) => void {
  let filling: { job: ParseJob; at: number } | undefined;
  return (message) => {
    if ('piece' in message) {
      if (!filling || filling.job.id !== message.id) return;
      filling.job.raw.set(message.piece, filling.at);
      filling.at += message.piece.byteLength;
    } else {
      const { size, ...header } = message;
      filling = { job: { ...header, raw: Buffer.allocUnsafeSlow(size) }, at: 0 };
    }
    if (filling && filling.at >= filling.job.raw.byteLength) {
      const { job } = filling;
      filling = undefined;
      run(job);
    }
  };
}

/**
 * One piece of an attachment on its way to the pool's blob store (`key` is the job's own,
 * `mem-<n>`), or the whole attachment written as a file in the staging folder (`file`).
 */
export type BlobChunkMessage = { id: number; blob: string } & ({ chunk: Uint8Array } | { end: true } | { abort: true } | { file: string });

/** `rawUnreadable`: the raw's file could not be read here; the pool sends the bytes instead. `code`: the error's own. */
export type ParseResultMessage =
  | { id: number; ok: true; parsed: ParsedEmail }
  | { id: number; ok: false; error: string; code?: string; rawUnreadable?: true };

export type ParseReply = { ready: true } | BlobChunkMessage | ParseResultMessage;

type Send = (message: BlobChunkMessage) => void;

const SEND_CHUNK_BYTES = 256 * 1024;

/**
 * With a staging folder, an attachment that grows past this is written there as a file (the
 * pool's store adopts it) instead of crossing the pipe; smaller ones still travel in one chunk.
 */
export const STAGE_ABOVE_BYTES = 256 * 1024;

/** Staged files of one child start with this: the pool removes a killed child's leftovers by it. */
export const stagedPrefix = (pid: number): string => `parse-${pid}-`;

class TooLarge extends Error {
  // Same literal code as the real store's BlobTooLargeError: parseEmail drops the file with a note.
  readonly code = 'blob_too_large' as const;
}

/**
 * A BlobStore that only writes: each put streams its bytes to `send` in chunks, or past
 * STAGE_ABOVE_BYTES into a file of `stagingDir` when there is one; keys are `mem-<n>`.
 */
export function createStreamingBlobs(id: number, send: Send, stagingDir?: string): BlobStore {
  let count = 0;
  const unavailable = (): never => {
    throw new Error('the parse child can only store attachments');
  };
  return {
    async put(source, options) {
      const max = options?.maxBytes ?? Number.POSITIVE_INFINITY;
      const blob = `mem-${++count}`;
      let size = 0;
      // Decoded pieces are small (a few KB): they travel in chunks of SEND_CHUNK_BYTES.
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = (): void => {
        if (!pendingBytes) return;
        // One piece (serialized into the IPC channel, so the pieces are not kept).
        const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        send({ id, blob, chunk });
      };
      const chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> =
        typeof source === 'string' || source instanceof Uint8Array ? [source] : (source as AsyncIterable<Uint8Array>);
      let staged: { path: string; file: FileHandle } | undefined;
      const writeOut = async (file: FileHandle): Promise<void> => {
        const parts = pending;
        pending = [];
        pendingBytes = 0;
        if (parts.length) await file.writev(parts);
      };
      try {
        for await (const piece of chunks) {
          const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
          size += bytes.byteLength;
          if (size > max) throw new TooLarge('blob too large');
          pending.push(bytes);
          pendingBytes += bytes.byteLength;
          if (stagingDir && !staged && size > STAGE_ABOVE_BYTES) {
            // Random too: a file left by a gateway killed outright must never block a later child that got its pid.
            const path = join(stagingDir, `${stagedPrefix(process.pid)}${id}-${count}-${randomBytes(6).toString('hex')}`);
            staged = { path, file: await open(path, 'wx') };
          }
          if (pendingBytes < SEND_CHUNK_BYTES) continue;
          // Written (awaited: the decoder waits for the disk) or sent in pieces of SEND_CHUNK_BYTES.
          if (staged) await writeOut(staged.file);
          else if (!stagingDir) flush();
        }
        if (staged) await writeOut(staged.file);
      } catch (err) {
        if (staged) {
          await staged.file.close().catch(() => undefined);
          await rm(staged.path, { force: true });
        }
        send({ id, blob, abort: true });
        throw err;
      }
      if (staged) {
        await staged.file.close();
        send({ id, blob, file: staged.path });
        return { key: blob, size } as BlobPutResult;
      }
      flush();
      send({ id, blob, end: true });
      return { key: blob, size } as BlobPutResult;
    },
    get: unavailable,
    read: unavailable,
    exists: unavailable,
    size: unavailable,
    delete: unavailable,
  };
}

export async function runParseJob(job: ParseJob, send: Send): Promise<ParseResultMessage> {
  let raw: Buffer;
  try {
    raw = job.rawFile ? await readFile(job.rawFile) : Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
  } catch (err) {
    return { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err), rawUnreadable: true };
  }
  try {
    const blobs = createStreamingBlobs(job.id, send, job.stagingDir);
    const parsed = await parseEmail(raw, { blobs, maxAttachmentBytes: job.maxAttachmentBytes, supportAddresses: job.supportAddresses });
    return { id: job.id, ok: true, parsed };
  } catch (err) {
    // A failure writing a staged file (disk full) keeps its code: the caller retries, as with the store's own failures.
    const code = (err as { code?: unknown } | undefined)?.code;
    return {
      id: job.id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
}

/** Argument given by parse-pool.ts: only a pool child listens (importing this module elsewhere does nothing). */
export const PARSE_CHILD_ARG = '--ponte-parse-child';

if (process.send && process.argv.includes(PARSE_CHILD_ARG)) {
  // The parent is gone (exit, crash, SIGKILL: the channel closes): so is this child.
  process.on('disconnect', () => process.exit(0));
  const send = (message: ParseReply): void => {
    process.send?.(message, undefined, undefined, (err: Error | null) => {
      if (err) process.exit(0);
    });
  };
  let previous: Promise<unknown> = Promise.resolve();
  process.on(
    'message',
    receiveJobs((job) => {
      previous = previous.then(() => runParseJob(job, send).then(send));
    }),
  );
  // Ready once mailparser is loaded: the first mail handed over is not kept waiting for it.
  void loadMailparser().then(
    () => send({ ready: true }),
    () => send({ ready: true }),
  );
}
