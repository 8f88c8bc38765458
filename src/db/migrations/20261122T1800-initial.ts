/** Frozen: the initial schema. One set for SQLite and PostgreSQL (schema builder only). */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('locale', 'varchar(10)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('contact_identities')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('contact_id', 'varchar(26)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('contact_identities_kind_address_uq', ['kind', 'address'])
    .execute();
  await db.schema.createIndex('contact_identities_contact_idx').on('contact_identities').column('contact_id').execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'varchar(320)')
    .addColumn('phone', 'varchar(20)')
    .addColumn('role', 'varchar(10)', (c) => c.notNull().defaultTo('agent'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('notify_channel_id', 'varchar(63)')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agents_email_idx').on('agents').column('email').execute();
  await db.schema.createIndex('agents_phone_idx').on('agents').column('phone').execute();

  await db.schema
    .createTable('counters')
    .addColumn('name', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('number', 'bigint', (c) => c.notNull().unique())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('priority', 'varchar(10)', (c) => c.notNull().defaultTo('normal'))
    .addColumn('category', 'varchar(200)')
    .addColumn('reference', 'varchar(200)')
    .addColumn('origin', 'varchar(100)')
    .addColumn('custom_fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('requester_id', 'varchar(26)', (c) => c.notNull().references('contacts.id'))
    .addColumn('assignee_id', 'varchar(26)', (c) => c.references('agents.id'))
    .addColumn('origin_channel_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('last_customer_channel_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('locale', 'varchar(10)', (c) => c.notNull())
    .addColumn('mentioned_ticket_number', 'bigint')
    .addColumn('follow_up_of', 'varchar(26)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('first_response_at', 'bigint')
    .addColumn('solved_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('last_customer_message_at', 'bigint')
    .addColumn('last_agent_reply_at', 'bigint')
    .addColumn('first_response_due_at', 'bigint')
    .addColumn('next_response_due_at', 'bigint')
    .execute();
  await db.schema.createIndex('tickets_requester_status_idx').on('tickets').columns(['requester_id', 'status']).execute();
  await db.schema.createIndex('tickets_status_idx').on('tickets').columns(['status', 'id']).execute();
  await db.schema.createIndex('tickets_reference_idx').on('tickets').column('reference').execute();
  await db.schema.createIndex('tickets_assignee_idx').on('tickets').column('assignee_id').execute();

  await db.schema
    .createTable('ticket_participants')
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('contact_id', 'varchar(26)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_participants_pk', ['ticket_id', 'contact_id'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(3)', (c) => c.notNull())
    .addColumn('visibility', 'varchar(10)', (c) => c.notNull())
    .addColumn('author_type', 'varchar(10)', (c) => c.notNull())
    .addColumn('author_contact_id', 'varchar(26)')
    .addColumn('author_agent_id', 'varchar(26)')
    .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
    .addColumn('channel_id', 'varchar(63)')
    .addColumn('external_id', 'varchar(998)')
    .addColumn('sender_address', 'varchar(320)')
    .addColumn('recipient_kind', 'varchar(20)')
    .addColumn('recipient_address', 'varchar(320)')
    .addColumn('subject', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('reply_text', 'text')
    .addColumn('quoted_text', 'text')
    .addColumn('classification', 'varchar(20)', (c) => c.notNull().defaultTo('customer'))
    .addColumn('delivery_status', 'varchar(10)')
    .addColumn('error_code', 'varchar(100)')
    .addColumn('error_message', 'text')
    .addColumn('matched_by', 'varchar(20)')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('raw_key', 'varchar(64)')
    .addColumn('parse_error', 'text')
    .addColumn('reactions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('edited_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('read_at', 'bigint')
    .addUniqueConstraint('messages_channel_external_uq', ['channel_id', 'external_id'])
    .execute();
  await db.schema.createIndex('messages_ticket_idx').on('messages').columns(['ticket_id', 'id']).execute();

  await db.schema
    .createTable('attachments')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('message_id', 'varchar(26)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('blob_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_id', 'varchar(255)')
    .addColumn('inline', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('variant', 'varchar(40)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachments_message_idx').on('attachments').column('message_id').execute();

  await db.schema
    .createTable('inbound_receipts')
    .addColumn('channel_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('external_id', 'varchar(998)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(10)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(26)')
    .addColumn('message_id', 'varchar(26)')
    .addColumn('reason', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_receipts_pk', ['channel_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('channel_state')
    .addColumn('channel_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('key', 'varchar(300)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_state_pk', ['channel_id', 'key'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('message_id', 'varchar(26)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('channel_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claim_expires_at', 'bigint')
    .addColumn('last_error_code', 'varchar(100)')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('ticket_events')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('type', 'varchar(20)', (c) => c.notNull())
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('actor_type', 'varchar(10)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(26)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_events_ticket_idx').on('ticket_events').columns(['ticket_id', 'id']).execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('timers')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('ticket_id', 'varchar(26)', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(30)', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claim_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('timers_due_idx').on('timers').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('timers_ticket_idx').on('timers').columns(['ticket_id', 'kind']).execute();

  await db.schema
    .createTable('automatic_sends')
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('automatic_sends_address_idx').on('automatic_sends').columns(['address', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'automatic_sends',
    'timers',
    'leases',
    'ticket_events',
    'outbox',
    'channel_state',
    'inbound_receipts',
    'attachments',
    'messages',
    'ticket_participants',
    'tickets',
    'counters',
    'agents',
    'contact_identities',
    'contacts',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
