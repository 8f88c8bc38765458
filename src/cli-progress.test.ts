import { renderProgress } from './cli-progress.js';

describe('renderProgress', () => {
  test.each([
    [0, 10, 'INBOX [..........]   0%  0/10'],
    [5, 10, 'INBOX [#####.....]  50%  5/10'],
    [10, 10, 'INBOX [##########] 100%  10/10'],
    [0, 0, 'INBOX [##########] 100%  0/0'],
  ])('%i of %i', (done, total, expected) => expect(renderProgress(done, total, 'INBOX', 10)).toBe(expected));
});
