/**
 * Full-text search over ticket subjects and message texts, kept by the database in the writing
 * transaction itself (issue 15):
 * - SQLite: FTS5 tables `message_fts` (text, ticket_id) and `ticket_fts` (subject) with the
 *   `unicode61 remove_diacritics 2` tokenizer (case and accents folded), rowid = the source row's
 *   rowid, filled by triggers on insert, update and delete (migration 20261130T1310).
 * - PostgreSQL: GIN expression indexes over `to_tsvector('simple', <folded text>)`, where the
 *   folded text is search-fold's translate(lower(x)) with every run of non-alphanumerics made one
 *   space (the `unaccent` extension needs privileges a managed database may refuse; the folding
 *   is the same one the LIKE searches use). The query must repeat the indexed expression exactly.
 *
 * What an agent types becomes a phrase of its words, the last one a prefix: `nao cheg` finds
 * "Não chegou ainda". Words match from their start (no longer in the middle of a word, as LIKE did).
 */
import { type RawBuilder, sql } from 'kysely';
import { foldText } from './search-fold.js';

/** Frozen with the indexes of migration 20261130T1310 (a change needs a new migration rebuilding them). */
const INDEX_FOLD_FROM = 'áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ';
const INDEX_FOLD_TO = 'aaaaaaeeeeiiiiooooouuuucnyyaaaaaaeeeeiiiiooooouuuucny';

/** Words of what was typed, folded like the index: letters and digits runs. */
export function searchWords(typed: string): string[] {
  return (
    foldText(typed)
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 16) ?? []
  );
}

/** FTS5 MATCH string: one phrase of the words, prefix on the last (`"nao cheg" *`). */
export function fts5Phrase(words: string[]): string {
  return `"${words.join(' ')}" *`;
}

/** to_tsquery text: words in sequence, prefix on the last (`nao <-> cheg:*`). */
export function tsPhrase(words: string[]): string {
  return words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' <-> ');
}

/** The indexed PostgreSQL expression for `alias.column` (literally the one migrations 20261130T1310 and T1420 indexed). */
export function pgSearchVector(alias: string, column: 'text' | 'subject' | 'custom_fields'): RawBuilder<unknown> {
  if (!/^[a-z_]+$/.test(alias)) throw new Error(`not a table alias: ${alias}`);
  return sql.raw(pgSearchVectorSql(`${alias}.${column}`));
}

export function pgSearchVectorSql(column: string): string {
  return `to_tsvector('simple'::regconfig, regexp_replace(translate(lower(${column}), '${INDEX_FOLD_FROM}', '${INDEX_FOLD_TO}'), '[^[:alnum:]]+', ' ', 'g'))`;
}
