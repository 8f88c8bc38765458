/**
 * The window between fetching and committing one run of mail: the fetch loop hands in each
 * message's preparation (raw to blobs, parse, attachments) as it arrives, and a committer takes
 * whatever is prepared at the head, in UID order, and commits it as one group while the fetch
 * loop keeps the window full. Before this, the fetch loop stopped to commit the older half of a
 * full window: the parse worker idled during the commit and the main thread idled while it
 * waited for parses (about half the time each, bench:email).
 *
 * Guarantees: groups commit strictly in order, one at a time; a message whose preparation failed
 * is never committed and nothing after it is (the cursor must not pass it); after a failure no
 * new group starts and the failure is thrown to the fetch loop; back-pressure only by the window
 * (messages and source bytes taken in but not yet handed to a commit).
 */
import type { PreparedMessage } from './imap-message.js';

export interface CommitPipelineOptions {
  /** Messages taken in and not yet handed to a commit. */
  depth: number;
  /** Source bytes taken in and not yet handed to a commit. */
  windowBytes: number;
  /** Commits the group in its order (throws when not all of it committed: nothing after is tried). */
  commit(group: PreparedMessage[]): Promise<void>;
}

export interface CommitPipeline {
  /** Takes one message's preparation; resolves when the window has room again, throws a commit failure. */
  push(size: number, prepared: Promise<PreparedMessage>): Promise<void>;
  /** Waits until everything taken in has committed; throws the first failure. */
  finish(): Promise<void>;
  /** Starts no new group; resolves once the group in flight (if any) has ended. */
  abandon(): Promise<void>;
}

interface Entry {
  size: number;
  settled: boolean;
  value?: PreparedMessage;
  error?: { error: unknown };
  prepared: Promise<unknown>;
}

export function createCommitPipeline(options: CommitPipelineOptions): CommitPipeline {
  const depth = Math.max(1, options.depth);
  const queue: Entry[] = [];
  let bytes = 0;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let roomWaiter: (() => void) | undefined;

  const wakeProducer = (): void => {
    const w = roomWaiter;
    roomWaiter = undefined;
    w?.();
  };

  async function committer(): Promise<void> {
    try {
      while (queue.length && !failure && !stopped) {
        const head = queue[0]!;
        if (!head.settled) await head.prepared;
        if (stopped) break;
        if (head.error) {
          failure = head.error;
          break;
        }
        // Everything prepared at the head, in order: one group commit.
        let n = 1;
        while (n < queue.length && n < depth && queue[n]!.settled && !queue[n]!.error) n++;
        const group = queue.splice(0, n);
        for (const e of group) bytes -= e.size;
        wakeProducer();
        try {
          await options.commit(group.map((e) => e.value!));
        } catch (error) {
          failure = { error };
        }
      }
    } finally {
      wakeProducer();
    }
  }

  const start = (): void => {
    if (running || stopped || failure || !queue.length) return;
    const run: Promise<void> = committer().finally(() => {
      if (running === run) running = undefined;
      // A message taken in while this loop was ending.
      start();
    });
    running = run;
  };

  return {
    async push(size, prepared) {
      if (failure) {
        prepared.catch(() => undefined); // never committed: its failure is no unhandled rejection
        throw failure.error;
      }
      const entry: Entry = { size, settled: false, prepared: Promise.resolve() };
      entry.prepared = prepared.then(
        (value) => {
          entry.value = value;
          entry.settled = true;
        },
        (error: unknown) => {
          entry.error = { error };
          entry.settled = true;
        },
      );
      queue.push(entry);
      bytes += size;
      start();
      while (!failure && (queue.length >= depth || bytes >= options.windowBytes)) {
        await new Promise<void>((resolve) => {
          roomWaiter = resolve;
        });
        start();
      }
      // (A commit may have failed while this waited: the narrowing above does not see it.)
      const failed = failure as { error: unknown } | undefined;
      if (failed) throw failed.error;
    },
    async finish() {
      start();
      while (running) {
        await running;
        start();
      }
      if (failure) throw failure.error;
    },
    async abandon() {
      stopped = true;
      queue.length = 0;
      while (running) await running;
    },
  };
}
