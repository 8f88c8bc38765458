import type { ChannelContext, FencedWrites, LeaseGrant, LeaseManager } from '../../src/channel/contract.js';
import { createNumberLease, isLeaseLost, leaseName, renewIntervalMs } from './number-lease.js';

/** A lease store of one number: `grant` answers every take; fence writes go to `written` while `fenceOk`. */
function store(grant: () => LeaseGrant | Promise<LeaseGrant>) {
  const written: Array<[number, string, unknown]> = [];
  let fenceOk = true;
  const leases: LeaseManager = {
    acquire: async () => (await grant()).held,
    take: async () => grant(),
    release: async () => undefined,
    fence: (_name, epoch): FencedWrites => {
      const write = async (key: string, value: unknown) => {
        if (!fenceOk) throw Object.assign(new Error('refused'), { code: 'lease_lost' });
        written.push([epoch, key, value]);
      };
      return {
        state: {
          get: async () => undefined,
          getMany: async () => new Map(),
          keys: async () => [],
          set: write,
          setMany: async (e) => void (await Promise.all(e.map(([k, v]) => write(k, v)))),
          delete: (k) => write(k, null),
          deletePrefix: async () => 0,
        },
        saveCheckpoint: write,
        ingest: async () => ({ status: 'ignored', reason: 'test' }),
      };
    },
  };
  const refuse = (): void => {
    fenceOk = false;
  };
  return { leases, written, refuse };
}

const baseCtx = { state: { get: async () => 'read', getMany: async () => new Map(), keys: async () => [] } } as unknown as ChannelContext;

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
      leases: {
        ...store(() => Promise.reject(new Error('database is locked'))).leases,
        release: async () => Promise.reject(new Error('gone')),
      },
      channelId: 'zap',
      ttlMs: 1_000,
      onLost: async () => undefined,
    });
    expect(await lease.acquire()).toBe(false);
    expect(lease.epoch()).toBeUndefined();
    await expect(lease.release()).resolves.toBeUndefined();
  });

  test('losing the lease while renewing calls onLost once; nothing after', async () => {
    let held = true;
    let lost = 0;
    const lease = createNumberLease({
      leases: store(() => ({ held, epoch: 1 })).leases,
      channelId: 'zap',
      ttlMs: 600,
      onLost: async () => void lost++,
    });
    expect(await lease.acquire()).toBe(true);
    lease.keepRenewing(() => true);
    await new Promise((r) => setTimeout(r, 550));
    expect(lost).toBe(0);
    held = false;
    await new Promise((r) => setTimeout(r, 550));
    expect(lost).toBe(1);
    await new Promise((r) => setTimeout(r, 550));
    expect(lost).toBe(1);
    lease.stopRenewing();
  });

  test('a renewal that comes back with another epoch is a loss: someone held the number in between', async () => {
    let epoch = 3;
    let lost = 0;
    const lease = createNumberLease({
      leases: store(() => ({ held: true, epoch })).leases,
      channelId: 'zap',
      ttlMs: 60_000,
      onLost: async () => void lost++,
    });
    await lease.acquire();
    expect(await lease.renew()).toBe(true);
    epoch = 5;
    expect(await lease.renew()).toBe(false);
    expect(lost).toBe(1);
    expect(lease.epoch()).toBeUndefined();
    // Taking it again is a new holding, at the new epoch.
    expect(await lease.acquire()).toBe(true);
    expect(lease.epoch()).toBe(5);
  });

  test('writes go through the fence of the epoch held; a refused write loses the lease and writes nothing', async () => {
    const s = store(() => ({ held: true, epoch: 7 }));
    let lost = 0;
    const lease = createNumberLease({ leases: s.leases, channelId: 'zap', ttlMs: 60_000, onLost: async () => void lost++ });
    const fctx = lease.fenced(baseCtx);
    await expect(fctx.state.set('auth:creds', 'x')).rejects.toMatchObject({ code: 'lease_lost' }); // not held yet
    await lease.acquire();
    await fctx.state.set('auth:creds', 'a');
    expect(await fctx.state.get('auth:creds')).toBe('read'); // reads are the plain state
    s.refuse();
    const refused = await fctx.state.setMany([['auth:key:session:1', 'b']]).catch((e: unknown) => e);
    expect(isLeaseLost(refused)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(lost).toBe(1);
    await expect(
      fctx.ingest({ message: { externalId: 'x', from: { kind: 'whatsapp', address: '1@s.whatsapp.net' } } } as never),
    ).rejects.toMatchObject({ code: 'lease_lost' });
    expect(s.written).toEqual([[7, 'auth:creds', 'a']]);
  });
});
