import { createInsertGathering, type InlineRow } from './inline-blob-store.js';

const row = (key: string): InlineRow => ({ key, bytes: Buffer.from(key), createdAt: 0 });

describe('inline puts gathered into one insert', () => {
  test('puts handed in together share one insert; a duplicate key is written once; each caller is answered', async () => {
    const inserts: string[][] = [];
    const put = createInsertGathering(async (rows) => {
      inserts.push(rows.map((r) => r.key));
    });
    await Promise.all([put(row('a')), put(row('b')), put(row('a')), put(row('c'))]);
    expect(inserts).toEqual([['a', 'b', 'c']]);
    await put(row('d'));
    expect(inserts).toEqual([['a', 'b', 'c'], ['d']]);
  });

  test('when the shared insert fails, each row is tried alone: only the bad one is refused', async () => {
    const written: string[] = [];
    const put = createInsertGathering(async (rows) => {
      if (rows.some((r) => r.key === 'bad')) throw new Error('refused by the database');
      written.push(...rows.map((r) => r.key));
    });
    const results = await Promise.allSettled([put(row('x')), put(row('bad')), put(row('y'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused by the database' });
    expect(written).toEqual(['x', 'y']);
  });
});
