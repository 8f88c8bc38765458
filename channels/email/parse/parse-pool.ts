/**
 * Mail parsing off the main thread, with a time budget (issue 9: one hostile mail froze the
 * gateway's API for 21 s). A small pool of worker threads runs the whole parse; a parse that
 * exceeds its budget has its worker terminated (and replaced) and the message becomes a visible
 * placeholder with `parseError`: never lost, never stalling the API.
 *
 * The worker has neither the blob store nor the signing key: attachments come back in chunks as
 * they are decoded and are streamed into the blob store here, so no attachment is ever held
 * whole in memory (a blob store failure still propagates, so the caller retries), and our signed
 * Message-IDs are verified here (applyMessageIdProof).
 *
 * Runs from TypeScript (tsx for `npm run ponte`, ts-jest in tests: the worker loads tsx's ESM
 * hooks first) and from JavaScript (`dist/`, plain worker) alike: the worker entry is resolved
 * next to this module with this module's own extension.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BlobPutResult } from '../../../src/channel/contract.js';
import { createIncomingBlobs, type IncomingBlobs } from './incoming-blobs.js';
import { applyMessageIdProof, parseEmail as parseInProcess, placeholderResult, type ParseEmailOptions, type ParsedEmail } from './index.js';
import { PARSE_WORKER_MARKER, type ParseJob, type ParseReply, type ParseResultMessage } from './parse-worker.js';

export interface ParsePoolOptions {
  /** Worker threads (default: defaultPoolSize()). */
  size?: number;
  /** Wall-clock budget of one parse once a worker has it (default 10 s). */
  budgetMs?: number;
  /**
   * While no worker has started yet (the first seconds after start; loading a worker takes 1–4 s
   * on a busy machine), messages up to this size are parsed in-process instead of waiting
   * (default 64 KB; 0 always waits). Every parse regex is linear, so a small mail is fast.
   */
  warmupInProcessBytes?: number;
  /**
   * Heap limit of each worker in MB (V8 old generation; default: Node's). A parse that needs
   * more stops its worker (replaced at once) and the message becomes a visible placeholder.
   */
  workerHeapMB?: number | undefined;
}

export interface ParsePool {
  /**
   * With `rereadRaw`, `raw` is handed over: when it owns its whole memory, that memory moves to
   * the worker without a copy (`raw` is empty afterwards) and a placeholder reads it again.
   */
  parseEmail(
    raw: Buffer,
    options: Pick<ParseEmailOptions, 'blobs' | 'maxAttachmentBytes' | 'supportAddresses' | 'verifyMessageId'> & {
      rereadRaw?: (() => Promise<Buffer>) | undefined;
    },
  ): Promise<ParsedEmail>;
  /** Terminates the workers; parses still waiting are rejected. */
  close(): Promise<void>;
}

export const DEFAULT_PARSE_BUDGET_MS = 10_000;

/**
 * One less than the CPUs, 1 to 2: the main thread needs a core of its own (IMAP, blob writes,
 * SQLite). On a 2-core machine a second worker was no faster (bench:email, 1,000 mails, paired
 * runs: 97/190 msg/s with one, 91/174 with two) and cost 70–140 MB more peak RSS.
 */
export function defaultPoolSize(cpus = availableParallelism()): number {
  return Math.max(1, Math.min(2, cpus - 1));
}

/** A worker's answer, or why there is none: over budget, parse here instead, or the worker died with it. */
type JobOutcome = ParseResultMessage | 'timeout' | 'in_process' | { crashed: string };

interface Job {
  job: ParseJob;
  /** The job's attachments on their way into the blob store. */
  incoming: IncomingBlobs;
  resolve: (r: JobOutcome) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current?: { job: Job; timer: NodeJS.Timeout };
}

function workerSource(): { source: string | URL; eval: boolean } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { source: new URL('./parse-worker.js', self), eval: false };
  // TypeScript: register tsx's ESM hooks inside the worker, then load the .ts entry.
  const api = createRequire(self)
    .resolve('tsx/esm/api')
    .replace(/index\.cjs$/u, 'index.mjs');
  const entry = new URL('./parse-worker.ts', self).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return { source: code, eval: true };
}

export function createParsePool(options: ParsePoolOptions = {}): ParsePool {
  const size = Math.max(1, options.size ?? defaultPoolSize());
  const budgetMs = options.budgetMs ?? DEFAULT_PARSE_BUDGET_MS;
  const warmupBytes = options.warmupInProcessBytes ?? 64 * 1024;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;
  let everReady = false;
  /** Workers that died before they were ready, in a row: after 3 the pool parses in-process (and says so). */
  let startFailures = 0;
  const broken = (): boolean => startFailures >= 3;

  function spawn(): Slot {
    const { source, eval: isEval } = workerSource();
    const worker = new Worker(source, {
      eval: isEval,
      workerData: { role: PARSE_WORKER_MARKER },
      // No young-generation limit here: with one, a worker over workerHeapMB aborted the whole
      // process (V8 fatal "Reached heap limit") instead of stopping only that worker.
      ...(options.workerHeapMB ? { resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMB } } : {}),
    });
    const slot: Slot = { worker, ready: false };
    worker.unref();
    worker.on('message', (msg: ParseReply) => {
      if ('ready' in msg) {
        slot.ready = true;
        everReady = true;
        startFailures = 0;
        pump();
        return;
      }
      const cur = slot.current;
      if (!cur || cur.job.job.id !== msg.id) return;
      if ('blob' in msg) {
        cur.job.incoming.receive(msg);
        return;
      }
      clearTimeout(cur.timer);
      delete slot.current;
      worker.unref();
      cur.job.resolve(msg);
      pump();
    });
    const fail = (err: Error): void => {
      if (!slot.ready) startFailures++;
      const cur = slot.current;
      delete slot.current;
      if (cur) {
        clearTimeout(cur.timer);
        cur.job.incoming.abandon();
        // The mail killed its worker (out of memory, a crash): it becomes a placeholder, never a
        // retry loop over the same message.
        const code = (err as { code?: unknown }).code;
        cur.job.resolve({
          crashed:
            code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `the parse ran out of its ${options.workerHeapMB ?? 'default'} MB of memory and was stopped`
              : 'the parse worker crashed on this message',
        });
      }
      replace(slot);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (slots.includes(slot)) fail(new Error(`parse worker exited (code ${code})`));
    });
    return slot;
  }

  function replace(slot: Slot): void {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    void slot.worker.terminate().catch(() => undefined);
    if (broken()) for (const job of queue.splice(0)) job.resolve('in_process');
    else if (!closed) pump();
  }

  function pump(): void {
    if (closed) return;
    while (queue.length > 0) {
      const slot = slots.find((s) => s.ready && !s.current);
      if (!slot) {
        if (slots.length < size) slots.push(spawn());
        return;
      }
      const job = queue.shift()!;
      const timer = setTimeout(() => {
        const cur = slot.current;
        if (!cur) return;
        delete slot.current;
        replace(slot);
        cur.job.incoming.abandon();
        cur.job.resolve('timeout');
      }, budgetMs);
      slot.current = { job, timer };
      slot.worker.ref();
      slot.worker.postMessage(job.job, [job.job.raw.buffer as ArrayBuffer]);
    }
  }

  function run(job: ParseJob, incoming: IncomingBlobs): Promise<JobOutcome> {
    return new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error('parse pool closed'));
        return;
      }
      if (broken() || (!everReady && job.raw.byteLength <= warmupBytes)) {
        resolve('in_process');
        return;
      }
      queue.push({ job, incoming, resolve, reject });
      pump();
    });
  }

  // Start one worker now (loading one takes seconds, the first mail should not wait for it);
  // the others start when mail queues up, so an idle mailbox costs one thread.
  slots.push(spawn());

  return {
    async parseEmail(raw, opts) {
      const owned = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.byteLength > 0;
      const handOver = opts.rereadRaw !== undefined && owned;
      let copy: Uint8Array;
      if (handOver) copy = new Uint8Array(raw.buffer, 0, raw.byteLength);
      else {
        copy = new Uint8Array(raw.length);
        copy.set(raw);
      }
      // After the transfer `raw` is empty: read it again where the whole message is still needed.
      const source = async (): Promise<Buffer> => (raw.byteLength === 0 && opts.rereadRaw ? opts.rereadRaw() : raw);
      const incoming = createIncomingBlobs(opts.blobs, opts.maxAttachmentBytes + 1);
      const reply = await run(
        { id: nextId++, raw: copy, maxAttachmentBytes: opts.maxAttachmentBytes, supportAddresses: opts.supportAddresses },
        incoming,
      );
      if (reply === 'in_process') return parseInProcess(await source(), opts);
      if (reply === 'timeout' || 'crashed' in reply) {
        const reason = reply === 'timeout' ? `parsing took longer than its budget of ${budgetMs} ms and was stopped` : reply.crashed;
        const parsed = placeholderResult(await source(), reason, opts);
        if (opts.verifyMessageId) applyMessageIdProof(parsed, opts.verifyMessageId);
        return parsed;
      }
      if (!reply.ok) {
        incoming.abandon();
        throw new Error(reply.error);
      }
      const parsed = reply.parsed;
      // Every attachment stored; a store failure propagates (the caller retries later).
      const keys: Map<string, BlobPutResult> = await incoming.stored();
      parsed.message.attachments = (parsed.message.attachments ?? []).map((a) => {
        const put = keys.get(a.blobKey);
        return put ? { ...a, blobKey: put.key, size: put.size } : a;
      });
      if (opts.verifyMessageId) applyMessageIdProof(parsed, opts.verifyMessageId);
      return parsed;
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('parse pool closed'));
      const all = slots.splice(0);
      for (const s of all) {
        if (s.current) {
          clearTimeout(s.current.timer);
          s.current.job.incoming.abandon();
          s.current.job.reject(new Error('parse pool closed'));
        }
      }
      await Promise.all(all.map((s) => s.worker.terminate().catch(() => undefined)));
    },
  };
}
