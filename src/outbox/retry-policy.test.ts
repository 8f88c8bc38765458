import { decideRetry } from './retry-policy.js';

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 5 };
describe('decideRetry', () => {
  test('permanent errors stop at once', () => expect(decideRetry(policy, 1, false)).toEqual({ retry: false, reason: 'permanent' }));
  test('attempts exhausted', () => expect(decideRetry(policy, 5, true)).toEqual({ retry: false, reason: 'attempts_exhausted' }));
  test.each([
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
  ])('attempt %i waits between %i and %i ms', (attempt, lo, hi) => {
    expect(decideRetry(policy, attempt, true, () => 0)).toEqual({ retry: true, delayMs: lo });
    expect(decideRetry(policy, attempt, true, () => 1)).toEqual({ retry: true, delayMs: hi });
  });
  test('capped', () => expect(decideRetry({ ...policy, maxAttempts: 50 }, 30, true, () => 1)).toEqual({ retry: true, delayMs: 60_000 }));
  test('honours Retry-After', () => expect(decideRetry(policy, 1, true, () => 0, 30_000)).toEqual({ retry: true, delayMs: 30_000 }));
});
