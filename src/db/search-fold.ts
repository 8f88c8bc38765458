/**
 * Search that forgives what an agent types: case and accents ("nao" finds "não"), and the
 * punctuation of documents and phone numbers ("529.982.247-25" finds the CPF stored as digits).
 * The same folding runs in SQL on both databases: PostgreSQL's `translate(lower(x), from, to)`,
 * and on SQLite a `translate` function with the same meaning that `createDatabase` registers.
 */
import { type RawBuilder, sql } from 'kysely';

/** Accented letters (both cases: SQLite's lower() folds ASCII only) and what they fold to. */
export const FOLD_FROM = 'áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ';
export const FOLD_TO = 'aaaaaaeeeeiiiiooooouuuucnyyaaaaaaeeeeiiiiooooouuuucny';

const MAP = new Map<string, string>([...FOLD_FROM].map((c, i) => [c, FOLD_TO[i]!]));

/** PostgreSQL's translate(): each char of `from` becomes the char at the same place in `to` (dropped past its end). */
export function translate(s: string | null, from: string, to: string): string | null {
  if (s === null || s === undefined) return null;
  const f = [...from];
  const t = [...to];
  let out = '';
  for (const c of s) {
    const i = f.indexOf(c);
    if (i < 0) out += c;
    else if (i < t.length) out += t[i];
  }
  return out;
}

/** What the SQL side computes for a column, in JavaScript (for needles). */
export function foldText(s: string): string {
  let out = '';
  for (const c of s.toLowerCase()) out += MAP.get(c) ?? c;
  return out;
}

export function folded(column: RawBuilder<unknown> | string): RawBuilder<string> {
  const ref = typeof column === 'string' ? sql.ref(column) : column;
  return sql<string>`translate(lower(${ref}), ${FOLD_FROM}, ${FOLD_TO})`;
}

/** "529.982.247-25" -> "52998224725", "(11) 98765-4321" -> "11987654321"; undefined when it is not such a value. */
export function digitsOf(typed: string): string | undefined {
  if (!/^[\d\s.\-/()+]+$/.test(typed)) return undefined;
  const digits = typed.replace(/\D/g, '');
  return digits.length >= 6 ? digits : undefined;
}
