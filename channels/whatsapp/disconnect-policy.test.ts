import { loadFixture } from '../../test/whatsapp/fixtures.js';
import {
  backoffDelay,
  closeStatusCode,
  decideOnClose,
  DEFAULT_BACKOFF,
  PASSKEY_REQUIRED_EXPLANATION,
  type BackoffOptions,
} from './disconnect-policy.js';

const fixed = (r: number): BackoffOptions => ({ ...DEFAULT_BACKOFF, random: () => r });

describe('disconnect policy (baileys-connection-close-reasons.json)', () => {
  const fixture = loadFixture('baileys-connection-close-reasons');
  // Our decision for each fixture case, in the fixture's order.
  const expected: Record<string, { action: string; health: string; alert: boolean; immediate?: boolean }> = {
    restartRequired: { action: 'reconnect', health: 'connecting', alert: false, immediate: true },
    'connectionLost/timedOut': { action: 'reconnect', health: 'backing_off', alert: false },
    'QR expired unscanned': { action: 'stop', health: 'needs_pairing', alert: false },
    connectionClosed: { action: 'reconnect', health: 'backing_off', alert: false },
    connectionReplaced: { action: 'reconnect', health: 'backing_off', alert: true },
    'loggedOut (device removed on phone)': { action: 'wipe_credentials', health: 'needs_pairing', alert: true },
    'forbidden (account banned/blocked)': { action: 'stop', health: 'stopped', alert: true },
    'badSession (also the default for unknown stream errors)': { action: 'reconnect', health: 'backing_off', alert: false },
    unavailableService: { action: 'reconnect', health: 'backing_off', alert: false },
    multideviceMismatch: { action: 'stop', health: 'needs_pairing', alert: true },
  };

  test.each(fixture.cases.map((c: any) => [c.expect.reason, c]) as Array<[string, any]>)('%s', (reason: string, c: any) => {
    const want = expected[reason];
    expect(want).toBeDefined();
    const error = c.update.lastDisconnect.error;
    const decision = decideOnClose({ statusCode: closeStatusCode(error), message: error.message, consecutiveFailures: 0 }, fixed(0.5));
    expect(decision.action).toBe(want!.action);
    expect(decision.health).toBe(want!.health);
    expect(decision.alert).toBe(want!.alert);
    if (want!.immediate) expect(decision.delayMs).toBe(0);
    if (decision.action === 'reconnect' && !want!.immediate) expect(decision.delayMs).toBeGreaterThan(0);
    if (decision.action !== 'reconnect') expect(decision.delayMs).toBe(0);
  });

  test('440 never reconnects sooner than the replaced floor, even on the first close', () => {
    const d = decideOnClose({ statusCode: 440, consecutiveFailures: 0 }, fixed(0));
    expect(d.delayMs).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.replacedMinMs / 2);
    expect(decideOnClose({ statusCode: 440, consecutiveFailures: 0 }, fixed(0.999)).delayMs).toBeLessThanOrEqual(
      DEFAULT_BACKOFF.replacedMinMs,
    );
  });

  test('backoff grows, is jittered within [exp/2, exp] and capped', () => {
    const lows = [0, 1, 2, 3].map((n) => backoffDelay(n, fixed(0)));
    expect(lows).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(3, fixed(0.999))).toBeLessThanOrEqual(16000);
    expect(backoffDelay(50, fixed(0.999))).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs);
    expect(backoffDelay(50, fixed(0))).toBe(DEFAULT_BACKOFF.maxMs / 2);
  });

  test('repeated 500s raise an alert about a corrupted session but keep retrying', () => {
    expect(decideOnClose({ statusCode: 500, consecutiveFailures: 1 }).alert).toBe(false);
    const d = decideOnClose({ statusCode: 500, consecutiveFailures: DEFAULT_BACKOFF.corruptAfter - 1 });
    expect(d).toMatchObject({ action: 'reconnect', alert: true });
  });

  test('a plain network error (no Boom status) backs off', () => {
    const d = decideOnClose({ statusCode: closeStatusCode(new Error('ECONNREFUSED')), message: 'ECONNREFUSED', consecutiveFailures: 2 });
    expect(d).toMatchObject({ action: 'reconnect', health: 'backing_off' });
    expect(d.reason).toContain('ECONNREFUSED');
  });

  describe('the passkey gate: pairing ends after the phone had started linking', () => {
    const qrEnded = { statusCode: 408, message: 'QR refs attempts ended' };
    test.each([
      ['QR refs ended, the phone never started linking (nobody scanned)', { ...qrEnded, linkingStarted: false }, 'needs_pairing', 'stop'],
      ['QR refs ended after the phone started linking', { ...qrEnded, linkingStarted: true }, 'passkey_required', 'stop'],
      [
        '401 while linking (WhatsApp refused the new device)',
        { statusCode: 401, message: 'Connection Failure', linkingStarted: true },
        'passkey_required',
        'stop',
      ],
      [
        '401 of a paired device (removed on the phone)',
        { statusCode: 401, message: 'Connection Failure', linkingStarted: false },
        'needs_pairing',
        'wipe_credentials',
      ],
      [
        '515 after linking (pairing succeeded)',
        { statusCode: 515, message: 'Stream Errored (restart required)', linkingStarted: true },
        'connecting',
        'reconnect',
      ],
      [
        'a plain 408 timeout while linking',
        { statusCode: 408, message: 'Connection was lost', linkingStarted: true },
        'backing_off',
        'reconnect',
      ],
    ] as const)('%s', (_what, close, health, action) => {
      const d = decideOnClose({ ...close, consecutiveFailures: 0 }, fixed(0.5));
      expect({ health: d.health, action: d.action }).toEqual({ health, action });
      if (health === 'passkey_required') {
        expect(d).toMatchObject({ alert: true, delayMs: 0, reason: PASSKEY_REQUIRED_EXPLANATION });
        expect(d.reason).toContain('passkey');
        expect(d.reason).toContain('Cloud API');
      }
    });
  });
});
