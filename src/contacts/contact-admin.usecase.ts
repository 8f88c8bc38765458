/**
 * What agents do to contacts by hand: correct a name, link an identity they verified, unlink a
 * wrong one, merge two contacts that are one person (and undo it), link an identity a sender
 * only claimed on a ticket. Each is one transaction that writes its audit entry (actor, action,
 * target, evidence). An identity belongs to one contact: linking one that another contact owns
 * is a conflict that names the owner, so the agent can merge instead (ARCHITECTURE rule 0:
 * identities join a contact by proof, here an agent's recorded evidence).
 */
import type { Database, Executor } from '../db/database.js';
import { recordAudit } from '../db/repositories/audit.repository.js';
import { type ContactMerge, mergeContactsRecorded, undoMerge } from '../db/repositories/contact-merge.repository.js';
import {
  deleteIdentity,
  findIdentityRow,
  getContactRecord,
  getIdentityRow,
  insertIdentity,
  type ContactIdentityRow,
  updateContact,
} from '../db/repositories/contact.repository.js';
import { recordEvent } from '../db/repositories/event.repository.js';
import { getTicketByNumber } from '../db/repositories/ticket.repository.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Address } from '../domain/model.js';

export interface AgentActor {
  id: string;
}

const audit = (db: Executor, actor: AgentActor, action: string, contactId: string, detail: Record<string, unknown>, now: number) =>
  recordAudit(db, { type: 'agent', id: actor.id }, action, { type: 'contact', id: contactId }, detail, now);

async function requireContact(db: Executor, id: string) {
  const c = await getContactRecord(db, id);
  if (!c) throw new NotFoundError('contact', id);
  return c;
}

function ownedElsewhere(identity: Address, ownerContactId: string): ConflictError {
  return new ConflictError(
    `${identity.kind} ${identity.address} belongs to contact ${ownerContactId}; if they are one person, merge them (POST /api/contacts/{id}/merge with from=${ownerContactId})`,
    'identity_owned_by_other_contact',
    { ownerContactId },
  );
}

/** Adds `identity` to `contactId` unless it is theirs already; refuses one that someone else owns. */
async function attachIdentity(
  db: Executor,
  contactId: string,
  identity: Address,
  now: number,
): Promise<{ identity: ContactIdentityRow; created: boolean }> {
  const owner = await findIdentityRow(db, identity);
  if (owner && owner.contactId === contactId) return { identity: owner, created: false };
  if (owner) throw ownedElsewhere(identity, owner.contactId);
  const id = await insertIdentity(db, contactId, identity, now);
  const row = await findIdentityRow(db, identity);
  if (!id || !row) throw ownedElsewhere(identity, row?.contactId ?? 'unknown');
  return { identity: row, created: true };
}

export async function patchContact(
  database: Database,
  actor: AgentActor,
  id: string,
  changes: { name?: string | null | undefined; locale?: string | null | undefined },
  now: number,
) {
  return database.kysely.transaction().execute(async (trx) => {
    const before = await requireContact(trx, id);
    await updateContact(trx, id, changes, now);
    const after = await requireContact(trx, id);
    await audit(
      trx,
      actor,
      'contact.updated',
      id,
      { from: { name: before.name, locale: before.locale }, to: { name: after.name, locale: after.locale } },
      now,
    );
    return after;
  });
}

export async function linkIdentity(
  database: Database,
  actor: AgentActor,
  contactId: string,
  identity: Address,
  evidence: string,
  now: number,
) {
  return database.kysely.transaction().execute(async (trx) => {
    await requireContact(trx, contactId);
    const r = await attachIdentity(trx, contactId, identity, now);
    if (r.created)
      await audit(
        trx,
        actor,
        'contact.identity_linked',
        contactId,
        { identityId: r.identity.id, kind: identity.kind, address: identity.address, evidence },
        now,
      );
    return r;
  });
}

export async function unlinkIdentity(
  database: Database,
  actor: AgentActor,
  contactId: string,
  identityId: string,
  evidence: string,
  now: number,
): Promise<ContactIdentityRow> {
  return database.kysely.transaction().execute(async (trx) => {
    await requireContact(trx, contactId);
    const row = await getIdentityRow(trx, identityId);
    if (!row || row.contactId !== contactId) throw new NotFoundError(`identity of contact ${contactId}`, identityId);
    await deleteIdentity(trx, identityId);
    await audit(trx, actor, 'contact.identity_unlinked', contactId, { identityId, kind: row.kind, address: row.address, evidence }, now);
    return row;
  });
}

export async function mergeContacts(
  database: Database,
  actor: AgentActor,
  keepId: string,
  fromId: string,
  evidence: string,
  now: number,
): Promise<ContactMerge> {
  if (keepId === fromId)
    throw new ValidationError('invalid body', [{ path: 'body.from', message: 'a contact cannot be merged into itself' }]);
  return database.kysely.transaction().execute(async (trx) => {
    await requireContact(trx, keepId);
    await requireContact(trx, fromId);
    const merge = await mergeContactsRecorded(trx, keepId, fromId, actor.id, evidence, now);
    await audit(trx, actor, 'contact.merged', keepId, { mergeId: merge.id, from: fromId, evidence, moved: merge.moved }, now);
    return merge;
  });
}

export async function undoContactMerge(database: Database, actor: AgentActor, mergeId: string, now: number) {
  return database.kysely.transaction().execute(async (trx) => {
    const r = await undoMerge(trx, mergeId, actor.id, now);
    switch (r.status) {
      case 'not_found':
        throw new NotFoundError('merge', mergeId);
      case 'already_undone':
        throw new ConflictError(`merge ${mergeId} was already undone`, 'merge_already_undone', { undoneAt: r.undoneAt });
      case 'kept_contact_gone':
        throw new ConflictError(`contact ${r.keptContactId} was merged again since; undo that merge first`, 'merge_superseded', {
          keptContactId: r.keptContactId,
        });
      case 'dropped_contact_exists':
        throw new ConflictError(`the merged contact exists again`, 'merge_not_undoable');
    }
    await audit(
      trx,
      actor,
      'contact.merge_undone',
      r.merge.keptContactId,
      { mergeId, restoredContactId: r.merge.droppedContactId, restored: r.restored, keptElsewhere: r.keptElsewhere },
      now,
    );
    return r;
  });
}

/**
 * An identity a sender typed on a ticket (a claim) becomes an identity of the ticket's requester,
 * or of the contact given, because an agent vouches for it with `evidence`.
 */
export async function linkTicketClaim(
  database: Database,
  actor: AgentActor,
  ticketNumber: number,
  claimId: string,
  input: { contactId?: string | undefined; evidence: string },
  now: number,
) {
  return database.kysely.transaction().execute(async (trx) => {
    const ticket = await getTicketByNumber(trx, ticketNumber);
    if (!ticket) throw new NotFoundError('ticket', `#${ticketNumber}`);
    const claim = await trx
      .selectFrom('ticket_claims')
      .selectAll()
      .where('id', '=', claimId)
      .where('ticket_id', '=', ticket.id)
      .executeTakeFirst();
    if (!claim) throw new NotFoundError(`claim on ticket #${ticketNumber}`, claimId);
    const contactId = input.contactId ?? ticket.requesterId;
    await requireContact(trx, contactId);
    if (claim.linked_contact_id && claim.linked_contact_id !== contactId) {
      throw new ConflictError(`this claim is already linked to contact ${claim.linked_contact_id}`, 'claim_already_linked', {
        linkedContactId: claim.linked_contact_id,
      });
    }
    const identity = { kind: claim.kind, address: claim.address } as Address;
    const r = await attachIdentity(trx, contactId, identity, now);
    if (!claim.linked_contact_id) {
      await trx
        .updateTable('ticket_claims')
        .set({ linked_contact_id: contactId, linked_at: now, linked_by: actor.id })
        .where('id', '=', claim.id)
        .execute();
      await recordEvent(trx, ticket.id, 'claim_linked', null, `${identity.kind}:${identity.address}`, { type: 'agent', id: actor.id }, now);
    }
    // Audited whenever something changed: the claim got linked, or its identity (unlinked since) came back.
    if (!claim.linked_contact_id || r.created) {
      await audit(
        trx,
        actor,
        'contact.identity_linked',
        contactId,
        { identityId: r.identity.id, kind: identity.kind, address: identity.address, evidence: input.evidence, claimId, ticketNumber },
        now,
      );
    }
    const linked = await trx.selectFrom('ticket_claims').selectAll().where('id', '=', claim.id).executeTakeFirstOrThrow();
    return { claim: toClaimView(linked), identity: r.identity, created: r.created };
  });
}

export function toClaimView(r: {
  id: string;
  ticket_id: string;
  kind: string;
  address: string;
  display_name: string | null;
  created_at: number;
  linked_contact_id: string | null;
  linked_at: number | null;
  linked_by: string | null;
}) {
  return {
    id: r.id,
    kind: r.kind,
    address: r.address,
    displayName: r.display_name,
    createdAt: Number(r.created_at),
    linkedContactId: r.linked_contact_id,
    linkedAt: r.linked_at === null ? null : Number(r.linked_at),
    linkedBy: r.linked_by,
  };
}
