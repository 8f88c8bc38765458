/**
 * WAL checkpoints off the event loop (issue 15, web form intake). SQLite in WAL mode copies the
 * log back into the database file ("checkpoint") on the connection that commits, once the log
 * passes `wal_autocheckpoint` pages (1000 by default): under a stream of form posts that was every
 * few commits, each copying ~1000 pages and calling fsync twice, on the main thread, where every
 * request waits for it. Measured on the intake's own statements (bench/support/same-work.ts), the
 * checkpoints were about 40% of SQLite's time.
 *
 * Here a worker thread with its own connection runs a PASSIVE checkpoint every `intervalMs`: it
 * never blocks the writer and never waits for it, and a page written several times between two
 * runs is copied once. The app's connection keeps a far larger automatic checkpoint as a
 * backstop (`BACKSTOP_PAGES`): the log restarts from its beginning only after a checkpoint that
 * left nothing behind, which a busy writer rarely lets the worker see; the backstop's checkpoint
 * then copies the few pages the worker had not, and the log stays bounded even if the worker
 * stopped. Durability is unchanged: commits are what they were (WAL, synchronous NORMAL).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The app connection's own automatic checkpoint once the worker runs (pages of the log, ~40 MB). */
export const BACKSTOP_PAGES = 10_000;

/** How long stop() lets the worker close its connection before terminating it. */
const STOP_GRACE_MS = 5_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
let db;
try {
  db = new SQLite(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
} catch (err) {
  parentPort.postMessage({ failed: String(err && err.message) });
  process.exit(0);
}
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another checkpoint is running) or the file went away: the next turn tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.close(); } catch {}
  process.exit(0);
});
`;

export interface Checkpointer {
  /**
   * Ends the worker (its connection closed first); the app's connection does its own checkpoints
   * again. Settles once the worker has exited, so nothing touches the database files afterwards
   * (a worker still opening its connection would create `-wal`/`-shm` files after the app stopped).
   */
  stop(): Promise<void>;
}

/**
 * Starts the worker for the SQLite file `path` (already created and in WAL mode). `onError` hears
 * a worker that could not start or died: the backstop keeps the log bounded meanwhile.
 */
export function startCheckpointer(path: string, options: { intervalMs?: number; onError?: (err: Error) => void } = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: options.intervalMs ?? 250 } });
  worker.unref();
  worker.on('message', (m: { failed?: string }) => {
    if (m.failed) options.onError?.(new Error(`WAL checkpoint worker could not open the database: ${m.failed}`));
  });
  worker.on('error', (err) => options.onError?.(err));
  const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      // Once: a worker that already ended (could not open the database) is simply gone.
      stopping ??= (() => {
        worker.postMessage('stop');
        // Referenced again while it ends: a process with nothing else to do waits for it (an
        // unreferenced worker's exit would never come, and node would end with code 13).
        worker.ref();
        // Bounded: a worker that does not end on its own (stuck in a checkpoint) is terminated.
        const force = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
        force.unref();
        return gone.then(() => clearTimeout(force));
      })();
      return stopping;
    },
  };
}
