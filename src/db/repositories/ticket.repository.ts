import { sql } from 'kysely';
import { digitsOf } from '../search-fold.js';
import { ticketTextCondition } from './ticket-search.repository.js';
import { newId } from '../../domain/ids.js';
import type { Priority, TicketStatus } from '../../domain/model.js';
import type { Ticket } from '../../domain/ticket.js';
import type { Executor } from '../database.js';
import type { NewTicket, TicketRow, TicketUpdate } from '../tables.js';
import { insertRow, isExpression, listParams, precompiled, runShaped } from '../precompiled.js';

export function toTicket(r: TicketRow): Ticket {
  return {
    id: r.id,
    number: Number(r.number),
    subject: r.subject,
    status: r.status as TicketStatus,
    priority: r.priority as Priority,
    category: r.category,
    reference: r.reference,
    origin: r.origin,
    customFields: JSON.parse(r.custom_fields) as Record<string, string>,
    requesterId: r.requester_id,
    assigneeId: r.assignee_id,
    originChannelId: r.origin_channel_id,
    lastCustomerChannelId: r.last_customer_channel_id,
    locale: r.locale,
    mentionedTicketNumber: r.mentioned_ticket_number === null ? null : Number(r.mentioned_ticket_number),
    followUpOf: r.follow_up_of,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    firstResponseAt: r.first_response_at,
    solvedAt: r.solved_at,
    closedAt: r.closed_at,
    statusChangedAt: r.status_changed_at,
    lastCustomerMessageAt: r.last_customer_message_at,
    lastAgentReplyAt: r.last_agent_reply_at,
    firstResponseDueAt: r.first_response_due_at,
    nextResponseDueAt: r.next_response_due_at,
  };
}

/**
 * Next ticket number. The counter row is updated in the caller's transaction: PostgreSQL locks
 * the row until commit, SQLite has one writer, so concurrent gateways never share a number.
 */
const bumpCounter = precompiled('counter:bump', (db, p) =>
  db.updateTable('counters').set({ value: sql`value + 1` }).where('name', '=', p('name')).returning('value'),
);

export async function nextTicketNumber(db: Executor, start: number): Promise<number> {
  const bump = async () => (await bumpCounter<{ value: number }>(db, { name: 'ticket_number' })).rows[0];
  // The counter row exists after the first ticket: one statement on the hot path.
  let row = await bump();
  if (!row) {
    await db
      .insertInto('counters')
      .values({ name: 'ticket_number', value: start - 1 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    row = await bump();
  }
  if (!row) throw new Error('ticket number counter missing');
  return Number(row.value);
}

export async function insertTicket(db: Executor, t: NewTicket): Promise<void> {
  await insertRow(db, 'tickets', t);
}

export async function getTicketById(db: Executor, id: string): Promise<Ticket | undefined> {
  const r = await db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toTicket(r);
}

export async function getTicketByNumber(db: Executor, number: number): Promise<Ticket | undefined> {
  const r = await db.selectFrom('tickets').selectAll().where('number', '=', number).executeTakeFirst();
  return r && toTicket(r);
}

/** Tickets of stored messages on these channels with these external ids, in the order of `externalIds` (one query). */
export async function ticketsByExternalIds(db: Executor, channelIds: string[], externalIds: string[]): Promise<Ticket[]> {
  if (externalIds.length === 0 || channelIds.length === 0) return [];
  const refs = externalIds.slice(0, 200);
  const { rows } = await runShaped<TicketRow & { ref_external_id: string }>(
    db,
    `tickets-by-external-ids:${channelIds.length}:${refs.length}`,
    (p) =>
      db
        .selectFrom('messages')
        .innerJoin('tickets', 'tickets.id', 'messages.ticket_id')
        .selectAll('tickets')
        .select('messages.external_id as ref_external_id')
        .where(
          'messages.channel_id',
          'in',
          channelIds.map((_, i) => p(`c${i}`)),
        )
        .where(
          'messages.external_id',
          'in',
          refs.map((_, i) => p(`e${i}`)),
        ),
    { ...listParams('c', channelIds), ...listParams('e', refs) },
  );
  const byRef = new Map(rows.map((r) => [r.ref_external_id, r]));
  const out: Ticket[] = [];
  for (const e of externalIds) {
    const r = byRef.get(e);
    if (r && !out.some((t) => t.id === r.id)) out.push(toTicket(r));
  }
  return out;
}

export async function getTicketsByNumbers(db: Executor, numbers: number[]): Promise<Ticket[]> {
  if (numbers.length === 0) return [];
  return (await db.selectFrom('tickets').selectAll().where('number', 'in', numbers).execute()).map(toTicket);
}

export async function updateTicket(db: Executor, id: string, patch: TicketUpdate): Promise<void> {
  const values = patch as Record<string, unknown>;
  const columns = Object.keys(values).filter((k) => values[k] !== undefined);
  // Plain values only: an expression in the patch is built as it comes.
  if (columns.some((k) => isExpression(values[k]))) {
    await db.updateTable('tickets').set(patch).where('id', '=', id).execute();
    return;
  }
  await runShaped(
    db,
    `update-ticket:${columns.join(',')}`,
    (p) =>
      db
        .updateTable('tickets')
        .set(Object.fromEntries(columns.map((k) => [k, p(k)])))
        .where('id', '=', p('\u0000id')),
    { ...values, '\u0000id': id },
  );
}

export async function addParticipant(db: Executor, ticketId: string, contactId: string, now: number): Promise<void> {
  await db
    .insertInto('ticket_participants')
    .values({ ticket_id: ticketId, contact_id: contactId, created_at: now })
    .onConflict((oc) => oc.columns(['ticket_id', 'contact_id']).doNothing())
    .execute();
}

export async function participantTicketIds(db: Executor, contactId: string, ticketIds: string[]): Promise<Set<string>> {
  if (ticketIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('ticket_participants')
    .select('ticket_id')
    .where('contact_id', '=', contactId)
    .where('ticket_id', 'in', ticketIds)
    .execute();
  return new Set(rows.map((r) => r.ticket_id));
}

/** The contact's most recent ticket that is not closed, whose customer side is on this channel. */
export async function latestOpenTicketOnChannel(db: Executor, contactId: string, channelId: string): Promise<Ticket | undefined> {
  const r = await db
    .selectFrom('tickets')
    .selectAll()
    .where('requester_id', '=', contactId)
    .where('last_customer_channel_id', '=', channelId)
    .where('status', 'in', ['new', 'open', 'pending', 'solved'])
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r && toTicket(r);
}

/** The contact's most recently closed ticket whose customer side is on this channel (the chat resume rule). */
export async function latestClosedTicketOnChannel(db: Executor, contactId: string, channelId: string): Promise<Ticket | undefined> {
  const r = await db
    .selectFrom('tickets')
    .selectAll()
    .where('requester_id', '=', contactId)
    .where('last_customer_channel_id', '=', channelId)
    .where('status', '=', 'closed')
    .orderBy('closed_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r && toTicket(r);
}

/** A ticket of the contact in this category (any status), newest first. */
export async function latestTicketInCategory(db: Executor, contactId: string, category: string): Promise<Ticket | undefined> {
  const r = await db
    .selectFrom('tickets')
    .selectAll()
    .where('requester_id', '=', contactId)
    .where('category', '=', category)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r && toTicket(r);
}

export async function findExistingRequest(
  db: Executor,
  contactId: string,
  category: string | null,
  reference: string | null,
): Promise<Ticket | undefined> {
  // One shape per null-ness of the two values (`is null` and `= ?` differ); built once each.
  const key = `tickets:existing-request:${category === null ? 'n' : 'v'}${reference === null ? 'n' : 'v'}`;
  const { rows } = await runShaped<TicketRow>(
    db,
    key,
    (p) => {
      let q = db
        .selectFrom('tickets')
        .selectAll()
        .where('requester_id', '=', p('contactId'))
        .where('status', 'in', ['new', 'open', 'pending']);
      q = category === null ? q.where('category', 'is', null) : q.where('category', '=', p('category'));
      q = reference === null ? q.where('reference', 'is', null) : q.where('reference', '=', p('reference'));
      // LIMIT written as a literal: with a bound LIMIT SQLite opens a full sorter for the ORDER BY
      // on every run, ~3x the time of the whole lookup (a known LIMIT 1 keeps only the best row).
      return q.orderBy('id', 'desc').limit(sql.lit(1));
    },
    { contactId, category, reference },
  );
  const r = rows[0];
  return r && toTicket(r);
}

export interface TicketFilter {
  status?: TicketStatus[] | undefined;
  channel?: string | undefined;
  requesterContactIds?: string[] | undefined;
  assignee?: string | undefined;
  unassigned?: boolean | undefined;
  priority?: Priority[] | undefined;
  category?: string | undefined;
  reference?: string | undefined;
  origin?: string | undefined;
  customField?: { key: string; value: string } | undefined;
  createdFrom?: number | undefined;
  createdTo?: number | undefined;
  text?: string | undefined;
  overdue?: boolean | undefined;
  now: number;
  /** id of the last ticket of the previous page (newest first) */
  before?: string | undefined;
  limit: number;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

export async function listTickets(db: Executor, f: TicketFilter): Promise<Ticket[]> {
  let q = db.selectFrom('tickets').selectAll('tickets');
  if (f.status?.length) q = q.where('tickets.status', 'in', f.status);
  if (f.channel)
    q = q.where((eb) => eb.or([eb('tickets.origin_channel_id', '=', f.channel!), eb('tickets.last_customer_channel_id', '=', f.channel!)]));
  if (f.requesterContactIds)
    q = f.requesterContactIds.length ? q.where('tickets.requester_id', 'in', f.requesterContactIds) : q.where(sql<boolean>`1 = 0`);
  if (f.assignee) q = q.where('tickets.assignee_id', '=', f.assignee);
  if (f.unassigned) q = q.where('tickets.assignee_id', 'is', null);
  if (f.priority?.length) q = q.where('tickets.priority', 'in', f.priority);
  if (f.category) q = q.where('tickets.category', '=', f.category);
  if (f.reference) q = q.where('tickets.reference', '=', f.reference);
  if (f.origin) q = q.where('tickets.origin', '=', f.origin);
  if (f.createdFrom !== undefined) q = q.where('tickets.created_at', '>=', f.createdFrom);
  if (f.createdTo !== undefined) q = q.where('tickets.created_at', '<=', f.createdTo);
  if (f.customField) {
    // JSON is stored as text; match the exact `"key":"value"` pair as serialized by JSON.stringify.
    // A document or phone typed with punctuation also matches its digits ("529.982.247-25").
    const key = f.customField.key;
    const values = [...new Set([f.customField.value, digitsOf(f.customField.value)].filter((v): v is string => v !== undefined))];
    const needles = values.map((v) => `%${likeEscape(JSON.stringify(key) + ':' + JSON.stringify(v))}%`);
    q = q.where((eb) => eb.or(needles.map((n) => sql<boolean>`tickets.custom_fields LIKE ${n} ESCAPE '\\'`)));
  }
  if (f.overdue) {
    q = q
      .where('tickets.status', 'in', ['new', 'open'])
      .where((eb) => eb.or([eb('tickets.first_response_due_at', '<', f.now), eb('tickets.next_response_due_at', '<', f.now)]));
  }
  // Subjects, messages, identities and typed digits (ticket-search.repository.ts picks the plan).
  if (f.text) q = q.where((await ticketTextCondition(db, f.text)).where);
  if (f.before) q = q.where('tickets.id', '<', f.before);
  const rows = await q.orderBy('tickets.id', 'desc').limit(f.limit).execute();
  return rows.map(toTicket);
}

/** Email addresses of the ticket's participants other than `exceptContactId`, oldest first. */
export async function participantEmailAddresses(db: Executor, ticketId: string, exceptContactId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('ticket_participants')
    .innerJoin('contact_identities', 'contact_identities.contact_id', 'ticket_participants.contact_id')
    .select(['contact_identities.address'])
    .where('ticket_participants.ticket_id', '=', ticketId)
    .where('ticket_participants.contact_id', '!=', exceptContactId)
    .where('contact_identities.kind', '=', 'email')
    .orderBy('ticket_participants.created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.address);
}

export interface NewTicketInput {
  id: string;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  reference: string | null;
  origin: string | null;
  customFields: Record<string, string>;
  requesterId: string;
  /** The channel the first message came on: origin and last customer channel. */
  channelId: string;
  locale: string;
  mentionedTicketNumber: number | null;
  followUpOf: string | null;
  /** Set when the first message is the customer's own. */
  lastCustomerMessageAt: number | null;
  now: number;
}

/** Inserts a ticket opened by an inbound message; a ticket created closed is closed now. */
export async function insertNewTicket(db: Executor, t: NewTicketInput): Promise<Ticket> {
  const row = {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    category: t.category,
    reference: t.reference,
    origin: t.origin,
    custom_fields: JSON.stringify(t.customFields),
    requester_id: t.requesterId,
    assignee_id: null,
    origin_channel_id: t.channelId,
    last_customer_channel_id: t.channelId,
    locale: t.locale,
    mentioned_ticket_number: t.mentionedTicketNumber,
    follow_up_of: t.followUpOf,
    created_at: t.now,
    updated_at: t.now,
    first_response_at: null,
    solved_at: null,
    closed_at: t.status === 'closed' ? t.now : null,
    status_changed_at: t.now,
    last_customer_message_at: t.lastCustomerMessageAt,
    last_agent_reply_at: null,
    first_response_due_at: null,
    next_response_due_at: null,
  };
  await insertTicket(db, row);
  return toTicket(row);
}
