import { decideDecryptionHealth, DEFAULT_DECRYPTION_HEALTH } from './decryption-health.js';

const H = 3600_000;
const now = Date.UTC(2026, 10, 30, 12);

describe('when a number counts as undecryptable', () => {
  test.each([
    ['no failures', [], false, 0],
    ['one placeholder: noise, the phone re-sends most', [now - H], false, 1],
    ['two within the day', [now - H, now - 2 * H], false, 2],
    ['three within the day', [now - H, now - 2 * H, now - 20 * H], true, 3],
    ['three, but one is older than the window', [now - H, now - 2 * H, now - 25 * H], false, 2],
    ['five within the day', [1, 2, 3, 4, 5].map((n) => now - n * H), true, 5],
  ] as Array<[string, number[], boolean, number]>)('%s', (_what, unresolved, undecryptable, count) => {
    const d = decideDecryptionHealth(unresolved, now);
    expect(d).toMatchObject({ undecryptable, count });
    if (undecryptable) {
      expect(d.since).toBe(Math.min(...unresolved));
      expect(d.explanation).toContain(`${count} messages in the last 24 h arrived but could not be decrypted`);
      expect(d.explanation).toContain('pair again');
    } else {
      expect(d.explanation).toBeUndefined();
    }
  });

  test('the threshold and window are options', () => {
    expect(decideDecryptionHealth([now - H], now, { threshold: 1, windowMs: 2 * H }).undecryptable).toBe(true);
    expect(decideDecryptionHealth([now - 3 * H], now, { ...DEFAULT_DECRYPTION_HEALTH, threshold: 1, windowMs: 2 * H }).undecryptable).toBe(
      false,
    );
  });
});
