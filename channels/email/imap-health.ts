/** Health of an IMAP source from the state of its folder workers. Pure. */
import type { ChannelHealth } from '../../src/channel/contract.js';

export interface FolderHealth {
  state: 'starting' | 'connecting' | 'ok' | 'backing_off' | 'auth_failed' | 'stopped';
  lastFetchAt?: number | undefined;
  lastError?: string | undefined;
  lastErrorAt?: number | undefined;
  backlog: number;
  nextAttemptAt?: number | undefined;
  ingested: number;
}

export function newFolderHealth(): FolderHealth {
  return { state: 'starting', backlog: 0, ingested: 0 };
}

/**
 * One refused login makes the channel `auth_failed` (an admin must act); all folders fine is
 * `ok`, some is `degraded`; nothing connected yet is `starting` (or `backing_off` after an error).
 */
export function sourceHealth(folders: ReadonlyMap<string, FolderHealth>, stopped: boolean): ChannelHealth {
  const list = [...folders.entries()];
  const okCount = list.filter(([, h]) => h.state === 'ok').length;
  let state: ChannelHealth['state'];
  if (stopped) state = 'stopped';
  else if (list.some(([, h]) => h.state === 'auth_failed')) state = 'auth_failed';
  else if (list.every(([, h]) => h.state === 'starting' || h.state === 'connecting'))
    state = list.some(([, h]) => h.lastError) ? 'backing_off' : 'starting';
  else if (okCount === list.length) state = 'ok';
  else if (okCount > 0) state = 'degraded';
  else state = 'backing_off';
  const lastFetch = Math.max(0, ...list.map(([, h]) => h.lastFetchAt ?? 0));
  const lastError = list.map(([f, h]) => (h.lastError ? `${f}: ${h.lastError}` : undefined)).find(Boolean);
  return {
    state,
    lastActivityAt: lastFetch || undefined,
    lastError,
    detail: {
      folders: Object.fromEntries(
        list.map(([f, h]) => [
          f,
          {
            state: h.state,
            lastFetchAt: h.lastFetchAt,
            backlog: h.backlog,
            ingested: h.ingested,
            lastError: h.lastError,
            nextAttemptAt: h.nextAttemptAt,
          },
        ]),
      ),
      backlog: list.reduce((n, [, h]) => n + h.backlog, 0),
    },
  };
}

/** Every folder connected, fetched at least once and with nothing waiting: what `email sync` waits for. */
export function allFoldersUpToDate(folders: ReadonlyMap<string, FolderHealth>): boolean {
  const list = [...folders.values()];
  return list.length > 0 && list.every((f) => f.state === 'ok' && f.lastFetchAt !== undefined && f.backlog === 0);
}
