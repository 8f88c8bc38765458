/**
 * Frozen: shared blob storage and full-text search (issue 15).
 * - blob_objects: blobs kept in the database (`storage.driver: postgres`); content-addressed by
 *   sha256, so a row is never updated. Created on both databases (one schema), used on PostgreSQL.
 * - Full-text search over ticket subjects and message texts, maintained by the database in the
 *   writing transaction (src/db/full-text.ts has the matching queries):
 *   SQLite: FTS5 tables message_fts(text, ticket_id) and ticket_fts(subject), tokenizer
 *   `unicode61 remove_diacritics 2`, rowid = the source row's rowid, kept by triggers; filled
 *   from the existing rows here. PostgreSQL: GIN expression indexes over a folded `simple`
 *   tsvector (no unaccent: creating an extension needs privileges a managed database may refuse).
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
const TOKENIZER = `tokenize = "unicode61 remove_diacritics 2"`;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = await isPostgres(db);
  if (pg) {
    await sql.raw(`CREATE INDEX messages_text_fts_idx ON messages USING gin ((${vector('text')}))`).execute(db);
    await sql.raw(`CREATE INDEX tickets_subject_fts_idx ON tickets USING gin ((${vector('subject')}))`).execute(db);
  } else {
    await sql.raw(`CREATE VIRTUAL TABLE message_fts USING fts5(text, ticket_id UNINDEXED, ${TOKENIZER})`).execute(db);
    await sql.raw(`CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, ${TOKENIZER})`).execute(db);
    await sql`INSERT INTO message_fts (rowid, text, ticket_id) SELECT rowid, text, ticket_id FROM messages`.execute(db);
    await sql`INSERT INTO ticket_fts (rowid, subject) SELECT rowid, subject FROM tickets`.execute(db);
    for (const stmt of [
      `CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO message_fts (rowid, text, ticket_id) VALUES (new.rowid, new.text, new.ticket_id); END`,
      `CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, ticket_id ON messages BEGIN DELETE FROM message_fts WHERE rowid = old.rowid; INSERT INTO message_fts (rowid, text, ticket_id) VALUES (new.rowid, new.text, new.ticket_id); END`,
      `CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN DELETE FROM message_fts WHERE rowid = old.rowid; END`,
      `CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN INSERT INTO ticket_fts (rowid, subject) VALUES (new.rowid, new.subject); END`,
      `CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN DELETE FROM ticket_fts WHERE rowid = old.rowid; INSERT INTO ticket_fts (rowid, subject) VALUES (new.rowid, new.subject); END`,
      `CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN DELETE FROM ticket_fts WHERE rowid = old.rowid; END`,
    ]) {
      await sql.raw(stmt).execute(db);
    }
  }
  await db.schema
    .createTable('blob_objects')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('data', pg ? sql`bytea` : sql`blob`, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (await isPostgres(db)) {
    await sql`DROP INDEX IF EXISTS messages_text_fts_idx`.execute(db);
    await sql`DROP INDEX IF EXISTS tickets_subject_fts_idx`.execute(db);
  } else {
    for (const t of [
      'messages_fts_insert',
      'messages_fts_update',
      'messages_fts_delete',
      'tickets_fts_insert',
      'tickets_fts_update',
      'tickets_fts_delete',
    ])
      await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
    await sql`DROP TABLE IF EXISTS message_fts`.execute(db);
    await sql`DROP TABLE IF EXISTS ticket_fts`.execute(db);
  }
  await db.schema.dropTable('blob_objects').execute();
}
