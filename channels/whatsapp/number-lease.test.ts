import { createNumberLease, leaseName, renewIntervalMs } from './number-lease.js';

describe('number lease', () => {
  test('renewed three times per TTL, never more often than every 500 ms', () => {
    expect(renewIntervalMs(30_000)).toBe(10_000);
    expect(renewIntervalMs(900)).toBe(500);
  });

  test('one lease name per channel', () => {
    expect(leaseName('zap')).toBe('whatsapp:zap');
  });

  test('a failing lease store counts as not held; release never throws', async () => {
    const lease = createNumberLease({
      leases: { acquire: async () => Promise.reject(new Error('database is locked')), release: async () => Promise.reject(new Error('gone')) },
      channelId: 'zap',
      ttlMs: 1_000,
      onLost: async () => undefined,
    });
    expect(await lease.acquire()).toBe(false);
    await expect(lease.release()).resolves.toBeUndefined();
  });

  test('losing the lease while renewing calls onLost; nothing after stopRenewing', async () => {
    let held = true;
    let lost = 0;
    const lease = createNumberLease({ leases: { acquire: async () => held, release: async () => undefined }, channelId: 'zap', ttlMs: 600, onLost: async () => void lost++ });
    lease.keepRenewing(() => true);
    await new Promise((r) => setTimeout(r, 550));
    expect(lost).toBe(0);
    held = false;
    await new Promise((r) => setTimeout(r, 550));
    expect(lost).toBe(1);
    lease.stopRenewing();
    await new Promise((r) => setTimeout(r, 550));
    expect(lost).toBe(1);
  });
});
