/**
 * Grading of the classification corpora (bounces, auto-replies, complaints, receipts), as the
 * corpus README suggests: loop safety (automatic mail never reaches `customer`), exact class
 * (`category` or one of `also_ok`), customers never swallowed, and where the entry states
 * failed recipients, their addresses and DSN status.
 */
import type { EntryResult } from './fixture-corpus.js';

export interface ClassGrade {
  /** Non-customer entry not classified `customer` (undefined for customer entries). */
  loopSafe?: boolean;
  exact: boolean;
  /** Customer entry kept as `customer` (undefined for automatic entries). */
  customerKept?: boolean;
  /** Every stated recipient found with its status (undefined when none are stated). */
  recipients?: boolean;
  recipientFailures: string[];
}

export function gradeClass(r: EntryResult): ClassGrade {
  const e = r.entry;
  const expected = e.category!;
  const ok = r.error === undefined && (r.classification === expected || (e.also_ok ?? []).includes(r.classification));
  const grade: ClassGrade = { exact: ok, recipientFailures: [] };
  if (expected === 'customer') grade.customerKept = r.error === undefined && r.classification === 'customer';
  else grade.loopSafe = r.error === undefined && r.classification !== 'customer';
  const stated = (e.recipients ?? []).filter((x) => x.address);
  if (stated.length > 0) {
    for (const want of stated) {
      const address = want.address.toLowerCase();
      const local = address.split('@')[0]!;
      const found = r.bounceRecipients.find((got) =>
        want.address_derived ? got.address.toLowerCase().split('@')[0] === local : got.address.toLowerCase() === address,
      );
      if (!found) grade.recipientFailures.push(`missing ${want.address}`);
      else if (want.status && found.status !== want.status)
        grade.recipientFailures.push(`${want.address} status ${found.status ?? '-'} != ${want.status}`);
    }
    grade.recipients = grade.recipientFailures.length === 0;
  }
  return grade;
}

export interface ClassRow {
  key: string;
  total: number;
  loopSafe: [number, number];
  exact: [number, number];
  customerKept: [number, number];
  recipients: [number, number];
}

export function classTable(results: EntryResult[], keyOf: (r: EntryResult) => string): ClassRow[] {
  const rows = new Map<string, ClassRow>();
  for (const r of results) {
    const key = keyOf(r);
    const row = rows.get(key) ?? { key, total: 0, loopSafe: [0, 0], exact: [0, 0], customerKept: [0, 0], recipients: [0, 0] };
    const g = gradeClass(r);
    row.total++;
    const add = (cell: [number, number], v: boolean | undefined): void => {
      if (v === undefined) return;
      cell[1]++;
      if (v) cell[0]++;
    };
    add(row.loopSafe, g.loopSafe);
    add(row.exact, g.exact);
    add(row.customerKept, g.customerKept);
    add(row.recipients, g.recipients);
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export function rate(cell: [number, number]): number {
  return cell[1] === 0 ? 1 : cell[0] / cell[1];
}

export function formatClassTable(title: string, rows: ClassRow[]): string {
  const cell = (c: [number, number]): string =>
    c[1] === 0 ? '      -       '.padStart(15) : `${`${c[0]}/${c[1]}`.padStart(7)} ${`${((100 * c[0]) / c[1]).toFixed(1)}%`.padStart(6)}`;
  const lines = [
    title,
    `${'group'.padEnd(20)} ${'loop safety'.padStart(15)} ${'exact class'.padStart(15)} ${'customer kept'.padStart(15)} ${'recipients'.padStart(15)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.key.padEnd(20)} ${cell(r.loopSafe).padStart(15)} ${cell(r.exact).padStart(15)} ${cell(r.customerKept).padStart(15)} ${cell(r.recipients).padStart(15)}`,
    );
  }
  return lines.join('\n');
}
