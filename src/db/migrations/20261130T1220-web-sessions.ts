/**
 * Frozen: the web console's sign-in state, in the database so several gateway processes share it.
 * - web_sessions: one row per signed-in browser; `id` is the sha256 of the cookie value (a stolen
 *   database does not yield usable cookies). Signing out everywhere deletes an agent's rows.
 * - agent_credentials: scrypt password hashes, apart from `agents` (the API never selects them).
 * - login_attempts: failed sign-ins per account and per IP in a window, with a lock-out time.
 * - web_tokens: one-time links (invitation / password reset), sha256 of the token as the key.
 * - ticket_reads: when an agent last opened a ticket (the inbox's unread marker).
 * - indexes for the console's inbox orders (last activity, SLA due) and its live "changes since"
 *   queries.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('web_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('agent_id', 'varchar(26)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('user_agent', 'varchar(300)')
    .addColumn('ip', 'varchar(64)')
    .execute();
  await db.schema.createIndex('web_sessions_agent_idx').on('web_sessions').column('agent_id').execute();

  await db.schema
    .createTable('agent_credentials')
    .addColumn('agent_id', 'varchar(26)', (c) => c.primaryKey().references('agents.id').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(300)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('login_attempts')
    .addColumn('key', 'varchar(400)', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .execute();

  await db.schema
    .createTable('web_tokens')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('agent_id', 'varchar(26)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('ticket_reads')
    .addColumn('agent_id', 'varchar(26)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('read_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_reads_pk', ['agent_id', 'ticket_id'])
    .execute();

  await db.schema.createIndex('tickets_updated_idx').on('tickets').columns(['updated_at', 'id']).execute();
  await db.schema.createIndex('outbox_updated_idx').on('outbox').column('updated_at').execute();
  await db.schema.createIndex('tickets_first_due_idx').on('tickets').columns(['first_response_due_at', 'id']).execute();
  await db.schema.createIndex('tickets_next_due_idx').on('tickets').columns(['next_response_due_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tickets_next_due_idx').execute();
  await db.schema.dropIndex('tickets_first_due_idx').execute();
  await db.schema.dropIndex('outbox_updated_idx').execute();
  await db.schema.dropIndex('tickets_updated_idx').execute();
  await db.schema.dropTable('ticket_reads').execute();
  await db.schema.dropTable('web_tokens').execute();
  await db.schema.dropTable('login_attempts').execute();
  await db.schema.dropTable('agent_credentials').execute();
  await db.schema.dropTable('web_sessions').execute();
}
