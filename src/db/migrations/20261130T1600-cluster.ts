/**
 * Frozen: several gateway processes on one database (issue 15).
 * - leases.epoch: a fencing number that grows by one each time a lease passes to a new holder
 *   (a renewal by the same holder keeps it). A release keeps the row (holder '') so the epoch
 *   never goes back to 1.
 * - rate_buckets: token buckets shared by every process (web form limits on PostgreSQL);
 *   `allowed` is the answer of the last take, written in the same atomic update.
 * - PostgreSQL only: statement triggers on tickets, messages and outbox send
 *   `NOTIFY ponte_changes` (payload: the table) so live feeds in every process poll at once;
 *   PostgreSQL folds identical notifications of one transaction into one, delivered at commit.
 */
import { sql, type Kysely } from 'kysely';

const isPostgres = async (db: Kysely<any>): Promise<boolean> => {
  const res = await sql<{ v: string }>`select version() as v`.execute(db).catch(() => undefined);
  return !!res?.rows[0]?.v.includes('PostgreSQL');
};

const NOTIFY_TABLES = ['tickets', 'messages', 'outbox'];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('leases')
    .addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('rate_buckets')
    .addColumn('key', 'varchar(300)', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('allowed', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('rate_buckets_at_idx').on('rate_buckets').column('at').execute();
  if (await isPostgres(db)) {
    await sql
      .raw(
        `CREATE FUNCTION ponte_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('ponte_changes', TG_TABLE_NAME); RETURN NULL; END $$`,
      )
      .execute(db);
    for (const t of NOTIFY_TABLES) {
      await sql
        .raw(`CREATE TRIGGER ${t}_notify_change AFTER INSERT OR UPDATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ponte_notify_change()`)
        .execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (await isPostgres(db)) {
    for (const t of NOTIFY_TABLES) await sql.raw(`DROP TRIGGER IF EXISTS ${t}_notify_change ON ${t}`).execute(db);
    await sql`DROP FUNCTION IF EXISTS ponte_notify_change()`.execute(db);
  }
  await db.schema.dropTable('rate_buckets').execute();
  await db.schema.alterTable('leases').dropColumn('epoch').execute();
}
