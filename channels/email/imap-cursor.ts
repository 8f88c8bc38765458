/**
 * IMAP cursor rules (pure). The cursor of a folder is its UIDVALIDITY plus the highest UID
 * whose message is safely ingested; it is saved in the same transaction as that message, so
 * a crash replays at most the message in flight (and ingest de-duplicates it).
 *
 * UIDVALIDITY is kept as a decimal string: it is a 32-bit unsigned number that imapflow
 * hands out as a bigint, and the cursor is stored as JSON.
 */

export interface FolderCursor {
  uidValidity: string;
  lastUid: number;
  /** INTERNALDATE (epoch ms) of the last ingested message: bounds the refetch after a UIDVALIDITY change. */
  lastDate?: number | undefined;
  /**
   * UIDs ingested whose after-ingest action (\Seen or move) is not confirmed yet. Saved in the
   * ingest transaction, cleared once the server took the flag: after a crash between the two,
   * the restart finishes the job (such mail once stayed unread in the mailbox for ever).
   */
  unflagged?: number[] | undefined;
}

/** Unflagged UIDs kept at most (a long outage of the flagging only; the oldest are dropped). */
export const MAX_UNFLAGGED = 5000;

/** The cursor once these UIDs were flagged/moved. */
export function withoutUnflagged(cursor: FolderCursor, done: readonly number[]): FolderCursor {
  if (!cursor.unflagged?.length) return cursor;
  const doneSet = new Set(done);
  const rest = cursor.unflagged.filter((u) => !doneSet.has(u));
  const { unflagged: _drop, ...base } = cursor;
  return rest.length ? { ...base, unflagged: rest } : base;
}

export interface FolderStatus {
  uidValidity: string;
  /** The UID the next message will get (UIDNEXT). */
  uidNext: number;
  /** Number of messages in the folder. */
  exists: number;
}

export interface BackfillConfig {
  mode: 'none' | 'days';
  days: number;
}

export type SyncPlan =
  /** Nothing to fetch. */
  | { kind: 'up_to_date' }
  /** Fetch every UID >= fromUid (ascending). */
  | { kind: 'fetch'; fromUid: number; reason: 'new_mail' | 'resync_all' }
  /** First start without backfill: begin after the current last message; save `cursor` now. */
  | { kind: 'start_at_end'; cursor: FolderCursor }
  /** Search SINCE `since`, then `cursorAfterSearch` gives the starting cursor. */
  | { kind: 'search_since'; since: Date; reason: 'backfill' | 'resync' };

const DAY = 86_400_000;
/** Servers compare SINCE by date (no time, server's zone): a margin keeps the edge message. */
const RESYNC_MARGIN_MS = 2 * DAY;

export function planSync(status: FolderStatus, cursor: FolderCursor | undefined, backfill: BackfillConfig, now: number): SyncPlan {
  if (!cursor) {
    if (backfill.mode === 'days') return { kind: 'search_since', since: new Date(now - backfill.days * DAY), reason: 'backfill' };
    return { kind: 'start_at_end', cursor: { uidValidity: status.uidValidity, lastUid: Math.max(0, status.uidNext - 1) } };
  }
  if (cursor.uidValidity !== status.uidValidity) {
    // The server renumbered the folder: old UIDs mean nothing. Refetch what may be new;
    // ingest de-duplicates by Message-ID, so overlap is harmless, loss is not.
    if (cursor.lastDate !== undefined)
      return { kind: 'search_since', since: new Date(cursor.lastDate - RESYNC_MARGIN_MS), reason: 'resync' };
    if (backfill.mode === 'days') return { kind: 'search_since', since: new Date(now - backfill.days * DAY), reason: 'resync' };
    return status.exists > 0
      ? { kind: 'fetch', fromUid: 1, reason: 'resync_all' }
      : { kind: 'start_at_end', cursor: { uidValidity: status.uidValidity, lastUid: Math.max(0, status.uidNext - 1) } };
  }
  if (status.exists === 0 || status.uidNext - 1 <= cursor.lastUid) return { kind: 'up_to_date' };
  return { kind: 'fetch', fromUid: cursor.lastUid + 1, reason: 'new_mail' };
}

/** The cursor to start from once a SINCE search returned `uids`: just before the oldest match. */
export function cursorAfterSearch(status: FolderStatus, uids: readonly number[], lastDate?: number): FolderCursor {
  const min = uids.length ? Math.min(...uids) : status.uidNext;
  return { uidValidity: status.uidValidity, lastUid: Math.max(0, min - 1), ...(lastDate !== undefined ? { lastDate } : {}) };
}

/** Moves the cursor forward only (a late or repeated UID never moves it back). */
export function advanceCursor(cursor: FolderCursor, uid: number, internalDate?: number, rememberUnflagged = false): FolderCursor {
  if (uid <= cursor.lastUid) return cursor;
  const lastDate = internalDate !== undefined ? Math.max(internalDate, cursor.lastDate ?? 0) : cursor.lastDate;
  const unflagged = rememberUnflagged ? [...(cursor.unflagged ?? []), uid].slice(-MAX_UNFLAGGED) : cursor.unflagged;
  return {
    uidValidity: cursor.uidValidity,
    lastUid: uid,
    ...(lastDate !== undefined ? { lastDate } : {}),
    ...(unflagged?.length ? { unflagged } : {}),
  };
}

/**
 * UIDs to handle, ascending, above the cursor. `N:*` on IMAP returns the last message even
 * when N is past it, so results are always filtered here.
 */
export function newUids<T extends { uid: number }>(items: readonly T[], afterUid: number): T[] {
  return items.filter((i) => i.uid > afterUid).sort((a, b) => a.uid - b.uid);
}

/** Groups messages into fetch batches bounded by count and bytes (a 25 MB mail goes alone). */
export function batchBySize<T extends { size: number }>(items: readonly T[], maxCount: number, maxBytes: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (cur.length && (cur.length >= maxCount || bytes + item.size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += item.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Compact IMAP sequence set for sorted UIDs ("1:5,8,10:12"). */
export function uidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
