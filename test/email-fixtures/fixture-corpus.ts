/**
 * Loads the real-world corpora in ../shared/fixtures/email (reply extraction and
 * bounce/auto-reply/complaint classification) and scores the email parser against them (see
 * that folder's README: how each entry is fed, loose() comparison, core vs soft assertions,
 * max_ms, category / also_ok / recipients).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEmail } from '../../channels/email/parse/index.js';
import { createBlobStore } from '../../src/storage/blob-store.js';

export const FIXTURES_ROOT = resolve(process.cwd(), '..', 'shared', 'fixtures', 'email');

/** All 13 corpora of the fixture folder (reply and classification). */
export const ALL_CORPORA = [
  'bounce_email',
  'bounceparser',
  'crisp_reply_parser',
  'discourse_mail',
  'email_reply_parser',
  'email_reply_trimmer',
  'flanker_bounces',
  'flufl_bounce',
  'mail_parser_reply',
  'php_bounce_handler',
  'quotequail',
  'reply_parser_ports',
  'talon',
];

interface Assertions {
  equals_any?: string[];
  starts_with?: string;
  ends_with?: string;
  contains?: string[];
  not_contains?: string[];
  max_ms?: number;
  no_crash?: boolean;
  note?: string;
}

export interface ExpectedRecipient {
  address: string;
  status?: string;
  action?: string;
  address_derived?: boolean;
}

export interface FixtureEntry {
  corpus: string;
  file: string;
  input: 'eml' | 'text_body' | 'text_body_qp' | 'html_body';
  lang?: string;
  sender?: string;
  core: Assertions;
  soft: Assertions;
  exclude?: boolean;
  /** Classification corpora: Ponte's class, other accepted classes, failed recipients. */
  category?: string | null;
  also_ok?: string[];
  recipients?: ExpectedRecipient[] | null;
}

export interface EntryResult {
  entry: FixtureEntry;
  visible: string;
  classification: string;
  reason: string;
  bounceRecipients: Array<{ address: string; status?: string; action?: string }>;
  ms: number;
  error?: string;
  coreFailures: string[];
  softFailures: string[];
  hasSoft: boolean;
}

export function fixturesAvailable(): boolean {
  return existsSync(FIXTURES_ROOT);
}

/** Entries scored on reply extraction (they carry `core` assertions). */
export function isReplyEntry(e: FixtureEntry): boolean {
  return hasAssertions(e.core);
}

/** Entries scored on classification (they carry a `category`). */
export function isClassEntry(e: FixtureEntry): boolean {
  return typeof e.category === 'string';
}

export function loadEntries(): FixtureEntry[] {
  const out: FixtureEntry[] = [];
  for (const corpus of readdirSync(FIXTURES_ROOT).sort()) {
    const path = join(FIXTURES_ROOT, corpus, 'expected.json');
    if (!existsSync(path)) continue;
    const data = JSON.parse(readFileSync(path, 'utf8')) as { entries: Array<Omit<FixtureEntry, 'corpus'>> };
    for (const e of data.entries) {
      if (e.exclude === true || e.category === null) continue;
      out.push({ ...e, corpus, core: e.core ?? {}, soft: e.soft ?? {} });
    }
  }
  return out;
}

/** Unicode NFC; CR/CRLF to LF; odd spaces to a space; whitespace runs to one space; trim. */
export function loose(s: string): string {
  return s
    .normalize('NFC')
    .replace(/\r\n?/gu, '\n')
    .replace(/[\u00a0\u200b\u200e\u200f\u202a-\u202e\ufeff]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

function fileTag(file: string): string {
  return file.replace(/[^A-Za-z0-9]+/gu, '-').replace(/^-|-$/gu, '');
}

/** Wraps a body-only fixture into a minimal message, as the corpus README prescribes. */
export function buildRaw(entry: FixtureEntry, bytes: Buffer): Buffer {
  if (entry.input === 'eml') return bytes;
  const name = entry.file.split('/').pop()!;
  const contentType = entry.input === 'html_body' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
  const cte = entry.input === 'text_body_qp' ? 'quoted-printable' : '8bit';
  const head = [
    `From: ${entry.sender ?? 'Fixture Sender <fixture@example.invalid>'}`,
    'To: support@example.invalid',
    `Subject: fixture ${name}`,
    `Message-ID: <${fileTag(entry.file)}@fixture.invalid>`,
    'Date: Mon, 18 May 2026 17:02:11 +0000',
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    `Content-Transfer-Encoding: ${cte}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), bytes]);
}

function check(a: Assertions, visible: string, ms: number, crashed: boolean): string[] {
  const failures: string[] = [];
  const v = loose(visible);
  if (crashed) failures.push('crashed');
  if (a.equals_any && !a.equals_any.some((x) => loose(x) === v)) failures.push('equals_any');
  if (a.starts_with !== undefined && !v.startsWith(loose(a.starts_with)))
    failures.push(`starts_with ${JSON.stringify(a.starts_with.slice(0, 40))}`);
  if (a.ends_with !== undefined && !v.endsWith(loose(a.ends_with))) failures.push(`ends_with ${JSON.stringify(a.ends_with.slice(0, 40))}`);
  for (const c of a.contains ?? []) if (!v.includes(loose(c))) failures.push(`contains ${JSON.stringify(c.slice(0, 50))}`);
  for (const c of a.not_contains ?? []) if (v.includes(loose(c))) failures.push(`not_contains ${JSON.stringify(c.slice(0, 50))}`);
  if (a.max_ms !== undefined && ms > a.max_ms) failures.push(`max_ms ${a.max_ms} (took ${ms.toFixed(0)})`);
  return failures;
}

function hasAssertions(a: Assertions): boolean {
  return Boolean(
    a.equals_any ||
      a.starts_with !== undefined ||
      a.ends_with !== undefined ||
      a.contains ||
      a.not_contains ||
      a.max_ms !== undefined ||
      a.no_crash,
  );
}

export async function runEntry(entry: FixtureEntry, blobRoot?: string): Promise<EntryResult> {
  const bytes = readFileSync(join(FIXTURES_ROOT, entry.corpus, entry.file));
  const raw = buildRaw(entry, bytes);
  const blobs = createBlobStore(blobRoot ?? mkdtempSync(join(tmpdir(), 'ponte-fixture-blobs-')));
  let visible = '';
  let classification = '';
  let reason = '';
  let bounceRecipients: EntryResult['bounceRecipients'] = [];
  let error: string | undefined;
  const t0 = performance.now();
  try {
    const parsed = await parseEmail(raw, { blobs, maxAttachmentBytes: 10 * 1024 * 1024, supportAddresses: ['support@example.invalid'] });
    visible = parsed.message.replyText ?? parsed.message.text ?? '';
    classification = parsed.classification;
    reason = String((parsed.message.metadata as Record<string, unknown> | undefined)?.classificationReason ?? '');
    bounceRecipients = parsed.bounce?.recipients ?? [];
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const ms = performance.now() - t0;
  const result: EntryResult = {
    entry,
    visible,
    classification,
    reason,
    bounceRecipients,
    ms,
    coreFailures: check(entry.core, visible, ms, error !== undefined),
    softFailures: check(entry.soft, visible, ms, error !== undefined),
    hasSoft: hasAssertions(entry.soft),
  };
  if (error !== undefined) result.error = error;
  return result;
}

export interface RateRow {
  key: string;
  coreTotal: number;
  corePass: number;
  softTotal: number;
  softPass: number;
}

export function rateTable(results: EntryResult[], keyOf: (r: EntryResult) => string): RateRow[] {
  const rows = new Map<string, RateRow>();
  for (const r of results) {
    const key = keyOf(r);
    const row = rows.get(key) ?? { key, coreTotal: 0, corePass: 0, softTotal: 0, softPass: 0 };
    row.coreTotal++;
    if (r.coreFailures.length === 0) row.corePass++;
    if (r.hasSoft) {
      row.softTotal++;
      if (r.softFailures.length === 0) row.softPass++;
    }
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export function formatTable(title: string, rows: RateRow[]): string {
  const pct = (p: number, t: number): string => (t === 0 ? '   -  ' : `${((100 * p) / t).toFixed(1).padStart(5)}%`);
  const lines = [title, `${'group'.padEnd(22)} core pass/total        soft pass/total`];
  for (const r of rows) {
    lines.push(
      `${r.key.padEnd(22)} ${`${r.corePass}/${r.coreTotal}`.padStart(7)} ${pct(r.corePass, r.coreTotal)}    ${`${r.softPass}/${r.softTotal}`.padStart(7)} ${pct(r.softPass, r.softTotal)}`,
    );
  }
  return lines.join('\n');
}
