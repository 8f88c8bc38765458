import { createPollingLoop } from './polling-loop.js';

type Counts = { done: number; failed: number };
const empty = (): Counts => ({ done: 0, failed: 0 });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** A loop over a queue of `work` items, one per round. */
function queueLoop(work: number, idleDelayMs = 60_000) {
  const state = { work, rounds: 0, errors: [] as unknown[], inFlight: false, overlapped: false };
  const loop = createPollingLoop<Counts>({
    empty,
    async runOnce() {
      if (state.inFlight) state.overlapped = true;
      state.inFlight = true;
      state.rounds++;
      await tick(2);
      state.inFlight = false;
      if (state.work === 0) return empty();
      state.work--;
      return { done: 1, failed: 0 };
    },
    idleDelayMs: () => idleDelayMs,
    onError: (err) => state.errors.push(err),
    errorDelayMs: 10,
  });
  return { loop, state };
}

describe('createPollingLoop', () => {
  test('drain runs rounds until one is idle and sums what they did', async () => {
    const { loop, state } = queueLoop(3);
    expect(await loop.drain()).toEqual({ done: 3, failed: 0 });
    expect(state.rounds).toBe(4);
  });

  test('drain is bounded', async () => {
    const { loop, state } = queueLoop(1000);
    expect(await loop.drain(5)).toEqual({ done: 5, failed: 0 });
    expect(state.rounds).toBe(5);
  });

  test('started, it works through the queue without waiting and then sleeps; wake cuts the sleep short', async () => {
    const { loop, state } = queueLoop(3);
    loop.start();
    for (let i = 0; i < 200 && state.work > 0; i++) await tick();
    expect(state.work).toBe(0);
    await tick(20);
    const idleRounds = state.rounds;
    state.work = 1;
    loop.wake();
    for (let i = 0; i < 200 && state.work > 0; i++) await tick();
    expect(state.work).toBe(0);
    expect(state.rounds).toBeGreaterThan(idleRounds);
    await loop.stop();
    expect(state.overlapped).toBe(false);
  });

  test('stop waits for the round in flight; no round runs after it', async () => {
    const { loop, state } = queueLoop(1000);
    loop.start();
    await tick(3);
    await loop.stop();
    expect(state.inFlight).toBe(false);
    const rounds = state.rounds;
    loop.wake();
    await tick(30);
    expect(state.rounds).toBe(rounds);
  });

  test('a round that throws is reported and the loop goes on', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const loop = createPollingLoop<Counts>({
      empty,
      async runOnce() {
        calls++;
        if (calls === 1) throw new Error('database away');
        return empty();
      },
      idleDelayMs: () => 60_000,
      onError: (err) => errors.push(err),
      errorDelayMs: 5,
    });
    loop.start();
    for (let i = 0; i < 200 && calls < 2; i++) await tick();
    await loop.stop();
    expect((errors[0] as Error).message).toBe('database away');
    expect(calls).toBe(2);
  });
});
