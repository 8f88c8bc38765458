/**
 * Frozen: trust in the core (identity comes from proof).
 * - ticket_claims: identities a sender typed but no channel proved (a form's phone beside its
 *   email); shown and searchable on the ticket, linked to a contact only by an agent or a proof.
 * - ticket_recipients: every address that received a message on a ticket (inbound To/Cc, our
 *   outbound recipients and Cc). Someone who quotes the thread must be one of them, the
 *   requester or a participant to join it.
 * - notification_digests: agent notifications beyond the hourly cap for one agent and ticket,
 *   batched into one digest instead of being dropped.
 * - messages.sender_kind: the identity kind that wrote an inbound message (was JSON metadata).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ticket_claims')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('linked_contact_id', 'varchar(26)')
    .addColumn('linked_at', 'bigint')
    .addColumn('linked_by', 'varchar(80)')
    .addColumn('verify_code_hash', 'varchar(64)')
    .addColumn('verify_expires_at', 'bigint')
    .addColumn('verify_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('ticket_claims_ticket_identity_uq', ['ticket_id', 'kind', 'address'])
    .execute();
  await db.schema.createIndex('ticket_claims_address_idx').on('ticket_claims').columns(['kind', 'address']).execute();

  await db.schema
    .createTable('ticket_recipients')
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_recipients_pk', ['ticket_id', 'kind', 'address'])
    .execute();

  await db.schema
    .createTable('notification_digests')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('agent_id', 'varchar(26)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('channel_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('recipient_kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('recipient_address', 'varchar(320)', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last_text', 'text', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notification_digests_agent_ticket_uq', ['agent_id', 'ticket_id'])
    .execute();
  await db.schema.createIndex('notification_digests_due_idx').on('notification_digests').column('due_at').execute();

  await db.schema.alterTable('messages').addColumn('sender_kind', 'varchar(20)').execute();
  await db.schema.createIndex('messages_author_agent_idx').on('messages').columns(['author_agent_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_author_agent_idx').execute();
  await db.schema.alterTable('messages').dropColumn('sender_kind').execute();
  await db.schema.dropTable('notification_digests').execute();
  await db.schema.dropTable('ticket_recipients').execute();
  await db.schema.dropTable('ticket_claims').execute();
}
