/**
 * Mail parsing off the main thread, with a time budget (issue 9: one hostile mail froze the
 * gateway's API for 21 s) and a hard memory limit. A small pool of child processes runs the
 * whole parse; a parse that exceeds its budget has its child killed (and replaced), a parse that
 * exhausts its child's heap (`--max-old-space-size`) or crashes it ends that child alone, and
 * the message becomes a visible placeholder with `parseError`: never lost, never stalling the
 * API, never taking the gateway down (worker threads could not promise that: V8 aborted the
 * whole process on a worker's heap limit now and then, nodejs/node#47224).
 *
 * The child has neither the blob store nor the signing key: attachments come back in chunks as
 * they are decoded and are streamed into the blob store here, so no attachment is ever held
 * whole in memory (a blob store failure still propagates, so the caller retries), and our signed
 * Message-IDs are verified here (applyMessageIdProof).
 *
 * Runs from TypeScript (tsx for `npm run ponte`, ts-jest in tests: the child loads tsx's ESM
 * hooks) and from JavaScript (`dist/`, plain node) alike: the child entry is resolved next to
 * this module with this module's own extension.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BlobPutResult } from '../../../src/channel/contract.js';
import { createIncomingBlobs, type IncomingBlobs } from './incoming-blobs.js';
import { applyMessageIdProof, parseEmail as parseInProcess, placeholderResult, type ParseEmailOptions, type ParsedEmail } from './index.js';
import { PARSE_CHILD_ARG, sendJob, stagedPrefix, type ParseJob, type ParseReply, type ParseResultMessage } from './parse-child.js';

export interface ParsePoolOptions {
  /** Parse child processes (default: defaultPoolSize()). */
  size?: number;
  /** Wall-clock budget of one parse once a child has started it (default 10 s). */
  budgetMs?: number;
  /**
   * While no child has started yet (the first second or so after start; longer on a busy
   * machine), messages up to this size are parsed in-process instead of waiting (default 64 KB;
   * 0 always waits). Every parse regex is linear, so a small mail is fast.
   */
  warmupInProcessBytes?: number;
  /**
   * Heap limit of each child in MB (V8's `--max-old-space-size`; default: Node's). A parse that
   * needs more ends its child (replaced at once) and the message becomes a visible placeholder.
   */
  workerHeapMB?: number | undefined;
}

export interface ParsePool {
  /**
   * With `rereadRaw`, `raw` is handed over: when it owns its whole memory, that memory is
   * released here as soon as it is sent to a child (`raw` is empty afterwards) and a placeholder
   * reads it again.
   */
  parseEmail(
    raw: Buffer,
    options: Pick<ParseEmailOptions, 'blobs' | 'maxAttachmentBytes' | 'supportAddresses' | 'verifyMessageId'> & {
      rereadRaw?: (() => Promise<Buffer>) | undefined;
      /**
       * The raw's file in the local blob store (`blobs.local`): the child reads it there and
       * `raw` is not sent (it may be empty). Its attachments are then written by the child
       * into the store's staging folder and adopted here, so no mail byte crosses the pipe.
       */
      rawFile?: string | undefined;
    },
  ): Promise<ParsedEmail>;
  /** Kills the children; parses still waiting are rejected. */
  close(): Promise<void>;
}

export const DEFAULT_PARSE_BUDGET_MS = 10_000;

/**
 * One less than the CPUs, 1 to 2: the main thread needs a core of its own (IMAP, blob writes,
 * SQLite). On a 2-core machine a second parser was no faster (bench:email with worker threads,
 * 1,000 mails, paired runs: 97/190 msg/s with one, 91/174 with two) and cost 70–140 MB more
 * peak RSS; a parse child costs about 75 MB idle and peaked at 150 MB in bench:email.
 */
export function defaultPoolSize(cpus = availableParallelism()): number {
  return Math.max(1, Math.min(2, cpus - 1));
}

/**
 * A child's answer, or why there is none: over budget, parse here instead, the child died with
 * it, or the child was stopped for the job before it (`again`: queue it anew).
 */
type JobOutcome = ParseResultMessage | 'timeout' | 'in_process' | 'again' | { crashed: string };

interface Job {
  job: ParseJob;
  /** The job's attachments on their way into the blob store. */
  incoming: IncomingBlobs;
  resolve: (r: JobOutcome) => void;
  reject: (err: Error) => void;
}

interface Slot {
  child: ChildProcess;
  /** Staging folders this child was given: what it leaves there when it ends is removed. */
  stagingDirs: Set<string>;
  ready: boolean;
  /** The end of the child's stderr: V8 writes why it stopped there ("heap out of memory"). */
  stderrTail: string;
  current?: { job: Job; timer: NodeJS.Timeout };
  /**
   * The job handed over ahead, waiting inside the child for `current` to end: a child that
   * finishes a parse starts the next at once instead of waiting for a busy main thread to send
   * one. Its budget starts when it becomes `current`.
   */
  next?: Job;
}

/** The child entry beside this module, and how node loads it (tsx's hooks for the .ts source). */
function childEntry(): { path: string; execArgv: string[] } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { path: fileURLToPath(new URL('./parse-child.js', self)), execArgv: [] };
  const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm')).href;
  return { path: fileURLToPath(new URL('./parse-child.ts', self)), execArgv: ['--import', tsx] };
}

const CHILD_SEMI_SPACE_MB = 4;

/**
 * The only variables a parse child inherits. It reads hostile mail and needs none of the
 * gateway's secrets (PONTE_SECRET, mailbox passwords, OAuth and storage keys live in the
 * environment): a parser bug that lets a mail run code in the child finds nothing to steal there.
 * MALLOC_ARENA_MAX (set by the systemd unit) and MALLOC_MMAP_THRESHOLD_ are no secrets: the
 * children's memory follows them too.
 */
const CHILD_ENV_KEYS = [
  'PATH',
  'TZ',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'NODE_ENV',
  'MALLOC_ARENA_MAX',
  'MALLOC_MMAP_THRESHOLD_',
] as const;

/**
 * glibc's malloc serves a block above this from its own mapping, returned to the system when
 * freed. Without it the threshold climbs to the largest block freed so far (up to 32 MB): the
 * child's mail buffers (each raw it reads, 50 KB to 35 MB) then come from the heap, which
 * fragments and is not given back. One pair of bench:email runs: the child's RSS while parsing
 * 84-92 MB instead of 89-110, peak of gateway + child 327 vs 356 MB, the child's CPU per mail
 * 3.83 vs 4.20 ms. An admin's own MALLOC_MMAP_THRESHOLD_ wins; other C libraries ignore it.
 */
const CHILD_MMAP_THRESHOLD = String(128 * 1024);

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? CHILD_MMAP_THRESHOLD };
  for (const key of CHILD_ENV_KEYS) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

/** V8's own words when a heap limit ends a process (linear: plain substring search). */
const outOfMemory = (stderr: string): boolean => stderr.includes('heap out of memory') || stderr.includes('Reached heap limit');

function setRef(child: ChildProcess, on: boolean): void {
  if (on) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}

/** Removes the files a child (by pid) left in a staging folder; a failure here only leaves litter. */
async function removeStaged(dir: string, pid: number): Promise<void> {
  try {
    const prefix = stagedPrefix(pid);
    const names = (await readdir(dir)).filter((n) => n.startsWith(prefix));
    await Promise.all(names.map((n) => rm(join(dir, n), { force: true })));
  } catch {
    // The folder is gone or unreadable: nothing to tidy.
  }
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
  /** Children that died before they were ready, in a row: after 3 the pool parses in-process (and says so). */
  let startFailures = 0;
  const broken = (): boolean => startFailures >= 3;

  function spawn(): Slot {
    const entry = childEntry();
    const heap = options.workerHeapMB ? [`--max-old-space-size=${options.workerHeapMB}`] : [];
    const child = fork(entry.path, [PARSE_CHILD_ARG], {
      // A young generation of 3 x 4 MB instead of 3 x 16: a parse's garbage is short-lived and
      // small; in-process parses of 900 mails peaked about 25 MB lower for about 5% more CPU.
      execArgv: [...entry.execArgv, `--max-semi-space-size=${CHILD_SEMI_SPACE_MB}`, ...heap],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: childEnv(),
    });
    const slot: Slot = { child, ready: false, stderrTail: '', stagingDirs: new Set() };
    // A child stopped mid-attachment (over budget, crashed, closed) leaves a staged file behind.
    child.once('exit', () => {
      const pid = child.pid;
      if (pid !== undefined) for (const dir of slot.stagingDirs) void removeStaged(dir, pid);
    });
    setRef(child, false);
    const stderr = child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null;
    stderr?.unref?.();
    stderr?.on('data', (d: Buffer) => {
      slot.stderrTail = (slot.stderrTail + d.toString('utf8')).slice(-4096);
    });
    child.on('message', (msg: ParseReply) => {
      if ('ready' in msg) {
        slot.ready = true;
        everReady = true;
        startFailures = 0;
        setRef(child, false);
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
      const ahead = slot.next;
      delete slot.next;
      if (ahead) start(slot, ahead);
      else setRef(child, false);
      cur.job.resolve(msg);
      pump();
    });
    let failed = false;
    const fail = (why: string): void => {
      if (failed) return;
      failed = true;
      if (!slot.ready) startFailures++;
      const cur = slot.current;
      delete slot.current;
      requeueNext(slot);
      if (cur) {
        clearTimeout(cur.timer);
        cur.job.incoming.abandon();
        // The mail killed its child (out of memory, a crash): it becomes a placeholder, never a
        // retry loop over the same message.
        cur.job.resolve({
          crashed: outOfMemory(slot.stderrTail)
            ? `the parse ran out of its ${options.workerHeapMB ?? 'default'} MB of memory and was stopped`
            : `the parse child crashed on this message (${why})`,
        });
      }
      replace(slot);
    };
    child.on('error', (err) => fail(err.message));
    // 'close' comes after the child's stderr has ended, so its last words are read.
    child.on('close', (code, signal) => {
      if (slots.includes(slot)) fail(signal ? `signal ${signal}` : `exit code ${code}`);
    });
    return slot;
  }

  /** The child is going away: the job waiting inside it was not at fault; its caller sends it again. */
  function requeueNext(slot: Slot): void {
    const ahead = slot.next;
    delete slot.next;
    if (ahead) {
      ahead.incoming.abandon();
      ahead.resolve('again');
    }
  }

  /** `job` is in the child and starts now: its budget runs from here. */
  function start(slot: Slot, job: Job): void {
    const timer = setTimeout(() => {
      const cur = slot.current;
      if (!cur) return;
      delete slot.current;
      requeueNext(slot);
      replace(slot);
      cur.job.incoming.abandon();
      cur.job.resolve('timeout');
    }, budgetMs);
    slot.current = { job, timer };
  }

  function replace(slot: Slot): void {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    if (slot.child.exitCode === null && slot.child.signalCode === null) slot.child.kill('SIGKILL');
    if (broken()) for (const job of queue.splice(0)) job.resolve('in_process');
    else if (!closed) pump();
  }

  function pump(): void {
    if (closed) return;
    while (queue.length > 0) {
      // An idle child first; else one with room for a job ahead (more children are started
      // only when every one is busy).
      const slot = slots.find((s) => s.ready && !s.current) ?? (slots.length < size ? undefined : slots.find((s) => s.ready && !s.next));
      if (!slot) {
        if (slots.length < size) slots.push(spawn());
        // Mail waits for a child that is starting: that keeps the process alive meanwhile.
        for (const s of slots) if (!s.ready) setRef(s.child, true);
        return;
      }
      const job = queue.shift()!;
      if (job.job.stagingDir) slot.stagingDirs.add(job.job.stagingDir);
      if (slot.current) slot.next = job;
      else start(slot, job);
      setRef(slot.child, true);
      // Serialized into the channel here: the pool keeps no reference to the bytes.
      const child = slot.child;
      sendJob(job.job, (message) => child.send(message, undefined, undefined, () => undefined));
      job.job.raw = new Uint8Array(0);
    }
  }

  function run(job: ParseJob, incoming: IncomingBlobs, size: number): Promise<JobOutcome> {
    return new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error('parse pool closed'));
        return;
      }
      if (broken() || (!everReady && size <= warmupBytes)) {
        resolve('in_process');
        return;
      }
      queue.push({ job, incoming, resolve, reject });
      pump();
    });
  }

  // Start one child now (the first mail should not wait for it); the others start when mail
  // queues up, so an idle mailbox costs one child.
  slots.push(spawn());

  return {
    async parseEmail(raw, opts) {
      const local = opts.blobs.local;
      const rawFile = local ? opts.rawFile : undefined;
      const owned = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.byteLength > 0;
      // Handed over: the memory moves out of `raw` (no copy) and is released once it is sent.
      const handOver = rawFile === undefined && opts.rereadRaw !== undefined && owned;
      // After the hand-over (or with a file) `raw` may be empty: read it again where the whole message is still needed.
      const source = async (): Promise<Buffer> =>
        raw.byteLength > 0 ? raw : opts.rereadRaw ? opts.rereadRaw() : opts.rawFile ? readFile(opts.rawFile) : raw;
      // Only the job holds the bytes from here: sending it to a child drops them (pump).
      let job: ParseJob = {
        id: nextId++,
        raw: rawFile
          ? new Uint8Array(0)
          : handOver
            ? new Uint8Array(structuredClone(raw.buffer as ArrayBuffer, { transfer: [raw.buffer as ArrayBuffer] }))
            : raw,
        ...(rawFile ? { rawFile } : {}),
        ...(local ? { stagingDir: local.stagingDir } : {}),
        maxAttachmentBytes: opts.maxAttachmentBytes,
        supportAddresses: opts.supportAddresses,
      };
      // Small mail may be parsed here while no child is ready yet (only when its bytes are at hand).
      const size = raw.byteLength > 0 ? raw.byteLength : Number.POSITIVE_INFINITY;
      let incoming = createIncomingBlobs(opts.blobs, opts.maxAttachmentBytes + 1);
      let reply = await run(job, incoming, size);
      const unread = (r: JobOutcome): boolean => typeof r === 'object' && 'ok' in r && !r.ok && r.rawUnreadable === true;
      while (reply === 'again' || (unread(reply) && job.rawFile)) {
        // Its child was stopped for the job before it (the bytes went with it), or could not read
        // the raw's file: send it anew, with the bytes.
        if (reply !== 'again') incoming.abandon();
        const { rawFile: _unread, ...rest } = job;
        job = { ...rest, id: nextId++, raw: await source() };
        incoming = createIncomingBlobs(opts.blobs, opts.maxAttachmentBytes + 1);
        reply = await run(job, incoming, size);
      }
      if (reply === 'in_process')
        return parseInProcess(handOver ? Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength) : await source(), opts);
      if (reply === 'timeout' || 'crashed' in reply) {
        const reason = reply === 'timeout' ? `parsing took longer than its budget of ${budgetMs} ms and was stopped` : reply.crashed;
        const parsed = placeholderResult(await source(), reason, opts);
        if (opts.verifyMessageId) applyMessageIdProof(parsed, opts.verifyMessageId);
        return parsed;
      }
      if (!reply.ok) {
        incoming.abandon();
        // A failure with a code (writing a staged attachment: disk full) is retried by the caller like a store failure.
        throw reply.code ? Object.assign(new Error(reply.error), { code: reply.code }) : new Error(reply.error);
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
        if (s.next) {
          s.next.incoming.abandon();
          s.next.reject(new Error('parse pool closed'));
        }
        if (s.current) {
          clearTimeout(s.current.timer);
          s.current.job.incoming.abandon();
          s.current.job.reject(new Error('parse pool closed'));
        }
      }
      await Promise.all(
        all.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
              s.child.once('exit', () => resolve());
              // An idle child is unreferenced: referenced again, its exit is awaited even when
              // nothing else keeps the process alive (a script awaiting close() would end first).
              setRef(s.child, true);
              s.child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
