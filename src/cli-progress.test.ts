import { createSyncProgressView, renderProgress } from './cli-progress.js';

describe('renderProgress', () => {
  test.each([
    [0, 10, 'INBOX [..........]   0%  0/10'],
    [5, 10, 'INBOX [#####.....]  50%  5/10'],
    [10, 10, 'INBOX [##########] 100%  10/10'],
    [0, 0, 'INBOX [##########] 100%  0/0'],
  ])('%i of %i', (done, total, expected) => expect(renderProgress(done, total, 'INBOX', 10)).toBe(expected));
});

describe('createSyncProgressView', () => {
  it('redraws every folder on one line and ends it with the summary', () => {
    const written: string[] = [];
    const view = createSyncProgressView({ write: (s: string) => written.push(s) });
    view.progress({ folder: 'INBOX', done: 1, total: 2 });
    view.progress({ folder: 'Spam', done: 0, total: 1 });
    view.progress({ folder: 'INBOX', done: 2, total: 2 });
    view.done('support: up to date, 3 message(s) fetched');
    expect(written.at(-2)).toMatch(/^\rINBOX \[#+\] 100% {2}2\/2 {3}Spam \[\.+\] {3}0% {2}0\/1$/);
    expect(written.at(-1)).toBe('\nsupport: up to date, 3 message(s) fetched\n');
  });
});
