/**
 * Real-world reply extraction: every reply entry (one with `core` assertions) of the 13
 * corpora in ../shared/fixtures/email/* /expected.json is fed
 * through the real parseEmail (body-only fixtures wrapped into a minimal message as the corpus
 * README prescribes) and the stored reply text is compared with loose(). Prints the pass rate
 * per corpus and per language (core and soft); fails when a corpus drops under its floor or an
 * entry exceeds its max_ms (a hang is a failure).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALL_CORPORA,
  FIXTURES_ROOT,
  fixturesAvailable,
  formatTable,
  isReplyEntry,
  loadEntries,
  rateTable,
  runEntry,
  type EntryResult,
} from './fixture-corpus.js';

/** Core pass-rate floors per corpus, set at what the parser reaches (raise them, never lower). */
const FLOORS: Record<string, number> = {
  crisp_reply_parser: 80 / 80,
  discourse_mail: 16 / 18,
  email_reply_parser: 53 / 53,
  email_reply_trimmer: 59 / 64,
  mail_parser_reply: 19 / 19,
  quotequail: 5 / 5,
  reply_parser_ports: 45 / 46,
  talon: 28 / 29,
};
/** No entry may take longer than this, whatever its own max_ms says. */
const HARD_LIMIT_MS = 2000;

const available = fixturesAvailable();
const results: EntryResult[] = [];

// The corpus ships in shared/ beside the repository (CI clones it there); missing means failing.
describe('real-world reply fixtures', () => {
  const all = available ? loadEntries() : [];
  const entries = all.filter(isReplyEntry);
  const corpora = [...new Set(entries.map((e) => e.corpus))];
  const blobRoot = mkdtempSync(join(tmpdir(), 'ponte-fixture-blobs-'));

  afterAll(() => {
    if (results.length === 0) return;
    const failing = results
      .filter((r) => r.coreFailures.length > 0)
      .map(
        (r) =>
          `  core FAIL ${r.entry.corpus}/${r.entry.file}: ${r.coreFailures.join('; ')}\n    visible: ${JSON.stringify(r.visible.slice(0, 200))}`,
      );
    const report = [
      formatTable(
        'Reply extraction, pass rate per corpus',
        rateTable(results, (r) => r.entry.corpus),
      ),
      '',
      formatTable(
        'Reply extraction, pass rate per language',
        rateTable(results, (r) => r.entry.lang ?? '-'),
      ),
      formatTable(
        'Reply extraction, all corpora',
        rateTable(results, () => 'all'),
      ),
      ...(failing.length ? ['', 'Core failures:', ...failing] : []),
    ].join('\n');
    process.stdout.write(`\n${report}\n\n`);
  });

  it('has all 13 corpora, and a floor for every reply corpus', () => {
    expect({ root: FIXTURES_ROOT, available }).toEqual({ root: FIXTURES_ROOT, available: true });
    expect([...new Set(all.map((e) => e.corpus))].sort()).toEqual(ALL_CORPORA);
    expect(corpora.sort()).toEqual(Object.keys(FLOORS).sort());
  });

  it.each(corpora)('%s: core pass rate at or above its floor, every entry within its time limit', async (corpus) => {
    const own: EntryResult[] = [];
    for (const entry of entries.filter((e) => e.corpus === corpus)) {
      const r = await runEntry(entry, blobRoot);
      own.push(r);
      results.push(r);
    }
    const slow = own
      .filter((r) => r.ms > Math.min(HARD_LIMIT_MS, r.entry.core.max_ms ?? HARD_LIMIT_MS))
      .map((r) => `${r.entry.file} took ${r.ms.toFixed(0)} ms`);
    expect(slow).toEqual([]);
    const crashed = own.filter((r) => r.error !== undefined).map((r) => `${r.entry.file}: ${r.error}`);
    expect(crashed).toEqual([]);
    const passed = own.filter((r) => r.coreFailures.length === 0).length;
    const rate = passed / own.length;
    expect(own.length).toBeGreaterThan(0);
    expect(rate).toBeGreaterThanOrEqual(FLOORS[corpus]! - 1e-9);
  });
});
