import { ACCOUNT_POLICY, afterFailure, type AttemptRecord, retryAfterMs } from './sign-in-throttle.js';

const MIN = 60_000;

describe('sign-in throttle', () => {
  test('the fifth failure in a window locks the account for 15 minutes', () => {
    let r: AttemptRecord | undefined;
    const t0 = 1_000_000;
    for (let i = 0; i < 4; i++) {
      r = afterFailure(r, ACCOUNT_POLICY, t0 + i * MIN);
      expect(retryAfterMs(r, t0 + i * MIN)).toBe(0);
    }
    r = afterFailure(r, ACCOUNT_POLICY, t0 + 4 * MIN);
    expect(retryAfterMs(r, t0 + 4 * MIN)).toBe(15 * MIN);
    expect(retryAfterMs(r, t0 + 18 * MIN)).toBe(MIN);
    expect(retryAfterMs(r, t0 + 19 * MIN)).toBe(0);
  });
  test('failures spread beyond the window never lock', () => {
    let r: AttemptRecord | undefined;
    for (let i = 0; i < 20; i++) r = afterFailure(r, ACCOUNT_POLICY, i * 16 * MIN);
    expect(r!.failures).toBe(1);
    expect(retryAfterMs(r, 20 * 16 * MIN)).toBe(0);
  });
  test('after a lock expires, counting starts again', () => {
    let r: AttemptRecord | undefined;
    for (let i = 0; i < 5; i++) r = afterFailure(r, ACCOUNT_POLICY, i);
    const later = afterFailure(r, ACCOUNT_POLICY, 20 * MIN);
    expect(later).toEqual({ windowStart: 20 * MIN, failures: 1, lockedUntil: null });
  });
});
