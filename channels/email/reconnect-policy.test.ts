import { authFailureDelay, DEFAULT_RECONNECT, nextAttempt, reconnectDelay } from './reconnect-policy.js';

const noJitter = { ...DEFAULT_RECONNECT, jitter: 0 };

describe('reconnectDelay', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [9, 256_000],
    [10, 300_000],
    [1_000, 300_000],
    [0, 1_000],
  ])('attempt %i waits %i ms without jitter', (attempt, expected) => {
    expect(reconnectDelay(attempt, noJitter)).toBe(expected);
  });

  it('full jitter stays between half and all of the step, and under the cap', () => {
    expect(reconnectDelay(3, DEFAULT_RECONNECT, () => 0)).toBe(2_000);
    expect(reconnectDelay(3, DEFAULT_RECONNECT, () => 0.999999)).toBe(4_000);
    for (let i = 0; i < 200; i++) {
      const d = reconnectDelay(50, DEFAULT_RECONNECT);
      expect(d).toBeGreaterThanOrEqual(150_000);
      expect(d).toBeLessThanOrEqual(300_000);
    }
  });
});

describe('nextAttempt', () => {
  it('grows while connections keep failing and resets after a stable connection', () => {
    expect(nextAttempt(3, undefined)).toBe(4);
    expect(nextAttempt(3, 5_000)).toBe(4);
    expect(nextAttempt(7, 60_000)).toBe(1);
  });
});

describe('authFailureDelay', () => {
  test('refused credentials are retried at long, growing intervals, capped at 6 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => authFailureDelay(n) / 60_000)).toEqual([5, 15, 45, 135, 360, 360, 360]);
  });
  test('even the first retry after a refused login waits far longer than a network retry', () => {
    expect(authFailureDelay(1)).toBeGreaterThan(DEFAULT_RECONNECT.maxMs - 1);
  });
});
