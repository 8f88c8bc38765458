/**
 * Frozen: the customer portal (src/web/portal).
 * - portal_sessions: one row per signed-in customer browser; `id` is the sha256 of the cookie.
 *   A session names a proven identity (kind + address), never a contact id: the contact is looked
 *   up on every request, so a merge or an unlinked identity takes effect at once.
 * - portal_sign_in_tokens: one-time sign-in links/codes (sha256 of each), bounded attempts.
 * - portal_used_signatures: merchant-signed links already used (replay guard until they expire).
 * - portal_contact_settings: the customer's notification choice (every update / only when their
 *   answer is needed) and the organization a merchant's signed link put them in.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('portal_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('brand', 'varchar(64)', (c) => c.notNull())
    .addColumn('identity_kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('identity_address', 'varchar(320)', (c) => c.notNull())
    .addColumn('organization', 'varchar(200)')
    .addColumn('via', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('user_agent', 'varchar(300)')
    .addColumn('ip', 'varchar(64)')
    .execute();
  await db.schema
    .createIndex('portal_sessions_identity_idx')
    .on('portal_sessions')
    .columns(['identity_kind', 'identity_address'])
    .execute();
  await db.schema.createIndex('portal_sessions_expires_idx').on('portal_sessions').column('expires_at').execute();

  await db.schema
    .createTable('portal_sign_in_tokens')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('brand', 'varchar(64)', (c) => c.notNull())
    .addColumn('identity_kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('identity_address', 'varchar(320)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('portal_sign_in_tokens_identity_idx')
    .on('portal_sign_in_tokens')
    .columns(['identity_kind', 'identity_address', 'created_at'])
    .execute();

  await db.schema
    .createTable('portal_used_signatures')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('portal_contact_settings')
    .addColumn('contact_id', 'varchar(26)', (c) => c.primaryKey().references('contacts.id').onDelete('cascade'))
    .addColumn('notify', 'varchar(20)', (c) => c.notNull())
    .addColumn('organization', 'varchar(200)')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('portal_contact_settings_org_idx').on('portal_contact_settings').column('organization').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('portal_contact_settings').execute();
  await db.schema.dropTable('portal_used_signatures').execute();
  await db.schema.dropTable('portal_sign_in_tokens').execute();
  await db.schema.dropTable('portal_sessions').execute();
}
