/**
 * Real-world automatic mail: every entry with a `category` in ../shared/fixtures/email (bounces,
 * auto-replies, complaints and receipts from many MTAs and providers, and the ordinary mails
 * that must stay `customer`) is fed through the real parseEmail. Prints, per corpus and per
 * class: loop safety (automatic mail never classified `customer`), exact class, customers
 * never swallowed, failed recipients with their DSN status. Fails below the floors (set at
 * what the classifier reaches: raise them, never lower) and on any swallowed customer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classTable, formatClassTable, gradeClass, rate } from './class-grading.js';
import { fixturesAvailable, isClassEntry, loadEntries, runEntry, type EntryResult } from './fixture-corpus.js';

/** Per corpus: [loop safety, exact class, recipients] floors. */
const FLOORS: Record<string, [number, number, number]> = {
  bounce_email: [1, 1, 1],
  bounceparser: [1, 1, 32 / 34],
  discourse_mail: [1, 1, 1],
  flanker_bounces: [1, 1, 1],
  flufl_bounce: [1, 1, 88 / 93],
  php_bounce_handler: [1, 1, 1],
};
const HARD_LIMIT_MS = 2000;

const results: EntryResult[] = [];

describe('real-world automatic mail classification', () => {
  const entries = fixturesAvailable() ? loadEntries().filter(isClassEntry) : [];
  const corpora = [...new Set(entries.map((e) => e.corpus))].sort();
  const blobRoot = mkdtempSync(join(tmpdir(), 'ponte-class-blobs-'));

  afterAll(() => {
    if (results.length === 0) return;
    const failing = results
      .map((r) => ({ r, g: gradeClass(r) }))
      .filter(({ g }) => !g.exact || g.recipients === false)
      .map(
        ({ r, g }) =>
          `  ${r.entry.corpus}/${r.entry.file}: want ${r.entry.category} got ${r.classification} (${r.reason})${g.recipientFailures.length ? `; ${g.recipientFailures.join(', ')}` : ''}`,
      );
    const report = [
      formatClassTable(
        'Classification per corpus',
        classTable(results, (r) => r.entry.corpus),
      ),
      '',
      formatClassTable(
        'Classification per class',
        classTable(results, (r) => r.entry.category!),
      ),
      '',
      formatClassTable(
        'Classification, all corpora',
        classTable(results, () => 'all'),
      ),
      ...(failing.length ? ['', 'Not exact (or recipients missing):', ...failing] : []),
    ].join('\n');
    process.stdout.write(`\n${report}\n\n`);
  });

  it('has the six classification corpora', () => {
    expect(corpora).toEqual(Object.keys(FLOORS).sort());
  });

  it.each(Object.keys(FLOORS).sort())(
    '%s: loop safety, exact class and recipients at or above their floors; no customer swallowed',
    async (corpus) => {
      const own: EntryResult[] = [];
      for (const entry of entries.filter((e) => e.corpus === corpus)) {
        const r = await runEntry(entry, blobRoot);
        own.push(r);
        results.push(r);
      }
      expect(own.length).toBeGreaterThan(0);
      expect(own.filter((r) => r.error !== undefined).map((r) => `${r.entry.file}: ${r.error}`)).toEqual([]);
      expect(own.filter((r) => r.ms > HARD_LIMIT_MS).map((r) => `${r.entry.file} took ${r.ms.toFixed(0)} ms`)).toEqual([]);
      const swallowed = own
        .filter((r) => gradeClass(r).customerKept === false)
        .map((r) => `${r.entry.file}: ${r.classification} (${r.reason})`);
      expect(swallowed).toEqual([]);
      const row = classTable(own, () => corpus)[0]!;
      const [loopFloor, exactFloor, recipientFloor] = FLOORS[corpus]!;
      expect(rate(row.loopSafe)).toBeGreaterThanOrEqual(loopFloor - 1e-9);
      expect(rate(row.exact)).toBeGreaterThanOrEqual(exactFloor - 1e-9);
      expect(rate(row.recipients)).toBeGreaterThanOrEqual(recipientFloor - 1e-9);
    },
  );
});
