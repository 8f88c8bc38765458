import { createFormLimits, createRateLimiter } from './rate-limiter.js';
import type { SharedRateLimits } from '../../src/channel/contract.js';

const T0 = 1_700_000_000_000;

describe('createRateLimiter', () => {
  it('allows a burst of perMinute, then refuses with the seconds until the next token', () => {
    const rl = createRateLimiter({ perMinute: 3 });
    expect([1, 2, 3].map(() => rl.take('ip', T0).allowed)).toEqual([true, true, true]);
    expect(rl.take('ip', T0)).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it('refills continuously', () => {
    const rl = createRateLimiter({ perMinute: 6 }); // one token per 10 s
    for (let i = 0; i < 6; i++) rl.take('ip', T0);
    expect(rl.take('ip', T0 + 5_000)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    expect(rl.take('ip', T0 + 10_000).allowed).toBe(true);
    expect(rl.take('ip', T0 + 10_000).allowed).toBe(false);
  });

  it('never holds more than perMinute tokens after a long pause', () => {
    const rl = createRateLimiter({ perMinute: 2 });
    rl.take('ip', T0);
    const later = T0 + 3_600_000;
    expect([rl.take('ip', later), rl.take('ip', later), rl.take('ip', later)].map((d) => d.allowed)).toEqual([true, true, false]);
  });

  it('keeps keys apart', () => {
    const rl = createRateLimiter({ perMinute: 1 });
    expect(rl.take('a', T0).allowed).toBe(true);
    expect(rl.take('b', T0).allowed).toBe(true);
    expect(rl.take('a', T0).allowed).toBe(false);
  });

  it('is bounded: the least recently used bucket is evicted', () => {
    const rl = createRateLimiter({ perMinute: 1, maxKeys: 3 });
    rl.take('a', T0);
    rl.take('b', T0);
    rl.take('c', T0);
    rl.take('a', T0); // a is now the most recent (and refused)
    rl.take('d', T0); // evicts b
    expect(rl.size()).toBe(3);
    expect(rl.take('a', T0).allowed).toBe(false); // still remembered
    expect(rl.take('b', T0).allowed).toBe(true); // forgotten, fresh bucket
  });

  it('stays bounded under 100,000 distinct keys', () => {
    const rl = createRateLimiter({ perMinute: 5, maxKeys: 1000 });
    for (let i = 0; i < 100_000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`, T0 + i);
    expect(rl.size()).toBe(1000);
  });

  it('tolerates a clock that goes backwards', () => {
    const rl = createRateLimiter({ perMinute: 1 });
    rl.take('ip', T0);
    expect(rl.take('ip', T0 - 60_000).allowed).toBe(false);
  });
});

describe('form limits', () => {
  const T = Date.parse('2026-11-30T12:00:00Z');
  test('in one process: the address limit first, then the form limit', async () => {
    const limits = createFormLimits('contato', { perIpPerMinute: 2, perFormPerMinute: 3 }, undefined);
    expect((await limits.take('10.0.0.1', T)).allowed).toBe(true);
    expect((await limits.take('10.0.0.1', T)).allowed).toBe(true);
    expect(await limits.take('10.0.0.1', T)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect((await limits.take('10.0.0.2', T)).allowed).toBe(true);
    expect((await limits.take('10.0.0.3', T)).allowed).toBe(false); // the form's 3 are spent
  });

  test('with a shared store: buckets named per form and address, the form bucket only after the address passed', async () => {
    const asked: Array<[string, number]> = [];
    const shared: SharedRateLimits = {
      async take(key, perMinute) {
        asked.push([key, perMinute]);
        return key.endsWith(':ip:10.0.0.9') ? { allowed: false, retryAfterSeconds: 7 } : { allowed: true, remaining: 1 };
      },
    };
    const limits = createFormLimits('contato', { perIpPerMinute: 2, perFormPerMinute: 300 }, shared);
    expect(await limits.take('10.0.0.1', T)).toEqual({ allowed: true, remaining: 1 });
    expect(await limits.take('10.0.0.9', T)).toEqual({ allowed: false, retryAfterSeconds: 7 });
    expect(asked).toEqual([
      ['webform:contato:ip:10.0.0.1', 2],
      ['webform:contato:form', 300],
      ['webform:contato:ip:10.0.0.9', 2],
    ]);
  });
});
