import { nextAttemptInMs, nextLeaseStep, renewEveryMs, type LeaseView } from './lease-policy.js';

const LEASE = 3000;
const standby: LeaseView = { role: 'standby' };
const owner = (epoch: number, validUntil: number): LeaseView => ({ role: 'owner', epoch, validUntil });

describe('lease policy for a pull source', () => {
  test('a standby process that gets the lease starts its source, valid for one period from when it asked', () => {
    expect(nextLeaseStep(standby, { ok: true, held: true, epoch: 4, holder: 'me', sentAt: 1000, at: 1010 }, LEASE)).toEqual({
      view: owner(4, 4000),
      action: 'start_source',
    });
  });

  test('a standby process that finds another holder stays stopped and remembers who holds it', () => {
    expect(nextLeaseStep(standby, { ok: true, held: false, epoch: 4, holder: 'other', sentAt: 1000, at: 1010 }, LEASE)).toEqual({
      view: { role: 'standby', holder: 'other' },
      action: 'none',
    });
    expect(nextLeaseStep(standby, { ok: false, error: 'ECONNREFUSED', sentAt: 1000, at: 1010 }, LEASE).action).toBe('none');
  });

  test('an owner that renews keeps fetching and its validity moves forward', () => {
    expect(nextLeaseStep(owner(4, 4000), { ok: true, held: true, epoch: 4, holder: 'me', sentAt: 2000, at: 2005 }, LEASE)).toEqual({
      view: owner(4, 5000),
      action: 'none',
    });
  });

  test('an owner whose lease went to another process stops its source', () => {
    expect(
      nextLeaseStep(owner(4, 4000), { ok: true, held: false, epoch: 5, holder: 'other', sentAt: 2000, at: 2005 }, LEASE),
    ).toMatchObject({ view: { role: 'standby', holder: 'other' }, action: 'stop_source', reason: 'lost' });
  });

  test('an owner that sees the epoch moved on (someone held it in between) stops', () => {
    expect(nextLeaseStep(owner(4, 4000), { ok: true, held: true, epoch: 6, holder: 'me', sentAt: 2000, at: 2005 }, LEASE)).toMatchObject({
      action: 'stop_source',
      reason: 'epoch_moved',
    });
  });

  test('an owner cut off from the database keeps fetching until its lease would lapse, then stops before anyone may take over', () => {
    expect(nextLeaseStep(owner(4, 4000), { ok: false, error: 'timeout', sentAt: 3000, at: 3999 }, LEASE)).toEqual({
      view: owner(4, 4000),
      action: 'none',
    });
    expect(nextLeaseStep(owner(4, 4000), { ok: false, error: 'timeout', sentAt: 3000, at: 4000 }, LEASE)).toMatchObject({
      view: standby,
      action: 'stop_source',
      reason: 'expired_unrenewed',
    });
  });

  test('a renewal answered later than the time it bought does not extend the lease', () => {
    expect(nextLeaseStep(owner(4, 4000), { ok: true, held: true, epoch: 4, holder: 'me', sentAt: 1000, at: 4500 }, LEASE)).toMatchObject({
      action: 'stop_source',
      reason: 'expired_unrenewed',
    });
    expect(nextLeaseStep(standby, { ok: true, held: true, epoch: 4, holder: 'me', sentAt: 1000, at: 4500 }, LEASE).action).toBe('none');
  });

  test('renewals come three times per period, so failover happens within two periods', () => {
    expect(renewEveryMs(3000)).toBe(1000);
    expect(renewEveryMs(30)).toBe(100);
  });

  test('attempts keep their pace however long an answer took', () => {
    expect(nextAttemptInMs({ everyMs: 1000, sinceStartMs: 30 })).toBe(970);
    expect(nextAttemptInMs({ everyMs: 1000, sinceStartMs: 1400 })).toBe(0);
  });

  test('a standby asks again right after the holder’s lease runs out, when that comes before its next turn', () => {
    expect(nextAttemptInMs({ everyMs: 1000, sinceStartMs: 20, expiresInMs: 300 })).toBe(310);
    // Further away than the next turn: the usual pace (the holder may renew meanwhile).
    expect(nextAttemptInMs({ everyMs: 1000, sinceStartMs: 20, expiresInMs: 2500 })).toBe(980);
    // Already over (a slow answer): at once.
    expect(nextAttemptInMs({ everyMs: 1000, sinceStartMs: 20, expiresInMs: -50 })).toBe(0);
  });
});
