import * as imapCursor from './imap-cursor.js';
import {
  advanceCursor,
  batchBySize,
  cursorAfterSearch,
  newUids,
  planSync,
  uidSet,
  type BackfillConfig,
  type FolderCursor,
  type FolderStatus,
} from './imap-cursor.js';

const NOW = Date.UTC(2026, 4, 18, 12, 0, 0);
const DAY = 86_400_000;
const none: BackfillConfig = { mode: 'none', days: 7 };
const days7: BackfillConfig = { mode: 'days', days: 7 };
const st = (uidValidity: string, uidNext: number, exists: number): FolderStatus => ({ uidValidity, uidNext, exists });

describe('planSync', () => {
  it.each<[string, FolderStatus, FolderCursor | undefined, BackfillConfig, unknown]>([
    [
      'first start, no backfill: begin after the last message',
      st('7', 51, 50),
      undefined,
      none,
      { kind: 'start_at_end', cursor: { uidValidity: '7', lastUid: 50 } },
    ],
    ['first start on an empty folder', st('7', 1, 0), undefined, none, { kind: 'start_at_end', cursor: { uidValidity: '7', lastUid: 0 } }],
    [
      'first start with backfill: search since N days',
      st('7', 51, 50),
      undefined,
      days7,
      { kind: 'search_since', since: new Date(NOW - 7 * DAY), reason: 'backfill' },
    ],
    ['nothing new', st('7', 51, 50), { uidValidity: '7', lastUid: 50 }, none, { kind: 'up_to_date' }],
    ['empty folder after expunge', st('7', 51, 0), { uidValidity: '7', lastUid: 40 }, none, { kind: 'up_to_date' }],
    [
      'new mail: fetch after the cursor',
      st('7', 60, 59),
      { uidValidity: '7', lastUid: 50 },
      none,
      { kind: 'fetch', fromUid: 51, reason: 'new_mail' },
    ],
    [
      'UIDVALIDITY changed with a known last date: refetch since that date minus a margin',
      st('8', 5, 4),
      { uidValidity: '7', lastUid: 50, lastDate: NOW - DAY },
      none,
      { kind: 'search_since', since: new Date(NOW - 3 * DAY), reason: 'resync' },
    ],
    [
      'UIDVALIDITY changed, no date, backfill configured: refetch the backfill window',
      st('8', 5, 4),
      { uidValidity: '7', lastUid: 50 },
      days7,
      { kind: 'search_since', since: new Date(NOW - 7 * DAY), reason: 'resync' },
    ],
    [
      'UIDVALIDITY changed, nothing known: refetch everything (de-dup makes it safe)',
      st('8', 5, 4),
      { uidValidity: '7', lastUid: 50 },
      none,
      { kind: 'fetch', fromUid: 1, reason: 'resync_all' },
    ],
    [
      'UIDVALIDITY changed on an empty folder: start at the end',
      st('8', 1, 0),
      { uidValidity: '7', lastUid: 50 },
      none,
      { kind: 'start_at_end', cursor: { uidValidity: '8', lastUid: 0 } },
    ],
  ])('%s', (_label, status, cursor, backfill, expected) => {
    expect(planSync(status, cursor, backfill, NOW)).toEqual(expected);
  });
});

describe('cursor movement', () => {
  it('starts just before the oldest search match, or at the end when nothing matched', () => {
    expect(cursorAfterSearch(st('7', 100, 99), [40, 12, 77])).toEqual({ uidValidity: '7', lastUid: 11 });
    expect(cursorAfterSearch(st('7', 100, 99), [])).toEqual({ uidValidity: '7', lastUid: 99 });
    expect(cursorAfterSearch(st('7', 100, 99), [1], NOW)).toEqual({ uidValidity: '7', lastUid: 0, lastDate: NOW });
  });
  it('only moves forward and remembers the newest internal date', () => {
    const c = { uidValidity: '7', lastUid: 10, lastDate: NOW };
    expect(advanceCursor(c, 11, NOW - DAY)).toEqual({ uidValidity: '7', lastUid: 11, lastDate: NOW });
    expect(advanceCursor(c, 12, NOW + 1)).toEqual({ uidValidity: '7', lastUid: 12, lastDate: NOW + 1 });
    expect(advanceCursor(c, 9, NOW + 5)).toBe(c);
    expect(advanceCursor({ uidValidity: '7', lastUid: 0 }, 3)).toEqual({ uidValidity: '7', lastUid: 3 });
  });
  it('filters the extra message `N:*` returns and sorts ascending', () => {
    expect(newUids([{ uid: 50 }, { uid: 53 }, { uid: 52 }], 50).map((x) => x.uid)).toEqual([52, 53]);
    expect(newUids([{ uid: 50 }], 50)).toEqual([]);
  });
});

describe('batchBySize', () => {
  it.each([
    ['count bound', [1, 1, 1, 1, 1], 2, 100, [[1, 1], [1, 1], [1]]],
    ['byte bound', [40, 40, 40], 10, 100, [[40, 40], [40]]],
    ['a huge message goes alone', [10, 25_000, 10], 10, 1_000, [[10], [25_000], [10]]],
    ['empty', [], 10, 100, []],
  ])('%s', (_l, sizes, maxCount, maxBytes, expected) => {
    const batches = batchBySize(
      (sizes as number[]).map((size) => ({ size })),
      maxCount as number,
      maxBytes as number,
    );
    expect(batches.map((b) => b.map((x) => x.size))).toEqual(expected);
  });
});

describe('uidSet', () => {
  it.each([
    [[1, 2, 3, 5, 8, 9, 10], '1:3,5,8:10'],
    [[4], '4'],
    [[3, 1, 2, 2], '1:3'],
    [[], ''],
  ])('%j -> %s', (uids, expected) => {
    expect(uidSet(uids as number[])).toBe(expected);
  });
});

describe('unflagged UIDs (after-ingest actions survive a crash)', () => {
  test('remembered as the cursor advances, forgotten once flagged', () => {
    const { advanceCursor, withoutUnflagged } = imapCursor;
    let c = advanceCursor({ uidValidity: '1', lastUid: 0 }, 5, undefined, true);
    c = advanceCursor(c, 6, undefined, true);
    expect(c.unflagged).toEqual([5, 6]);
    expect(withoutUnflagged(c, [5])).toMatchObject({ lastUid: 6, unflagged: [6] });
    expect(withoutUnflagged(c, [5, 6])).toEqual({ uidValidity: '1', lastUid: 6 });
    expect(advanceCursor({ uidValidity: '1', lastUid: 0 }, 5)).not.toHaveProperty('unflagged');
  });
});
