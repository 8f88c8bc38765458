import { allFoldersUpToDate, newFolderHealth, sourceHealth, type FolderHealth } from './imap-health.js';

const folders = (...states: Array<Partial<FolderHealth>>): Map<string, FolderHealth> =>
  new Map(states.map((s, i) => [`F${i}`, { ...newFolderHealth(), ...s }]));

describe('sourceHealth', () => {
  it('starting, then ok when every folder is fine, degraded when only some are', () => {
    expect(sourceHealth(folders({}, { state: 'connecting' }), false).state).toBe('starting');
    expect(sourceHealth(folders({ state: 'ok' }, { state: 'ok' }), false).state).toBe('ok');
    expect(sourceHealth(folders({ state: 'ok' }, { state: 'backing_off' }), false).state).toBe('degraded');
    expect(sourceHealth(folders({ state: 'backing_off' }), false).state).toBe('backing_off');
  });

  it('a refused login anywhere wins over everything but stopped, and its error is named with the folder', () => {
    const f = folders({ state: 'ok' }, { state: 'auth_failed', lastError: 'AUTHENTICATIONFAILED' });
    const h = sourceHealth(f, false);
    expect(h.state).toBe('auth_failed');
    expect(h.lastError).toBe('F1: AUTHENTICATIONFAILED');
    expect(sourceHealth(f, true).state).toBe('stopped');
  });

  it('still connecting after an error is backing off; backlog and last fetch add up over folders', () => {
    expect(sourceHealth(folders({ state: 'connecting', lastError: 'ECONNREFUSED' }), false).state).toBe('backing_off');
    const h = sourceHealth(folders({ state: 'ok', backlog: 3, lastFetchAt: 10 }, { state: 'ok', backlog: 4, lastFetchAt: 20 }), false);
    expect(h.detail?.backlog).toBe(7);
    expect(h.lastActivityAt).toBe(20);
  });
});

describe('allFoldersUpToDate', () => {
  it('needs every folder ok, fetched and empty', () => {
    expect(allFoldersUpToDate(folders({ state: 'ok', lastFetchAt: 1 }, { state: 'ok', lastFetchAt: 1 }))).toBe(true);
    expect(allFoldersUpToDate(folders({ state: 'ok', lastFetchAt: 1 }, { state: 'ok' }))).toBe(false);
    expect(allFoldersUpToDate(folders({ state: 'ok', lastFetchAt: 1, backlog: 2 }))).toBe(false);
    expect(allFoldersUpToDate(new Map())).toBe(false);
  });
});
