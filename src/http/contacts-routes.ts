/**
 * The contacts API: look people up, correct them, link and unlink identities with evidence,
 * merge and undo, and link an identity a sender claimed on a ticket. The work and the audit
 * happen in src/contacts/contact-admin.usecase.ts; this file validates and shapes answers.
 */
import type { Router } from 'express';
import { statusLabelsFor } from '../config/schema.js';
import type { Executor } from '../db/database.js';
import { mergesInto } from '../db/repositories/contact-merge.repository.js';
import {
  findContactIdsByIdentities,
  getContactRecord,
  identityRowsOf,
  listContacts,
  type ContactIdentityRow,
  type ContactRecord,
} from '../db/repositories/contact.repository.js';
import { listTickets } from '../db/repositories/ticket.repository.js';
import {
  linkIdentity,
  linkTicketClaim,
  mergeContacts,
  patchContact,
  toClaimView,
  undoContactMerge,
  unlinkIdentity,
} from '../contacts/contact-admin.usecase.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { Address } from '../domain/model.js';
import { ticketSummary } from '../tickets/ticket-view.js';
import type { ApiDeps } from './api-router.js';
import { agentOf, identityLookups, parse, phoneAliasesOf } from './route-kit.js';
import {
  claimParams,
  contactIdParam,
  evidenceBody,
  identityParams,
  linkClaimBody,
  linkIdentityBody,
  listContactsQuery,
  mergeBody,
  mergeIdParam,
  patchContactBody,
} from './schemas.js';

const identityView = (i: ContactIdentityRow) => ({ id: i.id, kind: i.kind, address: i.address, createdAt: i.createdAt });

async function withIdentities(db: Executor, contacts: ContactRecord[]) {
  const rows = await identityRowsOf(
    db,
    contacts.map((c) => c.id),
  );
  return contacts.map((c) => ({ ...c, identities: rows.filter((r) => r.contactId === c.id).map(identityView) }));
}

export function registerContactRoutes(router: Router, deps: ApiDeps): void {
  const db = deps.database.kysely;
  const now = () => deps.clock.now();

  router.get('/contacts', async (req, res) => {
    const q = parse(listContactsQuery, req.query, 'query');
    const contactIds = q.identity
      ? [...new Set((await findContactIdsByIdentities(db, identityLookups(q.identity, phoneAliasesOf(deps.channels)))).values())]
      : undefined;
    const contacts = await listContacts(db, { text: q.q, contactIds, before: q.cursor, limit: q.limit + 1 });
    const page = contacts.slice(0, q.limit);
    res.json({ contacts: await withIdentities(db, page), nextCursor: contacts.length > q.limit ? page[page.length - 1]!.id : null });
  });

  router.get('/contacts/:id', async (req, res) => {
    const { id } = parse(contactIdParam, req.params, 'params');
    const contact = await getContactRecord(db, id);
    if (!contact) throw new NotFoundError('contact', id);
    const [withIds] = await withIdentities(db, [contact]);
    const tickets = await listTickets(db, { requesterContactIds: [id], now: now(), limit: 200 });
    const ticketIds = tickets.map((t) => t.id);
    const claims = ticketIds.length
      ? await db.selectFrom('ticket_claims').selectAll().where('ticket_id', 'in', ticketIds).orderBy('id').execute()
      : [];
    const numberOf = new Map(tickets.map((t) => [t.id, t.number]));
    res.json({
      ...withIds,
      tickets: tickets.map((t) => ticketSummary(t, statusLabelsFor(deps.config, t.locale))),
      claims: claims.map((c) => ({ ...toClaimView(c), ticketNumber: numberOf.get(c.ticket_id) })),
      merges: await mergesInto(db, id),
    });
  });

  router.patch('/contacts/:id', async (req, res) => {
    const { id } = parse(contactIdParam, req.params, 'params');
    const body = parse(patchContactBody, req.body ?? {}, 'body');
    res.json(await patchContact(deps.database, agentOf(req), id, body, now()));
  });

  router.post('/contacts/:id/identities', async (req, res) => {
    const { id } = parse(contactIdParam, req.params, 'params');
    const body = parse(linkIdentityBody, req.body ?? {}, 'body');
    const identity = { kind: body.kind, address: channelOwnedAddress(deps.channels, body.kind, body.address) } as Address;
    const r = await linkIdentity(deps.database, agentOf(req), id, identity, body.evidence, now());
    res.status(r.created ? 201 : 200).json({ identity: identityView(r.identity), created: r.created });
  });

  router.delete('/contacts/:id/identities/:identityId', async (req, res) => {
    const { id, identityId } = parse(identityParams, req.params, 'params');
    const body = parse(evidenceBody, req.body ?? { evidence: req.query.evidence }, 'body');
    const removed = await unlinkIdentity(deps.database, agentOf(req), id, identityId, body.evidence, now());
    res.json({ unlinked: identityView(removed) });
  });

  router.post('/contacts/:id/merge', async (req, res) => {
    const { id } = parse(contactIdParam, req.params, 'params');
    const body = parse(mergeBody, req.body ?? {}, 'body');
    const merge = await mergeContacts(deps.database, agentOf(req), id, body.from, body.evidence, now());
    const contact = (await getContactRecord(db, id))!;
    res.json({ merge, contact: (await withIdentities(db, [contact]))[0] });
  });

  router.post('/contacts/merges/:mergeId/undo', async (req, res) => {
    const { mergeId } = parse(mergeIdParam, req.params, 'params');
    const r = await undoContactMerge(deps.database, agentOf(req), mergeId, now());
    res.json({ merge: r.merge, restored: r.restored, keptElsewhere: r.keptElsewhere });
  });

  router.post('/tickets/:number/claims/:claimId/link', async (req, res) => {
    const { number, claimId } = parse(claimParams, req.params, 'params');
    const body = parse(linkClaimBody, req.body ?? {}, 'body');
    const r = await linkTicketClaim(deps.database, agentOf(req), number, claimId, body, now());
    res.status(r.created ? 201 : 200).json({ claim: r.claim, identity: identityView(r.identity), created: r.created });
  });
}

/** An address of a kind a channel owns (WhatsApp JIDs …), checked by that channel kind; core kinds pass as parsed. */
function channelOwnedAddress(channels: ApiDeps['channels'], kind: string, address: string): string {
  const described = channels.identityKind(kind);
  if (!described) return address;
  const valid = described.validate(address);
  if (valid === undefined) throw new ValidationError('invalid body', [{ path: 'body.address', message: `not ${described.hint}` }]);
  return valid;
}
