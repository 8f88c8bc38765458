/**
 * The inbox's ticket query: the API's filters (see ticket.repository listTickets) plus the
 * console's views and orders (last activity, SLA due, newest) with keyset cursors, so every
 * page is one indexed query with a LIMIT. listTickets orders by id only; the console needs the
 * other orders, hence this query. Text search is bounded to the most recently active tickets
 * (a LIKE over every message of 100k tickets is not a 100 ms page); exact searches (#number,
 * an email or phone, proven or claimed) use indexes and see every ticket.
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { findContactIdsByIdentities } from '../../db/repositories/contact.repository.js';
import { type Ticket, toTicket } from '../../db/repositories/ticket.repository.js';
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

/** The SLA time that matters now: the earlier of the first/next response dues that are set. */
export const dueExpr = sql<number | null>`CASE WHEN tickets.first_response_due_at IS NULL THEN tickets.next_response_due_at WHEN tickets.next_response_due_at IS NULL THEN tickets.first_response_due_at WHEN tickets.first_response_due_at < tickets.next_response_due_at THEN tickets.first_response_due_at ELSE tickets.next_response_due_at END`;

/** What a search box entry means: a number, an identity (email/phone), or words. */
export function classifySearch(q: string): { number: number } | { identities: Address[] } | { text: string } {
  const n = /^#?(\d{1,12})$/.exec(q);
  if (n) return { number: Number(n[1]) };
  if (/^[^\s@]+@[^\s@]+$/.test(q)) return { identities: [{ kind: 'email', address: q.toLowerCase() }] };
  const digits = q.replace(/[\s().+-]/g, '');
  if (/^\d{8,15}$/.test(digits) && /^[+\d\s().-]+$/.test(q)) return { identities: [{ kind: 'phone', address: `+${digits}` }, { kind: 'whatsapp', address: `${digits}@s.whatsapp.net` }] };
  return { text: q.toLowerCase() };
}

export async function queryInbox(db: Executor, q: InboxQuery, me: string): Promise<{ tickets: Ticket[]; nextCursor: string | null }> {
  let b = db.selectFrom('tickets').selectAll('tickets');
  switch (q.view) {
    case 'mine':
      b = b.where('tickets.assignee_id', '=', me).where('tickets.status', 'in', ['new', 'open', 'pending']);
      break;
    case 'unassigned':
      b = b.where('tickets.assignee_id', 'is', null).where('tickets.status', 'in', OPEN);
      break;
    case 'open':
      b = b.where('tickets.status', 'in', OPEN);
      break;
    case 'pending':
      b = b.where('tickets.status', '=', 'pending');
      break;
    case 'solved':
      b = b.where('tickets.status', '=', 'solved');
      break;
    case 'all':
      break;
  }
  if (q.status) b = b.where('tickets.status', '=', q.status);
  if (q.channel) b = b.where('tickets.last_customer_channel_id', '=', q.channel);
  if (q.priority) b = b.where('tickets.priority', '=', q.priority);
  if (q.assignee === 'none') b = b.where('tickets.assignee_id', 'is', null);
  else if (q.assignee) b = b.where('tickets.assignee_id', '=', q.assignee === 'me' ? me : q.assignee);
  if (q.category) b = b.where('tickets.category', '=', q.category);
  if (q.origin) b = b.where('tickets.origin', '=', q.origin);
  if (q.reference) b = b.where('tickets.reference', '=', q.reference);
  if (q.from !== undefined) b = b.where('tickets.created_at', '>=', q.from);
  if (q.to !== undefined) b = b.where('tickets.created_at', '<=', q.to);
  if (q.field && q.field.key) {
    const needle = `%${likeEscape(JSON.stringify(q.field.key) + ':' + JSON.stringify(q.field.value))}%`;
    b = b.where(sql<boolean>`tickets.custom_fields LIKE ${needle} ESCAPE '\\'`);
  }
  if (q.q) {
    const search = classifySearch(q.q);
    if ('number' in search) b = b.where('tickets.number', '=', search.number);
    else if ('identities' in search) {
      const contactIds = [...new Set((await findContactIdsByIdentities(db, search.identities)).values())];
      const claimed = await db
        .selectFrom('ticket_claims')
        .select('ticket_id')
        .where((eb) => eb.or(search.identities.map((i) => eb.and([eb('kind', '=', i.kind === 'whatsapp' ? 'phone' : i.kind), eb('address', '=', i.kind === 'whatsapp' ? `+${i.address.split('@')[0]}` : i.address)]))))
        .limit(500)
        .execute();
      const ticketIds = claimed.map((r) => r.ticket_id);
      b = b.where((eb) => eb.or([...(contactIds.length ? [eb('tickets.requester_id', 'in', contactIds)] : []), ...(ticketIds.length ? [eb('tickets.id', 'in', ticketIds)] : []), sql<boolean>`1 = 0`]));
    } else {
      const needle = `%${likeEscape(search.text)}%`;
      // Bounded: the most recently active tickets (index tickets_updated_idx), unless a period narrows it.
      if (q.from === undefined && q.to === undefined) {
        b = b.where('tickets.id', 'in', db.selectFrom('tickets as recent').select('recent.id').orderBy('recent.updated_at', 'desc').limit(TEXT_SEARCH_WINDOW));
      }
      b = b.where((eb) =>
        eb.or([
          eb(sql`lower(tickets.subject)`, 'like', sql`${needle} ESCAPE '\\'`),
          eb.exists(eb.selectFrom('messages').select('messages.id').whereRef('messages.ticket_id', '=', 'tickets.id').where(sql<boolean>`lower(messages.text) LIKE ${needle} ESCAPE '\\'`)),
        ]),
      );
    }
  }
  // Keyset pagination: the cursor is the sort key and id of the last row shown.
  const [ck, cid] = (q.cursor ?? '').split('~');
  const hasCursor = q.cursor !== undefined && cid !== undefined && /^[0-9A-Z]{26}$/.test(cid);
  if (q.sort === 'created') {
    if (hasCursor) b = b.where('tickets.id', '<', cid!);
    b = b.orderBy('tickets.id', 'desc');
  } else if (q.sort === 'activity') {
    const k = Number(ck);
    if (hasCursor && Number.isFinite(k)) b = b.where((eb) => eb.or([eb('tickets.updated_at', '<', k), eb.and([eb('tickets.updated_at', '=', k), eb('tickets.id', '<', cid!)])]));
    b = b.orderBy('tickets.updated_at', 'desc').orderBy('tickets.id', 'desc');
  } else {
    // Tickets with a due time first (earliest first), then the rest by id.
    b = b.where(sql<boolean>`${dueExpr} IS NOT NULL`).where('tickets.status', 'in', OPEN);
    const k = Number(ck);
    if (hasCursor && Number.isFinite(k)) b = b.where(sql<boolean>`(${dueExpr} > ${k} OR (${dueExpr} = ${k} AND tickets.id > ${cid!}))`);
    b = b.orderBy(dueExpr, 'asc').orderBy('tickets.id', 'asc');
  }
  const rows = await b.limit(PAGE_SIZE + 1).execute();
  const tickets = rows.slice(0, PAGE_SIZE).map(toTicket);
  const last = tickets[tickets.length - 1];
  const key = (t: Ticket) => (q.sort === 'activity' ? t.updatedAt : q.sort === 'due' ? dueOf(t) : 0);
  return { tickets, nextCursor: rows.length > PAGE_SIZE && last ? `${key(last)}~${last.id}` : null };
}

export function dueOf(t: Pick<Ticket, 'firstResponseDueAt' | 'nextResponseDueAt'>): number | null {
  const a = t.firstResponseDueAt;
  const b = t.nextResponseDueAt;
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
