/**
 * Who the signed-in customer is and what they may see. A session names a proven identity; the
 * contact that owns it is looked up on every request. "Mine": tickets the contact requested or
 * takes part in. "Organization": tickets requested by contacts of the same organization (config
 * by email domain of a proven email identity, or set by the merchant's signed link). Everything
 * else does not exist for the portal (404, never 403).
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { toTicket } from '../../db/repositories/ticket.repository.js';
import type { Ticket } from '../../domain/ticket.js';
import type { TicketStatus } from '../../domain/model.js';
import type { PortalConfig, PortalSite } from './portal-config.js';
import { getContactSettings, type PortalIdentity, type PortalSession } from './portal.repository.js';

export interface Organization {
  id: string;
  name: string;
  domains: string[];
}

export interface Viewer {
  session: PortalSession;
  identity: PortalIdentity;
  contactId: string | undefined;
  contactName: string | null;
  organization: Organization | undefined;
  /** Brand filter: tickets that came in on these channels (empty: all). */
  channels: string[];
}

/** Other identities a phone is known by, per channel kind (a WhatsApp JID): `ChannelDirectory.phoneAliases`. */
export type PhoneAliases = (e164: string) => ReadonlyArray<{ kind: string; address: string }>;

/** The contact identities a portal identity stands for: an email, or a phone and the identities channel kinds know it by. */
export function lookupIdentities(identity: PortalIdentity, phoneAliases: PhoneAliases): Array<{ kind: string; address: string }> {
  if (identity.kind === 'email') return [{ kind: 'email', address: identity.address }];
  const phone = `+${identity.address.replace(/\D/g, '')}`;
  return [{ kind: 'phone', address: phone }, ...phoneAliases(phone).map((a) => ({ kind: a.kind, address: a.address }))];
}

/** An address typed on the sign-in form: an email, or a phone number (10-15 digits, E.164). */
export function parseSignInAddress(raw: unknown): PortalIdentity | undefined {
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim().toLowerCase();
  if (v.length === 0 || v.length > 320) return undefined;
  if (v.includes('@'))
    return /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/.test(v) ? { kind: 'email', address: v } : undefined;
  if (!/^\+?[\d\s().-]+$/.test(v)) return undefined;
  const digits = v.replace(/\D/g, '');
  return digits.length >= 10 && digits.length <= 15 ? { kind: 'phone', address: `+${digits}` } : undefined;
}

export async function contactOfIdentity(db: Executor, identity: PortalIdentity, phoneAliases: PhoneAliases): Promise<string | undefined> {
  const ids = lookupIdentities(identity, phoneAliases);
  const r = await db
    .selectFrom('contact_identities')
    .select(['contact_id', 'kind'])
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('kind', '=', i.kind), eb('address', '=', i.address)]))))
    .execute();
  for (const i of ids) {
    const hit = r.find((x) => x.kind === i.kind);
    if (hit) return hit.contact_id;
  }
  return undefined;
}

function orgFromConfig(p: PortalConfig, id: string): Organization | undefined {
  const o = p.organizations.find((x) => x.id === id);
  return o && { id: o.id, name: o.name, domains: o.domains };
}

export async function resolveViewer(
  db: Executor,
  session: PortalSession,
  p: PortalConfig,
  site: PortalSite,
  phoneAliases: PhoneAliases,
): Promise<Viewer> {
  const contactId = await contactOfIdentity(db, session.identity, phoneAliases);
  const contact = contactId ? await db.selectFrom('contacts').select('name').where('id', '=', contactId).executeTakeFirst() : undefined;
  let organization: Organization | undefined;
  const named = session.organization ?? (contactId ? (await getContactSettings(db, contactId)).organization : null);
  if (named) organization = orgFromConfig(p, named) ?? { id: named, name: named, domains: [] };
  if (!organization && p.organizations.length) {
    const emails = contactId
      ? (
          await db
            .selectFrom('contact_identities')
            .select('address')
            .where('contact_id', '=', contactId)
            .where('kind', '=', 'email')
            .execute()
        ).map((r) => r.address)
      : session.identity.kind === 'email'
        ? [session.identity.address]
        : [];
    const domains = new Set(emails.map((e) => e.slice(e.lastIndexOf('@') + 1)));
    const o = p.organizations.find((x) => x.domains.some((d) => domains.has(d)));
    if (o) organization = { id: o.id, name: o.name, domains: o.domains };
  }
  return { session, identity: session.identity, contactId, contactName: contact?.name ?? null, organization, channels: site.channels };
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** Contacts of the viewer's organization: a proven email at one of its domains, or placed there by a signed link. */
async function organizationMembers(db: Executor, org: Organization): Promise<string[]> {
  const ids = new Set<string>();
  if (org.domains.length) {
    const rows = await db
      .selectFrom('contact_identities')
      .select('contact_id')
      .where('kind', '=', 'email')
      .where((eb) => eb.or(org.domains.map((d) => eb(sql`address`, 'like', sql`${`%@${likeEscape(d)}`} ESCAPE '\\'`))))
      .limit(5000)
      .execute();
    for (const r of rows) ids.add(r.contact_id);
  }
  const placed = await db
    .selectFrom('portal_contact_settings')
    .select('contact_id')
    .where('organization', '=', org.id)
    .limit(5000)
    .execute();
  for (const r of placed) ids.add(r.contact_id);
  return [...ids];
}

export type Scope = 'mine' | 'org';
export type StatusFilter = 'all' | 'awaiting' | 'open' | 'solved' | 'closed';
const FILTER_STATUSES: Record<StatusFilter, TicketStatus[] | undefined> = {
  all: undefined,
  awaiting: ['pending'],
  open: ['new', 'open'],
  solved: ['solved'],
  closed: ['closed'],
};

/** The tickets the viewer may list: "awaiting your reply" first, then most recent activity. */
export async function listVisibleTickets(db: Executor, v: Viewer, scope: Scope, filter: StatusFilter, limit = 200): Promise<Ticket[]> {
  if (!v.contactId) return [];
  let q = db.selectFrom('tickets').selectAll('tickets');
  if (scope === 'org') {
    if (!v.organization) return [];
    const members = await organizationMembers(db, v.organization);
    if (!members.length) return [];
    q = q.where('tickets.requester_id', 'in', members);
  } else {
    const me = v.contactId;
    q = q.where((eb) =>
      eb.or([
        eb('tickets.requester_id', '=', me),
        eb.exists(
          eb
            .selectFrom('ticket_participants')
            .select('ticket_participants.ticket_id')
            .whereRef('ticket_participants.ticket_id', '=', 'tickets.id')
            .where('ticket_participants.contact_id', '=', me),
        ),
      ]),
    );
  }
  if (v.channels.length) q = q.where('tickets.origin_channel_id', 'in', v.channels);
  const statuses = FILTER_STATUSES[filter];
  if (statuses) q = q.where('tickets.status', 'in', statuses);
  const rows = await q
    .orderBy(sql`case when tickets.status = 'pending' then 0 else 1 end`)
    .orderBy('tickets.updated_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toTicket);
}

export interface VisibleTicket {
  ticket: Ticket;
  /** The viewer requested it or takes part: may reply, solve, reopen. Organization members only read. */
  mine: boolean;
}

/** The ticket if the viewer may see it; undefined for every other case (answered as 404). */
export async function findVisibleTicket(db: Executor, v: Viewer, number: number): Promise<VisibleTicket | undefined> {
  if (!v.contactId || !Number.isSafeInteger(number) || number <= 0) return undefined;
  const r = await db.selectFrom('tickets').selectAll().where('number', '=', number).executeTakeFirst();
  if (!r) return undefined;
  const ticket = toTicket(r);
  if (v.channels.length && !v.channels.includes(ticket.originChannelId)) return undefined;
  if (ticket.requesterId === v.contactId) return { ticket, mine: true };
  const part = await db
    .selectFrom('ticket_participants')
    .select('contact_id')
    .where('ticket_id', '=', ticket.id)
    .where('contact_id', '=', v.contactId)
    .executeTakeFirst();
  if (part) return { ticket, mine: true };
  if (v.organization && (await organizationMembers(db, v.organization)).includes(ticket.requesterId)) return { ticket, mine: false };
  return undefined;
}
