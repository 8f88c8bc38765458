/**
 * Frozen: shared blob storage and full-text search (issue 15).
 * - blob_objects: blobs kept in the database (`storage.driver: postgres`); content-addressed by
 *   sha256, so a row is never updated. Created on both databases (one schema), used on PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';

const isPostgres = async (db: Kysely<any>): Promise<boolean> => {
  const res = await sql<{ v: string }>`select version() as v`.execute(db).catch(() => undefined);
  return !!res?.rows[0]?.v.includes('PostgreSQL');
};

export async function up(db: Kysely<any>): Promise<void> {
  const pg = await isPostgres(db);
  await db.schema
    .createTable('blob_objects')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('data', pg ? sql`bytea` : sql`blob`, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('blob_objects').execute();
}
