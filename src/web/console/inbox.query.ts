/**
 * The inbox's ticket query: the API's filters (see ticket.repository listTickets) plus the
 * console's views and orders (last activity, SLA due, newest) with keyset cursors, so every
 * page is one indexed query with a LIMIT. listTickets orders by id only; the console needs the
 * other orders, hence this query. Text search means what it means in the API (full-text index,
 * accents and case folded: ticket-search.repository.ts) and is still bounded to the most
 * recently active tickets (the page's hint says so); exact searches (#number, an email or phone,
 * proven or claimed) use indexes and see every ticket.
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { searchWords } from '../../db/full-text.js';
import { findContactIdsByIdentities } from '../../db/repositories/contact.repository.js';
import { customFieldsMatch, isPostgres, ticketTextCondition } from '../../db/repositories/ticket-search.repository.js';
import { toTicket } from '../../db/repositories/ticket.repository.js';
import type { Ticket } from '../../domain/ticket.js';
import type { Address } from '../../domain/model.js';
import { PRIORITIES, TICKET_STATUSES, type Priority, type TicketStatus } from '../../domain/model.js';

export const VIEWS = ['mine', 'unassigned', 'open', 'pending', 'solved', 'all'] as const;
export type InboxView = (typeof VIEWS)[number];
export const SORTS = ['activity', 'due', 'created'] as const;
export type InboxSort = (typeof SORTS)[number];
export const TEXT_SEARCH_WINDOW = 2000;
export const PAGE_SIZE = 50;

export interface InboxQuery {
  view: InboxView;
  sort: InboxSort;
  status?: TicketStatus | undefined;
  channel?: string | undefined;
  priority?: Priority | undefined;
  /** an agent id, 'none' */
  assignee?: string | undefined;
  category?: string | undefined;
  origin?: string | undefined;
  reference?: string | undefined;
  field?: { key: string; value: string } | undefined;
  from?: number | undefined;
  to?: number | undefined;
  q?: string | undefined;
  cursor?: string | undefined;
}

const OPEN: TicketStatus[] = ['new', 'open'];
const s = (v: unknown, max = 200) => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : undefined);
const day = (v: unknown, end: boolean) => {
  const d = s(v, 10);
  if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isNaN(t) ? undefined : end ? t + 86_400_000 - 1 : t;
};

/** Reads the query string leniently: an unknown value is ignored (a bookmark never breaks the inbox). */
export function parseInboxQuery(q: Record<string, unknown>): InboxQuery {
  const view = (VIEWS as readonly string[]).includes(String(q.view)) ? (q.view as InboxView) : 'open';
  const sort = (SORTS as readonly string[]).includes(String(q.sort)) ? (q.sort as InboxSort) : 'activity';
  const field = s(q.field);
  const colon = field?.indexOf(':') ?? -1;
  return {
    view,
    sort,
    status: (TICKET_STATUSES as readonly string[]).includes(String(q.status)) ? (q.status as TicketStatus) : undefined,
    channel: s(q.channel, 63),
    priority: (PRIORITIES as readonly string[]).includes(String(q.priority)) ? (q.priority as Priority) : undefined,
    assignee: s(q.assignee, 26),
    category: s(q.category),
    origin: s(q.origin, 100),
    reference: s(q.reference),
    field: field && colon > 0 ? { key: field.slice(0, colon).trim(), value: field.slice(colon + 1).trim() } : undefined,
    from: day(q.from, false),
    to: day(q.to, true),
    q: s(q.q),
    cursor: s(q.cursor, 80),
  };
}

function likeEscape(v: string): string {
  return v.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** What a search box entry means: a number, an identity (email/phone), or words. */
export function classifySearch(q: string): { number: number } | { identities: Address[] } | { text: string } {
  const n = /^#?(\d{1,12})$/.exec(q);
  if (n) return { number: Number(n[1]) };
  if (/^[^\s@]+@[^\s@]+$/.test(q)) return { identities: [{ kind: 'email', address: q.toLowerCase() }] };
  const digits = q.replace(/[\s().+-]/g, '');
  if (/^\d{8,15}$/.test(digits) && /^[+\d\s().-]+$/.test(q))
    return {
      identities: [
        { kind: 'phone', address: `+${digits}` },
        { kind: 'whatsapp', address: `${digits}@s.whatsapp.net` },
      ],
    };
  return { text: q.toLowerCase() };
}

/**
 * Plans, measured at 100k tickets (bench/console.bench.ts): SQLite's planner prefers the status
 * index and then sorts every open ticket (~25k rows, hundreds of ms) over walking the order's
 * index and stopping at 50 matches (<10 ms). `plain(col)` (`col || ''`, the same value in SQLite
 * and PostgreSQL) keeps a column's index out of the plan so the order's index is walked. Filters
 * that find few rows (number, reference, an identity, a custom-field value through its full-text
 * index) keep their index; a custom-field match without words (only punctuation) scans the table
 * in storage order instead of by index.
 */
const plain = (column: string) => sql<string>`(${sql.ref(column)} || '')`;

type Builder = ReturnType<typeof base>;
function base(db: Executor) {
  return db.selectFrom('tickets').selectAll('tickets');
}

async function filtered(db: Executor, q: InboxQuery, me: string): Promise<{ b: Builder; selective: boolean; scan: boolean } | undefined> {
  let b = base(db);
  const statuses = (list: TicketStatus[]) => (b = b.where(plain('tickets.status'), 'in', list));
  switch (q.view) {
    case 'mine':
      b = b.where(plain('tickets.assignee_id'), '=', me);
      statuses(['new', 'open', 'pending']);
      break;
    case 'unassigned':
      b = b.where(plain('tickets.assignee_id'), 'is', null);
      statuses(OPEN);
      break;
    case 'open':
      statuses(OPEN);
      break;
    case 'pending':
      statuses(['pending']);
      break;
    case 'solved':
      statuses(['solved']);
      break;
    case 'all':
      break;
  }
  let selective = false;
  let scan = false;
  if (q.status) b = b.where(plain('tickets.status'), '=', q.status);
  if (q.channel) b = b.where(plain('tickets.last_customer_channel_id'), '=', q.channel);
  if (q.priority) b = b.where(plain('tickets.priority'), '=', q.priority);
  if (q.assignee === 'none') b = b.where(plain('tickets.assignee_id'), 'is', null);
  else if (q.assignee) b = b.where(plain('tickets.assignee_id'), '=', q.assignee === 'me' ? me : q.assignee);
  if (q.category) b = b.where(plain('tickets.category'), '=', q.category);
  if (q.origin) b = b.where(plain('tickets.origin'), '=', q.origin);
  if (q.reference) {
    b = b.where('tickets.reference', '=', q.reference);
    selective = true;
  }
  if (q.from !== undefined) b = b.where('tickets.created_at', '>=', q.from);
  if (q.to !== undefined) b = b.where('tickets.created_at', '<=', q.to);
  if (q.field?.key) {
    const needle = `%${likeEscape(`${JSON.stringify(q.field.key)}:${JSON.stringify(q.field.value)}`)}%`;
    b = b.where(sql<boolean>`tickets.custom_fields LIKE ${needle} ESCAPE '\\'`);
    // The custom-field full-text index (migration 20261130T1420) finds the few tickets whose
    // fields hold the key's and the value's words in a row; the LIKE above keeps the match exact.
    const words = searchWords(`${q.field.key} ${q.field.value}`);
    if (words.length && q.field.value.trim()) {
      b = b.where(customFieldsMatch(isPostgres(db), 'tickets', words));
      selective = true;
    } else scan = true;
  }
  if (q.q) {
    const search = classifySearch(q.q);
    if ('number' in search) {
      b = b.where('tickets.number', '=', search.number);
      selective = true;
    } else if ('identities' in search) {
      const ids = await ticketsOfIdentities(db, search.identities);
      if (ids.length === 0) return undefined;
      b = b.where('tickets.id', 'in', ids);
      selective = true;
    } else {
      // Bounded: the most recently active tickets (index tickets_updated_idx), unless a period narrows it.
      if (q.from === undefined && q.to === undefined) {
        b = b.where(
          'tickets.id',
          'in',
          db.selectFrom('tickets as recent').select('recent.id').orderBy('recent.updated_at', 'desc').limit(TEXT_SEARCH_WINDOW),
        );
      }
      // The API's meaning (accents and case folded, words through the full-text index).
      b = b.where((await ticketTextCondition(db, q.q)).where);
    }
  }
  return { b, selective, scan };
}

/** Tickets whose requester proved this identity, or where it was claimed (at most 500). */
async function ticketsOfIdentities(db: Executor, identities: Address[]): Promise<string[]> {
  const contactIds = [...new Set((await findContactIdsByIdentities(db, identities)).values())];
  const claimKeys = identities.map((i) =>
    i.kind === 'whatsapp' ? { kind: 'phone', address: `+${i.address.split('@')[0]}` } : { kind: i.kind, address: i.address },
  );
  const [own, claimed] = await Promise.all([
    contactIds.length
      ? db.selectFrom('tickets').select('id').where('requester_id', 'in', contactIds).orderBy('id', 'desc').limit(500).execute()
      : Promise.resolve([]),
    db
      .selectFrom('ticket_claims')
      .select('ticket_id as id')
      .where((eb) => eb.or(claimKeys.map((k) => eb.and([eb('kind', '=', k.kind), eb('address', '=', k.address)]))))
      .limit(500)
      .execute(),
  ]);
  return [...new Set([...own, ...claimed].map((r) => r.id))].slice(0, 500);
}

export async function queryInbox(db: Executor, q: InboxQuery, me: string): Promise<{ tickets: Ticket[]; nextCursor: string | null }> {
  const f = await filtered(db, q, me);
  if (!f) return { tickets: [], nextCursor: null };
  let { b } = f;
  // Keyset pagination: the cursor is the sort key and id of the last row shown.
  const [ck, cid] = (q.cursor ?? '').split('~');
  const hasCursor = q.cursor !== undefined && cid !== undefined && /^[0-9A-Z]{26}$/.test(cid);
  const k = Number(ck);
  const order = (column: 'tickets.updated_at' | 'tickets.id') => (f.scan && !f.selective ? sql`${sql.ref(column)} + 0` : sql.ref(column));
  let rows: Awaited<ReturnType<Builder['execute']>>;
  if (q.sort === 'due') {
    rows = await dueRows(b, hasCursor && Number.isFinite(k) ? { due: k, id: cid! } : undefined);
  } else {
    if (q.sort === 'created') {
      if (hasCursor) b = b.where('tickets.id', '<', cid!);
      b = b.orderBy(order('tickets.id'), 'desc');
    } else {
      if (hasCursor && Number.isFinite(k))
        b = b.where((eb) =>
          eb.or([eb('tickets.updated_at', '<', k), eb.and([eb('tickets.updated_at', '=', k), eb('tickets.id', '<', cid!)])]),
        );
      b = b.orderBy(order('tickets.updated_at'), 'desc').orderBy(order('tickets.id'), 'desc');
    }
    rows = await b.limit(PAGE_SIZE + 1).execute();
  }
  const tickets = rows.slice(0, PAGE_SIZE).map(toTicket);
  const last = tickets[tickets.length - 1];
  const key = (t: Ticket) => (q.sort === 'activity' ? t.updatedAt : q.sort === 'due' ? dueOf(t) : 0);
  return { tickets, nextCursor: rows.length > PAGE_SIZE && last ? `${key(last)}~${last.id}` : null };
}

/**
 * SLA order: open tickets by the due time that matters, earliest first. Two index walks (first
 * and next response dues, each indexed with the id), merged here; a ticket owes one or the other.
 */
async function dueRows(b: Builder, after: { due: number; id: string } | undefined) {
  const walk = (column: 'tickets.first_response_due_at' | 'tickets.next_response_due_at') => {
    let w = b.where(plain('tickets.status'), 'in', OPEN).where(column, 'is not', null);
    if (after)
      w = w.where((eb) => eb.or([eb(column, '>', after.due), eb.and([eb(column, '=', after.due), eb('tickets.id', '>', after.id)])]));
    return w
      .orderBy(column, 'asc')
      .orderBy('tickets.id', 'asc')
      .limit(PAGE_SIZE + 1)
      .execute();
  };
  const [first, next] = await Promise.all([walk('tickets.first_response_due_at'), walk('tickets.next_response_due_at')]);
  const seen = new Set<string>();
  return [...first, ...next]
    .filter((r) => !seen.has(r.id) && seen.add(r.id))
    .map((r) => ({ r, due: dueOf({ firstResponseDueAt: r.first_response_due_at, nextResponseDueAt: r.next_response_due_at })! }))
    .filter(({ r, due }) => !after || due > after.due || (due === after.due && r.id > after.id))
    .sort((x, y) => x.due - y.due || (x.r.id < y.r.id ? -1 : 1))
    .slice(0, PAGE_SIZE + 1)
    .map(({ r }) => r);
}

export function dueOf(t: Pick<Ticket, 'firstResponseDueAt' | 'nextResponseDueAt'>): number | null {
  const a = t.firstResponseDueAt;
  const b = t.nextResponseDueAt;
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
