/**
 * Shared pieces of the ingest benchmark: a seeded workload (half new tickets, half replies that
 * reference an earlier message), a fast bulk preload through bare better-sqlite3, and the bare
 * better-sqlite3 loop that does the same logical work as the pipeline (the ceiling).
 */
import type SQLite from 'better-sqlite3';
import { newId } from '../../src/domain/ids.js';
import { createPrng } from '../../test/support/prng.js';

export const CHANNEL_ID = 'bench';
export const NUMBER_START = 10001;

export interface BenchMessage {
  externalId: string;
  from: string;
  subject: string;
  text: string;
  /** Set for replies: the external id of an earlier message of the same sender. */
  references: string[];
}

const BODY =
  'Olá, meu pedido ainda não chegou e o rastreio não mostra movimentação desde segunda-feira. ' +
  'Poderiam verificar com a transportadora e me dizer uma nova data de entrega? Obrigada.';

/** Even positions open new tickets; odd positions reply (by reference) to an earlier new message. */
export function buildWorkload(count: number, seed: number, tag: string): BenchMessage[] {
  const rand = createPrng(seed);
  const out: BenchMessage[] = [];
  const firsts: BenchMessage[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0 || firsts.length === 0) {
      const m: BenchMessage = {
        externalId: `<${tag}-${i}@bench.example>`,
        from: `cliente-${tag}-${i}@bench.example`,
        subject: `Pedido ${100000 + i} atrasado`,
        text: `${BODY} (${i})`,
        references: [],
      };
      firsts.push(m);
      out.push(m);
    } else {
      const target = firsts[Math.floor(rand() * firsts.length)]!;
      out.push({
        externalId: `<${tag}-${i}@bench.example>`,
        from: target.from,
        subject: `Re: ${target.subject}`,
        text: `Alguma novidade? (${i})`,
        references: [target.externalId],
      });
    }
  }
  return out;
}

/**
 * Preloads `count` existing tickets, each with its contact, identity, participant, one inbound
 * message and its receipt, in large transactions (prepared statements, no per-row round trips).
 * Leaves the ticket counter past the preloaded numbers.
 */
export function preload(db: SQLite.Database, count: number, log: (s: string) => void): void {
  if (count <= 0) return;
  const base = Date.now() - 90 * 24 * 3600_000;
  const contact = db.prepare('INSERT INTO contacts (id, name, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const identity = db.prepare('INSERT INTO contact_identities (id, contact_id, kind, address, created_at) VALUES (?, ?, ?, ?, ?)');
  const ticket = db.prepare(
    `INSERT INTO tickets (id, number, subject, status, priority, custom_fields, requester_id, origin_channel_id, last_customer_channel_id, locale, created_at, updated_at, status_changed_at, last_customer_message_at)
     VALUES (?, ?, ?, ?, 'normal', '{}', ?, ?, ?, 'pt-BR', ?, ?, ?, ?)`,
  );
  const participant = db.prepare('INSERT INTO ticket_participants (ticket_id, contact_id, created_at) VALUES (?, ?, ?)');
  const message = db.prepare(
    `INSERT INTO messages (id, ticket_id, direction, visibility, author_type, author_contact_id, purpose, channel_id, external_id, sender_address, subject, text, classification, matched_by, metadata, reactions, created_at)
     VALUES (?, ?, 'in', 'public', 'customer', ?, 'message', ?, ?, ?, ?, ?, 'customer', 'new_ticket', '{}', '[]', ?)`,
  );
  const receipt = db.prepare(
    `INSERT INTO inbound_receipts (channel_id, external_id, outcome, ticket_id, message_id, reason, received_at) VALUES (?, ?, 'created', ?, ?, NULL, ?)`,
  );
  const statuses = ['closed', 'closed', 'solved', 'pending', 'open', 'new'];
  const chunk = 20_000;
  const started = Date.now();
  for (let from = 0; from < count; from += chunk) {
    db.transaction(() => {
      for (let i = from; i < Math.min(count, from + chunk); i++) {
        const at = base + i;
        const cid = newId(at);
        const tid = newId(at);
        const mid = newId(at);
        const email = `preload-${i}@old.example`;
        const ext = `<pre-${i}@old.example>`;
        contact.run(cid, `Cliente ${i}`, 'pt-BR', at, at);
        identity.run(newId(at), cid, 'email', email, at);
        ticket.run(tid, NUMBER_START + i, `Pedido antigo ${i}`, statuses[i % statuses.length], cid, CHANNEL_ID, CHANNEL_ID, at, at, at, at);
        participant.run(tid, cid, at);
        message.run(mid, tid, cid, CHANNEL_ID, ext, email, `Pedido antigo ${i}`, `${BODY} (${i})`, at);
        receipt.run(CHANNEL_ID, ext, tid, mid, at);
      }
    })();
    if ((from / chunk) % 10 === 9)
      log(`  preloaded ${Math.min(count, from + chunk)} tickets (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  db.prepare(`INSERT INTO counters (name, value) VALUES ('ticket_number', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`).run(
    NUMBER_START + count - 1,
  );
}

/**
 * The ceiling: the same logical work as one pipeline ingest, in bare better-sqlite3 with prepared
 * statements, one transaction per message: de-duplicate, find or create the contact, find the
 * ticket by reference or create one (counter), store the message, touch the ticket, receipt.
 */
/** One transaction per call: a message, or a batch of messages (the batched ceiling). */
export function createBareIngest(db: SQLite.Database): (m: BenchMessage | BenchMessage[]) => void {
  const dedupe = db.prepare('SELECT 1 FROM inbound_receipts WHERE channel_id = ? AND external_id = ?');
  const findContact = db.prepare('SELECT contact_id FROM contact_identities WHERE kind = ? AND address = ?');
  const insContact = db.prepare('INSERT INTO contacts (id, name, locale, created_at, updated_at) VALUES (?, NULL, NULL, ?, ?)');
  const insIdentity = db.prepare('INSERT INTO contact_identities (id, contact_id, kind, address, created_at) VALUES (?, ?, ?, ?, ?)');
  const byRef = db.prepare('SELECT ticket_id FROM messages WHERE channel_id = ? AND external_id = ?');
  const nextNumber = db.prepare(`UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value`);
  const insTicket = db.prepare(
    `INSERT INTO tickets (id, number, subject, status, priority, custom_fields, requester_id, origin_channel_id, last_customer_channel_id, locale, created_at, updated_at, status_changed_at)
     VALUES (?, ?, ?, 'new', 'normal', '{}', ?, ?, ?, 'pt-BR', ?, ?, ?)`,
  );
  const insMessage = db.prepare(
    `INSERT INTO messages (id, ticket_id, direction, visibility, author_type, author_contact_id, purpose, channel_id, external_id, sender_address, subject, text, classification, matched_by, metadata, reactions, created_at)
     VALUES (?, ?, 'in', 'public', 'customer', ?, 'message', ?, ?, ?, ?, ?, 'customer', ?, '{}', '[]', ?)`,
  );
  const touch = db.prepare('UPDATE tickets SET updated_at = ?, last_customer_message_at = ? WHERE id = ?');
  const insReceipt = db.prepare(
    `INSERT INTO inbound_receipts (channel_id, external_id, outcome, ticket_id, message_id, reason, received_at) VALUES (?, ?, ?, ?, ?, NULL, ?)`,
  );
  db.prepare(`INSERT INTO counters (name, value) VALUES ('ticket_number', ?) ON CONFLICT(name) DO NOTHING`).run(NUMBER_START - 1);

  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const work = (m: BenchMessage) => {
    const now = Date.now();
    if (dedupe.get(CHANNEL_ID, m.externalId)) return;
    let contactId = (findContact.get('email', m.from) as { contact_id: string } | undefined)?.contact_id;
    if (!contactId) {
      contactId = newId(now);
      insContact.run(contactId, now, now);
      insIdentity.run(newId(now), contactId, 'email', m.from, now);
    }
    let ticketId: string | undefined;
    for (const ref of m.references) {
      ticketId = (byRef.get(CHANNEL_ID, ref) as { ticket_id: string } | undefined)?.ticket_id;
      if (ticketId) break;
    }
    const matchedBy = ticketId ? 'thread_reference' : 'new_ticket';
    if (!ticketId) {
      const number = Number((nextNumber.get() as { value: number }).value);
      ticketId = newId(now);
      insTicket.run(ticketId, number, m.subject, contactId, CHANNEL_ID, CHANNEL_ID, now, now, now);
    }
    const messageId = newId(now);
    insMessage.run(messageId, ticketId, contactId, CHANNEL_ID, m.externalId, m.from, m.subject, m.text, matchedBy, now);
    touch.run(now, now, ticketId);
    insReceipt.run(CHANNEL_ID, m.externalId, matchedBy === 'new_ticket' ? 'created' : 'appended', ticketId, messageId, now);
  };
  // Explicit BEGIN/COMMIT statements, as the app's driver issues them.
  return (m: BenchMessage | BenchMessage[]) => {
    begin.run();
    try {
      if (Array.isArray(m)) for (const x of m) work(x);
      else work(m);
      commit.run();
    } catch (err) {
      rollback.run();
      throw err;
    }
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
