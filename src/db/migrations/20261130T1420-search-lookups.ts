/**
 * Frozen: indexed lookups for the parts of ticket search that were scans (issue 15, bench:search
 * at 1M messages spent most of a search there):
 * - requester identities and claims by the start of their address, case-insensitive: an index
 *   on lower(address) (PostgreSQL: text_pattern_ops, for `LIKE 'x%'`);
 * - a phone typed without its country code ("(21) 98888-7777" for +5521988887777): an index on
 *   the last six digits of the address's local part ('+' dropped, '@...' cut), the rest of the
 *   suffix checked on the few rows it finds;
 * - custom-field values (a CPF typed with punctuation finds its digits): SQLite FTS5 table
 *   ticket_fields_fts(custom_fields), rowid = tickets.rowid, kept by triggers; PostgreSQL a GIN
 *   expression index over the same folded `simple` tsvector as 20261130T1310.
 * src/db/repositories/ticket-search.repository.ts repeats these expressions literally.
 */
import { sql, type Kysely } from 'kysely';

const isPostgres = async (db: Kysely<any>): Promise<boolean> => {
  const res = await sql<{ v: string }>`select version() as v`.execute(db).catch(() => undefined);
  return !!res?.rows[0]?.v.includes('PostgreSQL');
};

const FOLD_FROM = 'áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ';
const FOLD_TO = 'aaaaaaeeeeiiiiooooouuuucnyyaaaaaaeeeeiiiiooooouuuucny';
const vector = (column: string): string =>
  `to_tsvector('simple'::regconfig, regexp_replace(translate(lower(${column}), '${FOLD_FROM}', '${FOLD_TO}'), '[^[:alnum:]]+', ' ', 'g'))`;
const SQLITE_TAIL = `substr(replace(substr(address, 1, instr(address || '@', '@') - 1), '+', ''), -6)`;
const PG_TAIL = `right(replace(split_part(address, '@', 1), '+', ''), 6)`;
const TOKENIZER = `tokenize = "unicode61 remove_diacritics 2"`;
const TABLES = ['contact_identities', 'ticket_claims'];

export async function up(db: Kysely<any>): Promise<void> {
  const pg = await isPostgres(db);
  for (const t of TABLES) {
    await sql
      .raw(
        pg
          ? `CREATE INDEX ${t}_lower_idx ON ${t} (lower(address) text_pattern_ops)`
          : `CREATE INDEX ${t}_lower_idx ON ${t} (lower(address))`,
      )
      .execute(db);
    await sql.raw(`CREATE INDEX ${t}_tail_idx ON ${t} ((${pg ? PG_TAIL : SQLITE_TAIL}))`).execute(db);
  }
  if (pg) {
    await sql.raw(`CREATE INDEX tickets_fields_fts_idx ON tickets USING gin ((${vector('custom_fields')}))`).execute(db);
    return;
  }
  await sql.raw(`CREATE VIRTUAL TABLE ticket_fields_fts USING fts5(custom_fields, ${TOKENIZER})`).execute(db);
  await sql`INSERT INTO ticket_fields_fts (rowid, custom_fields) SELECT rowid, custom_fields FROM tickets WHERE custom_fields <> '{}'`.execute(
    db,
  );
  for (const stmt of [
    `CREATE TRIGGER tickets_fields_fts_insert AFTER INSERT ON tickets WHEN new.custom_fields <> '{}' BEGIN INSERT INTO ticket_fields_fts (rowid, custom_fields) VALUES (new.rowid, new.custom_fields); END`,
    `CREATE TRIGGER tickets_fields_fts_update AFTER UPDATE OF custom_fields ON tickets BEGIN DELETE FROM ticket_fields_fts WHERE rowid = old.rowid; INSERT INTO ticket_fields_fts (rowid, custom_fields) SELECT new.rowid, new.custom_fields WHERE new.custom_fields <> '{}'; END`,
    `CREATE TRIGGER tickets_fields_fts_delete AFTER DELETE ON tickets BEGIN DELETE FROM ticket_fields_fts WHERE rowid = old.rowid; END`,
  ]) {
    await sql.raw(stmt).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = await isPostgres(db);
  if (pg) {
    await sql`DROP INDEX IF EXISTS tickets_fields_fts_idx`.execute(db);
  } else {
    for (const t of ['tickets_fields_fts_insert', 'tickets_fields_fts_update', 'tickets_fields_fts_delete'])
      await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
    await sql`DROP TABLE IF EXISTS ticket_fields_fts`.execute(db);
  }
  for (const t of TABLES) {
    await sql.raw(`DROP INDEX IF EXISTS ${t}_lower_idx`).execute(db);
    await sql.raw(`DROP INDEX IF EXISTS ${t}_tail_idx`).execute(db);
  }
}
