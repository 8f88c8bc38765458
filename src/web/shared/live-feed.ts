/**
 * Live updates across processes: while at least one browser listens, this process asks the
 * database every `pollMs` which tickets changed (tickets.updated_at, new messages by their
 * time-ordered ids, outbox rows whose delivery moved) since its cursor, and tells every
 * listener the ticket numbers. Writes from any gateway process show up; the cursor looks back
 * `overlapMs` so a transaction that committed late is still seen (duplicates are filtered).
 */
import type { Executor } from '../../db/database.js';

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

export function createLiveFeed(o: { db: () => Executor; now: () => number; pollMs: number; overlapMs?: number; onError?: (err: unknown) => void }): LiveFeed {
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
      db.selectFrom('tickets').select(['id', 'number', 'updated_at']).where('updated_at', '>', since).orderBy('updated_at').limit(500).execute(),
      db.selectFrom('messages').innerJoin('tickets', 'tickets.id', 'messages.ticket_id').select(['messages.id', 'tickets.number', 'messages.created_at']).where('messages.id', '>', idFloor(since)).orderBy('messages.id').limit(500).execute(),
      db.selectFrom('outbox').innerJoin('messages', 'messages.id', 'outbox.message_id').innerJoin('tickets', 'tickets.id', 'messages.ticket_id').select(['outbox.id', 'outbox.updated_at', 'tickets.number']).where('outbox.updated_at', '>', since).orderBy('outbox.updated_at').limit(500).execute(),
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

  async function tick() {
    if (polling) return;
    polling = true;
    try {
      const changes = await pollOnce();
      if (changes.length) for (const l of listeners) l(changes);
    } catch (err) {
      o.onError?.(err);
    } finally {
      polling = false;
    }
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return {
    subscribe(listener) {
      if (listeners.size === 0) {
        // Start from "now": what happened before the page was rendered is already on it.
        cursor = o.now();
        seen.clear();
        timer = setInterval(() => void tick(), o.pollMs);
        timer.unref?.();
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
