/**
 * The "same-work" ceiling of bench/webhook.bench.ts: the rows Ponte's intake writes for one new
 * form ticket, written by bare better-sqlite3 prepared statements into a database migrated with
 * Ponte's own migrations (so the same indexes, triggers and full-text tables), one transaction per
 * submission: the raw payload row, the receipt check, the contact lookup (and the new contact with
 * its identity), the open-ticket lookup, the ticket number, the ticket, its event, the message, the
 * phone claim and the receipt. What Ponte costs beyond this is its own overhead (HTTP checks,
 * signature, validation, the ingest steps' JS, kysely).
 */
import { createHash, randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';

export interface SameWorkSubmission {
  nome?: string;
  email?: string;
  telefone?: string;
  motivo?: string;
  pedido?: string;
  mensagem?: string;
}

/** Migrates `path` with Ponte's migrations, then opens it bare (same pragmas as the app). */
export async function openSameWork(path: string): Promise<{ db: SQLite.Database; write: (s: SameWorkSubmission, raw: string) => number }> {
  const migrated = createDatabase({ driver: 'sqlite', path });
  await migrateToLatest(migrated);
  await migrated.destroy();
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const s = {
    blob: db.prepare('insert into blob_objects (key, size, data, created_at) values (?, ?, ?, ?) on conflict (key) do nothing'),
    known: db.prepare(
      `select 'receipt' as kind from inbound_receipts where channel_id = ? and external_id = ?
       union all select 'stored' from messages where channel_id = ? and external_id = ?`,
    ),
    identity: db.prepare('select contact_id from contact_identities where kind = ? and address = ?'),
    contact: db.prepare('insert into contacts (id, name, locale, created_at, updated_at) values (?, ?, null, ?, ?)'),
    identityInsert: db.prepare(
      'insert into contact_identities (id, contact_id, kind, address, created_at) values (?, ?, ?, ?, ?) on conflict (kind, address) do nothing',
    ),
    open: db.prepare(
      `select id from tickets where requester_id = ? and status in ('new', 'open', 'pending') and category = ? and reference = ? order by id desc`,
    ),
    counter: db.prepare(`update counters set value = value + 1 where name = 'ticket_number' returning value`),
    ticket: db.prepare(
      `insert into tickets (id, number, subject, status, priority, category, reference, origin, custom_fields, requester_id,
       origin_channel_id, last_customer_channel_id, locale, created_at, updated_at, status_changed_at, last_customer_message_at)
       values (?, ?, ?, 'new', 'normal', ?, ?, 'marketplace', '{}', ?, 'bench-form', 'bench-form', 'pt-BR', ?, ?, ?, ?)`,
    ),
    event: db.prepare(
      `insert into ticket_events (id, ticket_id, type, from_value, to_value, actor_type, actor_id, created_at)
       values (?, ?, 'created', null, 'new', 'customer', ?, ?)`,
    ),
    message: db.prepare(
      `insert into messages (id, ticket_id, direction, visibility, author_type, author_contact_id, purpose, channel_id, external_id,
       sender_address, sender_kind, subject, text, classification, matched_by, metadata, raw_key, reactions, created_at)
       values (?, ?, 'in', 'public', 'customer', ?, 'message', 'bench-form', ?, ?, 'email', ?, ?, 'customer', 'new_ticket', ?, ?, '[]', ?)`,
    ),
    claim: db.prepare(
      `insert into ticket_claims (id, ticket_id, kind, address, display_name, created_at) values (?, ?, 'phone', ?, ?, ?)
       on conflict (ticket_id, kind, address) do nothing`,
    ),
    receipt: db.prepare(
      `insert into inbound_receipts (channel_id, external_id, outcome, ticket_id, message_id, reason, received_at)
       values ('bench-form', ?, 'created', ?, ?, null, ?)`,
    ),
  };
  db.prepare(`insert into counters (name, value) values ('ticket_number', 10000) on conflict (name) do nothing`).run();
  const write = db.transaction((f: SameWorkSubmission, raw: string): number => {
    const now = Date.now();
    const bytes = Buffer.from(raw);
    const rawKey = createHash('sha256').update(bytes).digest('hex');
    const externalId = `webform:sig:${rawKey}`;
    s.blob.run(rawKey, bytes.length, bytes, now);
    if (s.known.get('bench-form', externalId, 'bench-form', externalId)) return 0;
    const email = String(f.email ?? '').toLowerCase();
    let contactId = (s.identity.get('email', email) as { contact_id: string } | undefined)?.contact_id;
    if (!contactId) {
      contactId = randomUUID();
      s.contact.run(contactId, f.nome ?? null, now, now);
      s.identityInsert.run(randomUUID(), contactId, 'email', email, now);
    }
    const category = String(f.motivo ?? '');
    const reference = String(f.pedido ?? '');
    s.open.all(contactId, category, reference);
    const number = (s.counter.get() as { value: number }).value;
    const ticketId = randomUUID();
    const subject = `${category} (${reference})`;
    s.ticket.run(ticketId, number, subject, category, reference, contactId, now, now, now, now);
    s.event.run(randomUUID(), ticketId, contactId, now);
    const messageId = randomUUID();
    s.message.run(
      messageId,
      ticketId,
      contactId,
      externalId,
      email,
      subject,
      String(f.mensagem ?? ''),
      '{"form":"bench-form"}',
      rawKey,
      now,
    );
    s.claim.run(randomUUID(), ticketId, `+55${String(f.telefone ?? '').replace(/\D/g, '')}`, f.nome ?? null, now);
    s.receipt.run(externalId, ticketId, messageId, now);
    return number;
  });
  return { db, write };
}
