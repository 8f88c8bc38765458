/**
 * Shared rate limits with per-process reservations on PostgreSQL: two limiters (two gateways'
 * worth) on one database never admit more than the bucket allows, refuse only the reserve the
 * other holds early, and a busy key costs a statement per block rather than per request.
 */
import { migrateToLatest } from '../../src/db/migrator.js';
import { createSharedRateLimits, maxReserve } from '../../src/cluster/shared-rate-limits.js';
import type { Executor } from '../../src/db/database.js';
import { scratchDatabase, type ScratchDatabase } from '../core/db-fixtures.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';

const run = serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set');
const d = run ? describe : describe.skip;

d('shared rate limits with reservations (PostgreSQL)', () => {
  let s: ScratchDatabase;
  let statements = 0;
  let db: Executor;
  beforeEach(async () => {
    s = await scratchDatabase('postgres');
    expect((await migrateToLatest(s.database)).error).toBeUndefined();
    statements = 0;
    db = s.database.kysely.withPlugin({
      transformQuery: (a) => {
        statements++;
        return a.node;
      },
      transformResult: async (a) => a.result,
    });
  });
  afterEach(() => s.drop());

  const admitted = async (
    limiters: Array<ReturnType<typeof createSharedRateLimits>>,
    key: string,
    perMinute: number,
    n: number,
    nowMs: number,
  ) => {
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => limiters[i % limiters.length]!.take(key, perMinute, nowMs)));
    return answers.filter((a) => a.allowed).length;
  };

  test('a small limit is counted one token at a time across processes, exactly', async () => {
    const a = createSharedRateLimits(() => db);
    const b = createSharedRateLimits(() => db);
    const T = 1_000_000;
    const answers = [];
    for (const l of [a, b, a, b, a]) answers.push(await l.take('form:ip:1', 3, T));
    expect(answers.map((x) => x.allowed)).toEqual([true, true, true, false, false]);
    expect(answers[3]).toEqual({ allowed: false, retryAfterSeconds: 20 });
    // A token a minute / 3 later.
    expect((await b.take('form:ip:1', 3, T + 20_000)).allowed).toBe(true);
  });

  test('two busy processes never admit more than the bucket holds, and lose at most their reserves to each other', async () => {
    const a = createSharedRateLimits(() => db);
    const b = createSharedRateLimits(() => db);
    const perMinute = 2_000;
    const T = 5_000_000;
    // Four bursts in one instant (no refill): 3,000 asks for 2,000 tokens.
    let ok = 0;
    for (let i = 0; i < 4; i++) ok += await admitted([a, b], 'form', perMinute, 750, T);
    expect(ok).toBeLessThanOrEqual(perMinute);
    expect(ok).toBeGreaterThanOrEqual(perMinute - 2 * maxReserve(perMinute));
    // After a second of refill (33 tokens) the same holds again.
    const more = await admitted([a, b], 'form', perMinute, 200, T + 1_000);
    expect(more).toBeLessThanOrEqual(Math.floor(perMinute / 60) + 2 * maxReserve(perMinute));
    expect(more).toBeGreaterThan(0);
  });

  test('a busy key costs one statement per block, not one per request', async () => {
    const a = createSharedRateLimits(() => db, { sweepEveryMs: 3_600_000 });
    const perMinute = 100_000;
    let now = 9_000_000;
    let ok = 0;
    for (let i = 0; i < 40; i++) {
      ok += await admitted([a], 'form', perMinute, 25, now);
      now += 10;
    }
    expect(ok).toBe(1_000);
    // Blocks double up to 1,000 (1%): a handful of statements, plus the first sweep.
    expect(statements).toBeLessThan(30);
    const row = await s.database.kysely.selectFrom('rate_buckets').selectAll().where('key', '=', 'form').executeTakeFirstOrThrow();
    expect(Number(row.allowed)).toBeGreaterThan(1);
  });
});
