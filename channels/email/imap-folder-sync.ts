/**
 * One sync pass over one open folder: finish the flagging a crash interrupted, plan from the
 * cursor (imap-cursor.ts decides), fetch in batches, prepare messages ahead while earlier ones
 * are ingested together (imap-commit-pipeline.ts), move the cursor only over committed mail (in UID order), then flag or
 * move what was ingested. Progress goes to `onProgress`
 * (the `email sync` bar) or, without one, to an info line at most once a second.
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { ImapEmailConfig } from './config.js';
import {
  advanceCursor,
  batchBySize,
  cursorAfterSearch,
  newUids,
  planSync,
  withoutUnflagged,
  type FolderCursor,
  type FolderStatus,
} from './imap-cursor.js';
import { createCommitPipeline } from './imap-commit-pipeline.js';
import type { FolderHealth } from './imap-health.js';
import { cursorKey, errorText, MAX_MISSED_TRIES, OVERSIZE_HEAD_BYTES, type MessageSteps, type PreparedMessage } from './imap-message.js';
import type { ImapMessageInfo, ImapSession } from './imapflow-client.js';

/** Messages above this are streamed to the blob store and parsed with nothing else in flight (bounds memory). */
const LARGE_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Where a folder's sync stands: `backfill` for the first-run/resync fetch, `catch_up` for a large backlog. */
export interface EmailSyncProgress {
  folder: string;
  phase: 'backfill' | 'catch_up';
  done: number;
  total: number;
}

export interface FolderSyncOptions {
  config: ImapEmailConfig;
  ctx: ChannelContext;
  steps: MessageSteps;
  batchCount: number;
  batchBytes: number;
  pipelineDepth: number;
  /** Bytes of message source being stored and parsed ahead of the commits (bounds memory). */
  windowBytes: number;
  stopped(): boolean;
  onProgress?: ((progress: EmailSyncProgress) => void) | undefined;
}

/** Consecutive items grouped by a key (order kept). */
function runsBy<T, K>(items: readonly T[], key: (item: T) => K): T[][] {
  const out: T[][] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && key(last[0]!) === key(item)) last.push(item);
    else out.push([item]);
  }
  return out;
}

/** Returns `syncFolder`: true when it should run again at once (a fetch ended short). */
export function createFolderSync(
  options: FolderSyncOptions,
): (session: ImapSession, folder: string, health: FolderHealth) => Promise<boolean> {
  const { config, ctx, steps, batchCount, batchBytes, pipelineDepth, windowBytes } = options;
  const log = ctx.logger;
  /** UIDs the server left out of a fetch, and how often (bounded retries, then a placeholder). */
  const missedTries = new Map<number, number>();

  /** Flags or moves ingested mail; true when the server took it (the cursor then forgets the UIDs). */
  async function afterIngest(session: ImapSession, folder: string, uids: number[]): Promise<boolean> {
    if (!uids.length || config.imap.afterIngest === 'none') return false;
    try {
      if (config.imap.afterIngest === 'seen') await session.markSeen(uids);
      else if (config.imap.afterIngest === 'move' && config.imap.moveTo) await session.move(uids, config.imap.moveTo);
      return true;
    } catch (err) {
      // Flags are a courtesy to humans; the cursor already protects against refetching, and the
      // UIDs stay listed in it, so the next start tries again.
      log.warn({ folder, count: uids.length, err: errorText(err) }, 'could not flag/move ingested messages');
      return false;
    }
  }

  /** After-ingest actions, then the cursor without those UIDs. */
  async function flagIngested(session: ImapSession, folder: string, cursor: FolderCursor, uids: number[]): Promise<FolderCursor> {
    if (!(await afterIngest(session, folder, uids))) return cursor;
    const next = withoutUnflagged(cursor, uids);
    if (next !== cursor) await ctx.saveCheckpoint(cursorKey(folder), next);
    return next;
  }

  /** The UID to fetch from (undefined: nothing to fetch) and whether this is a backfill. */
  async function plan(
    session: ImapSession,
    folder: string,
    health: FolderHealth,
  ): Promise<{ cursor: FolderCursor; fromUid: number; backfill: boolean } | undefined> {
    const status: FolderStatus = await session.status();
    let cursor = await ctx.state.get<FolderCursor>(cursorKey(folder));
    // A crash between an ingest and its \Seen/move: finish the job for those UIDs now.
    if (cursor?.unflagged?.length) {
      if (cursor.uidValidity === status.uidValidity) {
        const pending = cursor.unflagged;
        cursor = await flagIngested(session, folder, cursor, pending);
        if (!cursor.unflagged?.length)
          log.info({ folder, count: pending.length }, 'after a restart: flagged/moved mail ingested before it');
      } else {
        cursor = withoutUnflagged(cursor, cursor.unflagged);
        await ctx.saveCheckpoint(cursorKey(folder), cursor);
      }
    }
    const p = planSync(status, cursor, config.imap.backfill, ctx.clock.now());
    switch (p.kind) {
      case 'up_to_date':
        health.backlog = 0;
        health.lastFetchAt = ctx.clock.now();
        return undefined;
      case 'start_at_end':
        await ctx.saveCheckpoint(cursorKey(folder), p.cursor);
        log.info({ folder, lastUid: p.cursor.lastUid }, 'first start: watching for new mail only');
        health.lastFetchAt = ctx.clock.now();
        return undefined;
      case 'search_since': {
        const uids = await session.searchSince(p.since);
        const next = cursorAfterSearch(status, uids, cursor?.uidValidity === status.uidValidity ? cursor.lastDate : undefined);
        if (p.reason === 'resync')
          log.warn(
            { folder, since: p.since.toISOString(), found: uids.length },
            'UIDVALIDITY changed: refetching recent mail (duplicates are dropped)',
          );
        await ctx.saveCheckpoint(cursorKey(folder), next);
        return { cursor: next, fromUid: next.lastUid + 1, backfill: true };
      }
      case 'fetch':
        if (p.reason === 'resync_all') {
          log.warn({ folder }, 'UIDVALIDITY changed: refetching the folder (duplicates are dropped)');
          return { cursor: { uidValidity: status.uidValidity, lastUid: 0 }, fromUid: p.fromUid, backfill: true };
        }
        return { cursor: cursor!, fromUid: p.fromUid, backfill: false };
    }
  }

  return async function syncFolder(session, folder, health) {
    const planned = await plan(session, folder, health);
    if (!planned) return false;
    const { fromUid, backfill } = planned;
    let current: FolderCursor = planned.cursor;
    const pending = newUids(await session.list(fromUid), fromUid - 1);
    health.backlog = pending.length;
    health.lastFetchAt = ctx.clock.now();
    if (!pending.length) return false;
    const total = pending.length;
    let done = 0;
    let lastProgressAt = 0;
    const phase = backfill ? 'backfill' : 'catch_up';
    // A caller that asked for progress gets every step; the log gets a line at most once a second.
    const report = (force: boolean): void => {
      if (options.onProgress) {
        options.onProgress({ folder, phase, done, total });
        return;
      }
      if (!(backfill || total > 200)) return;
      if (!force && ctx.clock.now() - lastProgressAt < 1_000) return;
      lastProgressAt = ctx.clock.now();
      log.info({ folder, phase, done, total }, 'email sync progress');
    };
    const counted = (): void => {
      health.ingested++;
      done++;
      health.backlog = total - done;
      report(done === total);
    };
    report(true);

    for (const batch of batchBySize(pending, batchCount, batchBytes)) {
      if (options.stopped()) return false;
      const handled: number[] = [];
      let interrupted = false;
      // Fetched in UID order and ingested while the rest of the batch streams in; the cursor
      // moves with each message. Runs of oversized mail are fetched head-only, in order.
      const kindOf = (m: ImapMessageInfo): 'normal' | 'large' | 'oversize' =>
        m.size > config.maxMessageBytes ? 'oversize' : m.size > LARGE_MESSAGE_BYTES ? 'large' : 'normal';
      for (const run of runsBy(batch, kindOf)) {
        const kind = kindOf(run[0]!);
        if (kind === 'large') {
          // Streamed to the blob store, parsed alone: a 35 MB mail costs one copy, not four.
          for (const item of run) {
            const prepared = await steps.prepareLargeMessage(session, item);
            if (!prepared) continue; // expunged meanwhile
            current = await steps.commitMessage(folder, current, prepared);
            handled.push(item.uid);
            counted();
          }
          continue;
        }
        const oversize = kind === 'oversize';
        const sizes = new Map(run.map((m) => [m.uid, m.size]));
        const stream = oversize
          ? session.fetch(
              run.map((m) => m.uid),
              OVERSIZE_HEAD_BYTES,
            )
          : session.fetch(run.map((m) => m.uid));
        // Messages are stored and parsed ahead (up to `pipelineDepth` of them and `windowBytes` of
        // source) while the committer ingests whatever is prepared at the head, in UID order, as
        // one group commit; the cursor is saved once every message up to it has committed.
        const commitGroup = async (prepared: PreparedMessage[]): Promise<void> => {
          if (prepared.length === 1) {
            // A lone message (new mail under IDLE) carries the cursor in its own transaction.
            current = await steps.commitMessage(folder, current, prepared[0]!);
            handled.push(prepared[0]!.msg.uid);
            counted();
            return;
          }
          const outcomes = await Promise.allSettled(prepared.map((p) => steps.ingestMessage(folder, current.uidValidity, p)));
          let next = current;
          let failure: { error: unknown } | undefined;
          for (const [i, outcome] of outcomes.entries()) {
            if (outcome.status === 'rejected') {
              // Later neighbours did commit; the cursor stays before this one (they come back as duplicates).
              failure = { error: outcome.reason };
              break;
            }
            const { msg } = prepared[i]!;
            next = advanceCursor(next, msg.uid, msg.internalDate, config.imap.afterIngest !== 'none');
            handled.push(msg.uid);
            counted();
          }
          if (next !== current) {
            current = next;
            await ctx.saveCheckpoint(cursorKey(folder), current);
          }
          if (failure) throw failure.error;
        };
        const pipeline = createCommitPipeline({ depth: pipelineDepth, windowBytes, commit: commitGroup });
        const order = run.map((m) => m.uid);
        let nextIndex = 0;
        try {
          for await (const msg of stream) {
            const size = sizes.get(msg.uid);
            const index = order.indexOf(msg.uid, nextIndex);
            if (size === undefined || index < 0) continue;
            // Something before this UID did not arrive: committing this one would move the
            // cursor past it. Stop here; the check below decides (expunged, or fetch again).
            if (index > nextIndex) {
              interrupted = true;
              break;
            }
            nextIndex = index + 1;
            // Waits only while the window is full; throws when a commit failed.
            await pipeline.push(msg.source.length, steps.prepareMessage(oversize ? { ...msg, size } : msg, oversize));
          }
          await pipeline.finish();
        } finally {
          // Leaving early (a failure, a lost connection): no new group starts, and the one in
          // flight ends before the caller may sync this folder again.
          await pipeline.abandon();
        }
        if (interrupted) break;
      }
      // A message expunged meanwhile must not hold the cursor back; one that is still there
      // (a fetch that ended short) must not be skipped: sync again from it.
      const handledSet = new Set(handled);
      const missing = batch.filter((m) => !handledSet.has(m.uid)).map((m) => m.uid);
      const stillThere = new Set(missing.length ? await session.present(missing) : []);
      let passable = current.lastUid;
      for (const m of batch) {
        if (stillThere.has(m.uid)) break;
        passable = m.uid;
      }
      if (current.lastUid < passable) {
        current = advanceCursor(current, passable);
        await ctx.saveCheckpoint(cursorKey(folder), current);
      }
      if (stillThere.size) {
        const stuck = Math.min(...stillThere);
        const tries = (missedTries.get(stuck) ?? 0) + 1;
        missedTries.set(stuck, tries);
        log.warn({ folder, uid: stuck, tries }, 'the server left a message out of a fetch; fetching again');
        if (tries >= MAX_MISSED_TRIES) {
          // The server will not hand it over: a visible placeholder, so the folder moves on.
          current = await steps.commitMessage(folder, current, await steps.unfetchablePlaceholder(stuck, current.uidValidity));
          missedTries.delete(stuck);
        }
        current = await flagIngested(session, folder, current, handled);
        return true;
      }
      health.lastFetchAt = ctx.clock.now();
      current = await flagIngested(session, folder, current, handled);
    }
    return false;
  };
}
