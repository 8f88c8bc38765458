import { createCommitPipeline } from './imap-commit-pipeline.js';
import type { PreparedMessage } from './imap-message.js';

const prepared = (uid: number): PreparedMessage => ({ msg: { uid, size: 10 }, rawKey: `k${uid}`, parsed: { placeholder: {} as never } });

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A commit that records its groups and waits for the test to let each one end. */
function gatedCommit(): { groups: number[][]; release: () => void; commit: (g: PreparedMessage[]) => Promise<void> } {
  const groups: number[][] = [];
  const gates: Array<() => void> = [];
  return {
    groups,
    release: () => gates.shift()?.(),
    commit: (g) => {
      groups.push(g.map((p) => p.msg.uid));
      return new Promise<void>((r) => gates.push(r));
    },
  };
}

/** A pipeline whose commits only record the UIDs of each group. */
function recordingPipeline() {
  const groups: number[][] = [];
  const pipeline = createCommitPipeline({
    depth: 8,
    windowBytes: 1_000_000,
    commit: async (g) => {
      groups.push(g.map((p) => p.msg.uid));
    },
  });
  return { groups, pipeline };
}

describe('commit pipeline', () => {
  it('keeps taking messages while a group commits, and commits what was prepared meanwhile as the next group, in order', async () => {
    const c = gatedCommit();
    const pipeline = createCommitPipeline({ depth: 8, windowBytes: 1_000_000, commit: c.commit });
    await pipeline.push(10, Promise.resolve(prepared(1)));
    await tick();
    expect(c.groups).toEqual([[1]]);
    // The first commit is still in flight: the fetch side is not held.
    for (const uid of [2, 3, 4]) await pipeline.push(10, Promise.resolve(prepared(uid)));
    await tick();
    expect(c.groups).toEqual([[1]]);
    c.release();
    await tick();
    expect(c.groups).toEqual([[1], [2, 3, 4]]);
    c.release();
    await pipeline.finish();
    expect(c.groups).toEqual([[1], [2, 3, 4]]);
  });

  it('a message still being prepared ends the group before it; nothing after it commits first', async () => {
    const { groups, pipeline } = recordingPipeline();
    const slow = deferred<PreparedMessage>();
    await pipeline.push(10, slow.promise);
    await pipeline.push(10, Promise.resolve(prepared(2)));
    await tick();
    expect(groups).toEqual([]);
    slow.resolve(prepared(1));
    await pipeline.finish();
    expect(groups.flat()).toEqual([1, 2]);
  });

  it('a failed preparation is never committed, nothing after it is, and the failure reaches the fetch loop', async () => {
    const { groups, pipeline } = recordingPipeline();
    await pipeline.push(10, Promise.resolve(prepared(1)));
    await pipeline.push(10, Promise.reject(new Error('disk full')));
    await pipeline.push(10, Promise.resolve(prepared(3))).catch(() => undefined);
    await expect(pipeline.finish()).rejects.toThrow('disk full');
    expect(groups.flat()).toEqual([1]);
    await expect(pipeline.push(10, Promise.reject(new Error('late')))).rejects.toThrow('disk full');
  });

  it('a failed commit stops the pipeline: no later group starts', async () => {
    const groups: number[][] = [];
    const pipeline = createCommitPipeline({
      depth: 8,
      windowBytes: 1_000_000,
      commit: async (g) => {
        groups.push(g.map((p) => p.msg.uid));
        if (g[0]!.msg.uid === 1) throw new Error('database is locked');
      },
    });
    await pipeline.push(10, Promise.resolve(prepared(1)));
    await tick();
    await expect(pipeline.push(10, Promise.resolve(prepared(2)))).rejects.toThrow('database is locked');
    await expect(pipeline.finish()).rejects.toThrow('database is locked');
    expect(groups).toEqual([[1]]);
  });

  it('the window bounds what is taken in: a push waits while messages or bytes are over it', async () => {
    const c = gatedCommit();
    const slow = deferred<PreparedMessage>();
    const pipeline = createCommitPipeline({ depth: 2, windowBytes: 1_000, commit: c.commit });
    await pipeline.push(10, slow.promise);
    let second = false;
    const pushing = pipeline.push(10, Promise.resolve(prepared(2))).then(() => {
      second = true;
    });
    await tick();
    expect(second).toBe(false); // two taken in, none handed to a commit yet
    slow.resolve(prepared(1));
    await pushing;
    expect(c.groups).toEqual([[1, 2]]);
    // Bytes: one message over the window waits too.
    let big = false;
    const bigPush = pipeline.push(5_000, Promise.resolve(prepared(3))).then(() => {
      big = true;
    });
    await tick();
    await tick();
    // Taken by the committer only once the group in flight has ended.
    expect(big).toBe(false);
    c.release();
    await bigPush;
    c.release();
    await pipeline.finish();
    expect(c.groups).toEqual([[1, 2], [3]]);
  });

  it('abandon lets the group in flight end and starts no other', async () => {
    const c = gatedCommit();
    const pipeline = createCommitPipeline({ depth: 8, windowBytes: 1_000_000, commit: c.commit });
    await pipeline.push(10, Promise.resolve(prepared(1)));
    await tick();
    await pipeline.push(10, Promise.resolve(prepared(2)));
    let ended = false;
    const abandoning = pipeline.abandon().then(() => {
      ended = true;
    });
    await tick();
    expect(ended).toBe(false);
    c.release();
    await abandoning;
    expect(c.groups).toEqual([[1]]);
  });
});
