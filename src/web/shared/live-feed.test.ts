import { idFloor, listenRetryDelayMs } from './live-feed.js';
import { newId } from '../../domain/ids.js';

describe('live feed id floor', () => {
  test('every id created at or after a time sorts at or after its floor; earlier ids sort before', () => {
    const t = Date.parse('2026-11-30T12:00:00Z');
    expect(newId(t) >= idFloor(t)).toBe(true);
    expect(newId(t + 1) > idFloor(t)).toBe(true);
    expect(idFloor(t - 1) < idFloor(t)).toBe(true);
    expect(idFloor(t)).toHaveLength(26);
  });
});

describe('live feed LISTEN reconnection', () => {
  test('waits longer after each failed attempt, from a quarter second up to thirty seconds', () => {
    expect([0, 1, 2, 3].map(listenRetryDelayMs)).toEqual([250, 500, 1000, 2000]);
    expect(listenRetryDelayMs(7)).toBe(30_000);
    expect(listenRetryDelayMs(1000)).toBe(30_000);
  });
});
