/**
 * Live updates across processes: while at least one browser listens, this process asks the
 * database every `pollMs` which tickets changed (tickets.updated_at, new messages by their
 * time-ordered ids, outbox rows whose delivery moved) since its cursor, and tells every
 * listener the ticket numbers. Writes from any gateway process show up; the cursor looks back
 * `overlapMs` so a transaction that committed late is still seen (duplicates are filtered).
 *
 * On PostgreSQL, writes to tickets, messages and outbox send `NOTIFY ponte_changes` (triggers,
 * migration 20261130T1600); while someone listens, the feed LISTENs on one dedicated
 * connection and polls at once on each notification, so a change made by another gateway
 * shows within a round trip instead of a poll period. The timed poll stays as the fallback for
 * notifications missed while that connection was down; it is re-opened with backoff, and a
 * poll follows each reconnect.
 */
import type { Executor, NotificationListener } from '../../db/database.js';

export const CHANGES_CHANNEL = 'ponte_changes';

type Listen = (channel: string, onNotify: (payload: string) => void, onEnd: (err?: Error) => void) => Promise<NotificationListener>;

/** Delay before the n-th (0-based) attempt to re-open the LISTEN connection: 250 ms doubling, at most 30 s. */
export function listenRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(attempt, 10));
}

export interface TicketChange {
  number: number;
  at: number;
}

export type ChangeListener = (changes: TicketChange[]) => void;

export interface LiveFeed {
  subscribe(listener: ChangeListener): () => void;
  /** One poll now (tests and the first connection). */
  pollOnce(): Promise<TicketChange[]>;
  listeners(): number;
  stop(): void;
}

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The smallest id of our time-ordered ids created at or after `time` (ULID time prefix). */
export function idFloor(time: number): string {
  let out = '';
  let t = Math.max(0, Math.floor(time));
  for (let i = 0; i < 10; i++) {
    out = ULID_ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out + '0'.repeat(16);
}

export function createLiveFeed(o: {
  db: () => Executor;
  now: () => number;
  pollMs: number;
  overlapMs?: number;
  onError?: (err: unknown) => void;
  listen?: Listen | undefined;
}): LiveFeed {
  const overlap = o.overlapMs ?? 5000;
  const listeners = new Set<ChangeListener>();
  const seen = new Map<string, number>(); // `${kind}:${key}` -> at
  let cursor = o.now();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  async function pollOnce(): Promise<TicketChange[]> {
    const started = o.now();
    const since = cursor - overlap;
    const db = o.db();
    const [tickets, messages, outbox] = await Promise.all([
      db
        .selectFrom('tickets')
        .select(['id', 'number', 'updated_at'])
        .where('updated_at', '>', since)
        .orderBy('updated_at')
        .limit(500)
        .execute(),
      db
        .selectFrom('messages')
        .innerJoin('tickets', 'tickets.id', 'messages.ticket_id')
        .select(['messages.id', 'tickets.number', 'messages.created_at'])
        .where('messages.id', '>', idFloor(since))
        .orderBy('messages.id')
        .limit(500)
        .execute(),
      db
        .selectFrom('outbox')
        .innerJoin('messages', 'messages.id', 'outbox.message_id')
        .innerJoin('tickets', 'tickets.id', 'messages.ticket_id')
        .select(['outbox.id', 'outbox.updated_at', 'tickets.number'])
        .where('outbox.updated_at', '>', since)
        .orderBy('outbox.updated_at')
        .limit(500)
        .execute(),
    ]);
    const changed = new Map<number, number>();
    const note = (key: string, number: number, at: number) => {
      if (seen.get(key) === at) return;
      seen.set(key, at);
      changed.set(Number(number), Math.max(changed.get(Number(number)) ?? 0, at));
    };
    for (const r of tickets) note(`t:${r.id}`, r.number, Number(r.updated_at));
    for (const r of messages) note(`m:${r.id}`, r.number, Number(r.created_at));
    for (const r of outbox) note(`o:${r.id}`, r.number, Number(r.updated_at));
    cursor = started;
    for (const [k, at] of seen) if (at < since - overlap) seen.delete(k);
    return [...changed].map(([number, at]) => ({ number, at }));
  }

  let again = false;
  async function tick() {
    if (polling) {
      // A notification during a poll may name a commit that poll did not see: poll once more after it.
      again = true;
      return;
    }
    polling = true;
    try {
      do {
        again = false;
        const changes = await pollOnce();
        if (changes.length) for (const l of listeners) l(changes);
      } while (again && listeners.size > 0);
    } catch (err) {
      o.onError?.(err);
    } finally {
      polling = false;
    }
  }

  let listener: NotificationListener | undefined;
  let listening = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  function startListening(): void {
    if (!o.listen || listening) return;
    listening = true;
    const open = () => {
      retryTimer = undefined;
      o.listen!(
        CHANGES_CHANNEL,
        () => void tick(),
        (err) => {
          listener = undefined;
          if (!listening) return;
          if (err) o.onError?.(err);
          reopen();
        },
      ).then(
        (l) => {
          if (!listening) return void l.close();
          listener = l;
          if (failures > 0) void tick(); // what changed while we were deaf
          failures = 0;
        },
        (err) => {
          o.onError?.(err);
          reopen();
        },
      );
    };
    const reopen = () => {
      if (!listening) return;
      retryTimer = setTimeout(open, listenRetryDelayMs(failures++));
      retryTimer.unref?.();
    };
    open();
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = undefined;
    listening = false;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    const l = listener;
    listener = undefined;
    void l?.close();
  }

  return {
    subscribe(listener) {
      if (listeners.size === 0) {
        // Start from "now": what happened before the page was rendered is already on it.
        cursor = o.now();
        seen.clear();
        timer = setInterval(() => void tick(), o.pollMs);
        timer.unref?.();
        startListening();
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    pollOnce,
    listeners: () => listeners.size,
    stop,
  };
}
