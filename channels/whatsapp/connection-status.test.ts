import { createConnectionStatus, decryptionTransition, nextHealth, nextPairing } from './connection-status.js';

describe('connection status', () => {
  test('last activity carries over; the last error too unless it is set or cleared', () => {
    const prev = { state: 'connected' as const, lastActivityAt: 5, lastError: 'old', detail: { a: 1 } };
    expect(nextHealth(prev, 'backing_off', { detail: { attempt: 1 } })).toEqual({
      state: 'backing_off',
      lastActivityAt: 5,
      lastError: 'old',
      detail: { attempt: 1 },
    });
    expect(nextHealth(prev, 'connected', { lastError: undefined })).toEqual({
      state: 'connected',
      lastActivityAt: 5,
      lastError: undefined,
      detail: undefined,
    });
  });

  test('a QR stays visible while we still wait for the scan', () => {
    const qr = { state: 'needs_pairing' as const, qr: 'QR', updatedAt: 1 };
    expect(nextPairing(qr, 'needs_pairing', 2)).toBe(qr);
    expect(nextPairing(qr, 'connecting', 2)).toEqual({ state: 'connecting', updatedAt: 2 });
    expect(nextPairing(undefined, 'needs_pairing', 3)).toEqual({ state: 'needs_pairing', updatedAt: 3 });
  });

  test('decryption: flag once per count, clear when resolved, never while not connected', () => {
    const bad = { undecryptable: true, count: 3, since: Date.UTC(2026, 4, 18), explanation: 'lost sessions' };
    const connected = { state: 'connected' as const };
    expect(decryptionTransition(connected, bad, '5511@s.whatsapp.net')).toEqual({
      state: 'undecryptable',
      extra: {
        lastError: 'lost sessions',
        detail: { account: '5511@s.whatsapp.net', undecryptable: 3, undecryptableSince: '2026-05-18T00:00:00.000Z' },
      },
    });
    const flagged = { state: 'undecryptable' as const, detail: { undecryptable: 3 } };
    expect(decryptionTransition(flagged, bad, undefined)).toBeUndefined();
    expect(decryptionTransition(flagged, { ...bad, count: 4 }, undefined)?.state).toBe('undecryptable');
    expect(decryptionTransition(flagged, { undecryptable: false, count: 1 }, undefined)).toEqual({
      state: 'connected',
      extra: { lastError: undefined, detail: undefined },
    });
    expect(decryptionTransition({ state: 'backing_off' }, bad, undefined)).toBeUndefined();
    expect(decryptionTransition(connected, { undecryptable: false, count: 0 }, undefined)).toBeUndefined();
  });

  test('the snapshot is a copy', () => {
    let now = 10;
    const s = createConnectionStatus(() => now);
    s.set('backing_off', { detail: { attempt: 1 } });
    const snap = s.snapshot();
    (snap.detail as Record<string, unknown>).attempt = 99;
    now = 20;
    s.markActivity();
    expect(s.health()).toMatchObject({ state: 'backing_off', lastActivityAt: 20, detail: { attempt: 1 } });
    expect(s.pairing()).toEqual({ state: 'backing_off', updatedAt: 10 });
  });
});
