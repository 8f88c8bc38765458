/**
 * The body of a signed submission, read before anyone knows it is genuine. Every byte goes
 * through `onChunk` (the streaming HMAC) as it arrives; the bytes themselves are held in memory
 * only up to `memoryBytes` and spooled to a private temporary file beyond, with backpressure
 * (the socket is paused while the disk catches up). So a forged 24 MB post costs a few KB of
 * RAM and a temporary file that is deleted when the MAC does not match, instead of 24 MB of
 * buffers (12 of them once raised RSS by ~300 MB).
 *
 * The caller decides what to do with the bytes only after the MAC matched, and always calls
 * `dispose()`.
 */
import { createReadStream, createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { tooLarge } from './body-reader.js';
import { FormRejection } from './form-rejection.js';

export interface SpooledBody {
  readonly size: number;
  /** The whole body in memory: only for bodies the caller knows are small (text kinds). */
  read(): Promise<Buffer>;
  stream(): Readable;
  /** Removes the temporary file, if any. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface SpoolOptions {
  /** Over this the body is refused (413) and everything read so far is dropped. */
  maxBytes: number;
  /** Held in memory up to this; the rest goes to a temporary file. */
  memoryBytes: number;
  onChunk(chunk: Buffer): void;
  /** Folder for the temporary file (default: the OS temp folder). */
  tmpRoot?: string;
}

export function spoolBody(req: Readable, options: SpoolOptions): Promise<SpooledBody> {
  return new Promise((resolve, reject) => {
    const memory: Buffer[] = [];
    let size = 0;
    let dir: string | undefined;
    let file: WriteStream | undefined;
    let settled = false;

    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const removeFile = async () => {
      file?.destroy();
      if (dir) await rm(dir, { recursive: true, force: true });
    };
    const failWith = (err: FormRejection) => {
      if (settled) return;
      settled = true;
      cleanup();
      memory.length = 0;
      void removeFile().finally(() => reject(err));
    };

    const onData = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > options.maxBytes) {
        failWith(tooLarge(options.maxBytes));
        return;
      }
      options.onChunk(chunk);
      if (!file && size <= options.memoryBytes) {
        memory.push(chunk);
        return;
      }
      if (!file) {
        dir = mkdtempSync(join(options.tmpRoot ?? tmpdir(), 'ponte-form-'));
        file = createWriteStream(join(dir, 'body'), { mode: 0o600 });
        file.on('error', () =>
          failWith(new FormRejection(503, 'unavailable', 'the submission could not be stored; try again in a moment')),
        );
        for (const m of memory.splice(0)) file.write(m);
      }
      if (!file.write(chunk)) {
        req.pause();
        file.once('drain', () => {
          if (!settled) req.resume();
        });
      }
    };
    const onEnd = () => {
      if (settled) return;
      cleanup();
      const finish = () => {
        if (settled) return;
        settled = true;
        resolve(spooled(memory, size, dir, removeFile));
      };
      if (file) file.end(finish);
      else finish();
    };
    const onError = () => failWith(new FormRejection(400, 'body_incomplete', 'the request body could not be read'));
    const onClose = () => failWith(new FormRejection(400, 'body_incomplete', 'the client closed the request before the body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function spooled(memory: Buffer[], size: number, dir: string | undefined, removeFile: () => Promise<void>): SpooledBody {
  const path = dir ? join(dir, 'body') : undefined;
  return {
    size,
    read: async () => (path ? readFile(path) : Buffer.concat(memory, size)),
    stream: () => (path ? createReadStream(path) : Readable.from(memory)),
    dispose: removeFile,
  };
}
