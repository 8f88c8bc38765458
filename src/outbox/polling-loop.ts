/**
 * The loop behind the outbox and webhook dispatchers: run a round, sleep, run again. A round
 * that did work runs the next one at once; an idle round sleeps for `idleDelayMs()` (the
 * outbox wakes at its next due row). `wake()` cuts a sleep short (new work was queued);
 * `stop()` ends the sleeping and waits for the round in flight, so nothing runs after it
 * resolves. Rounds never overlap. Timers are unref'd: the loop never keeps a process alive.
 */

/** What one round did, by outcome (sent/failed/retried, delivered/...): all zero means idle. */
export type RoundCounts<R> = { [K in keyof R]: number };

export interface PollingLoop<R extends RoundCounts<R>> {
  runOnce(): Promise<R>;
  /** Rounds until one does nothing (tests, CLI), at most `maxRounds`; the counts summed. */
  drain(maxRounds?: number): Promise<R>;
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

export interface PollingLoopOptions<R extends RoundCounts<R>> {
  runOnce(): Promise<R>;
  /** A round's counts when nothing happened (every outcome at zero). */
  empty(): R;
  /** How long to sleep after a round that found nothing to do. */
  idleDelayMs(): number | Promise<number>;
  /** After a round that threw: logged here, retried after `errorDelayMs`. */
  onError(err: unknown): void;
  errorDelayMs: number;
}

export function didWork(counts: object): boolean {
  return Object.values(counts).some((n) => typeof n === 'number' && n > 0);
}

export function createPollingLoop<R extends RoundCounts<R>>(options: PollingLoopOptions<R>): PollingLoop<R> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref?.();
  }

  function tick(): void {
    if (stopped || running) return;
    running = options
      .runOnce()
      .then(async (r) => (didWork(r) ? 0 : options.idleDelayMs()))
      .catch((err: unknown) => {
        options.onError(err);
        return options.errorDelayMs;
      })
      .then((delay) => {
        running = undefined;
        schedule(delay);
      });
  }

  async function drain(maxRounds = 100): Promise<R> {
    const total = options.empty() as Record<string, number>;
    for (let i = 0; i < maxRounds; i++) {
      const r = (await options.runOnce()) as Record<string, number>;
      for (const k of Object.keys(total)) total[k] = total[k]! + (r[k] ?? 0);
      if (!didWork(r)) break;
    }
    return total as unknown as R;
  }

  return {
    runOnce: () => options.runOnce(),
    drain,
    start() {
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    wake() {
      if (!stopped && !running) schedule(0);
    },
  };
}
