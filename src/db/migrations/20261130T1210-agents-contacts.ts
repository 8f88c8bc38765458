/**
 * Frozen: agent lifecycle, audit, single-use uploads, contact merges, safe attachment names.
 * - agents.token_expires_at / token_created_at / disabled_at: a token can expire and be rotated;
 *   a disabled agent (active = 0) is refused with `agent_disabled` and is never an agent on a channel.
 * - audit_log: who (actor) did what (action) to what (target), when, with a JSON detail
 *   (evidence for contact links and merges). Written in the same transaction as the change.
 * - used_upload_tokens: ids of upload tokens already attached to a message (single use, across
 *   processes); rows past their token's expiry can be deleted.
 * - contact_merges: what a merge moved (identities, tickets, participation, authorship) and the
 *   dropped contact as it was, so the merge can be undone.
 * - attachments.original_filename / declared_content_type: what the sender declared; `filename`
 *   and `content_type` hold the safe display name and the validated media type.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('token_expires_at', 'bigint').execute();
  await db.schema.alterTable('agents').addColumn('token_created_at', 'bigint').execute();
  await db.schema.alterTable('agents').addColumn('disabled_at', 'bigint').execute();

  await db.schema.alterTable('attachments').addColumn('original_filename', 'text').execute();
  await db.schema.alterTable('attachments').addColumn('declared_content_type', 'text').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('actor_type', 'varchar(10)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(80)')
    .addColumn('action', 'varchar(40)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(20)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target_type', 'target_id']).execute();

  await db.schema
    .createTable('used_upload_tokens')
    .addColumn('token_id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('agent_id', 'varchar(26)', (c) => c.notNull())
    .addColumn('message_id', 'varchar(26)')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('contact_merges')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('kept_contact_id', 'varchar(26)', (c) => c.notNull())
    .addColumn('dropped_contact_id', 'varchar(26)', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(26)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('undone_at', 'bigint')
    .addColumn('undone_by', 'varchar(26)')
    .execute();
  await db.schema.createIndex('contact_merges_kept_idx').on('contact_merges').column('kept_contact_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contact_merges').execute();
  await db.schema.dropTable('used_upload_tokens').execute();
  await db.schema.dropTable('audit_log').execute();
  await db.schema.alterTable('attachments').dropColumn('declared_content_type').execute();
  await db.schema.alterTable('attachments').dropColumn('original_filename').execute();
  await db.schema.alterTable('agents').dropColumn('disabled_at').execute();
  await db.schema.alterTable('agents').dropColumn('token_created_at').execute();
  await db.schema.alterTable('agents').dropColumn('token_expires_at').execute();
}
