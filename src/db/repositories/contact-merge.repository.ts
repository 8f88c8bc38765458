/**
 * Merges that agents ask for, recorded so that they can be undone: what moved from the dropped
 * contact to the kept one (identities, tickets as requester, participation, authorship, linked
 * claims) and the dropped contact as it was. Undo moves back what still sits where the merge
 * put it; what changed since (an identity unlinked meanwhile) stays and is reported.
 */
import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';
import { getContact, mergeContacts } from './contact.repository.js';

interface MergeSnapshot {
  dropped: { id: string; name: string | null; locale: string | null; createdAt: number; updatedAt: number };
  keptNameBefore: string | null;
  identityIds: string[];
  ticketIds: string[];
  participants: Array<{ ticketId: string; createdAt: number; keptWasParticipant: boolean }>;
  messageIds: string[];
  claimIds: string[];
}

export interface ContactMerge {
  id: string;
  keptContactId: string;
  droppedContactId: string;
  evidence: string;
  actorId: string;
  createdAt: number;
  undoneAt: number | null;
  undoneBy: string | null;
  moved: { identities: number; tickets: number; participations: number; messages: number; claims: number };
}

const CHUNK = 500;
function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

function toMerge(r: {
  id: string;
  kept_contact_id: string;
  dropped_contact_id: string;
  snapshot: string;
  evidence: string;
  actor_id: string;
  created_at: number;
  undone_at: number | null;
  undone_by: string | null;
}): ContactMerge {
  const s = JSON.parse(r.snapshot) as MergeSnapshot;
  return {
    id: r.id,
    keptContactId: r.kept_contact_id,
    droppedContactId: r.dropped_contact_id,
    evidence: r.evidence,
    actorId: r.actor_id,
    createdAt: Number(r.created_at),
    undoneAt: r.undone_at === null ? null : Number(r.undone_at),
    undoneBy: r.undone_by,
    moved: {
      identities: s.identityIds.length,
      tickets: s.ticketIds.length,
      participations: s.participants.length,
      messages: s.messageIds.length,
      claims: s.claimIds.length,
    },
  };
}

/** Merges `dropId` into `keepId` (both must exist) and records it. Runs in the caller's transaction. */
export async function mergeContactsRecorded(
  db: Executor,
  keepId: string,
  dropId: string,
  actorId: string,
  evidence: string,
  now: number,
): Promise<ContactMerge> {
  const kept = await getContact(db, keepId);
  const dropped = await getContact(db, dropId);
  if (!kept || !dropped) throw new Error('mergeContactsRecorded: both contacts must exist');
  const keptParts = new Set(
    (await db.selectFrom('ticket_participants').select('ticket_id').where('contact_id', '=', keepId).execute()).map((r) => r.ticket_id),
  );
  const snapshot: MergeSnapshot = {
    dropped: {
      id: dropped.id,
      name: dropped.name,
      locale: dropped.locale,
      createdAt: Number(dropped.created_at),
      updatedAt: Number(dropped.updated_at),
    },
    keptNameBefore: kept.name,
    identityIds: (await db.selectFrom('contact_identities').select('id').where('contact_id', '=', dropId).execute()).map((r) => r.id),
    ticketIds: (await db.selectFrom('tickets').select('id').where('requester_id', '=', dropId).execute()).map((r) => r.id),
    participants: (
      await db.selectFrom('ticket_participants').select(['ticket_id', 'created_at']).where('contact_id', '=', dropId).execute()
    ).map((r) => ({ ticketId: r.ticket_id, createdAt: Number(r.created_at), keptWasParticipant: keptParts.has(r.ticket_id) })),
    messageIds: (await db.selectFrom('messages').select('id').where('author_contact_id', '=', dropId).execute()).map((r) => r.id),
    claimIds: (await db.selectFrom('ticket_claims').select('id').where('linked_contact_id', '=', dropId).execute()).map((r) => r.id),
  };
  await db.updateTable('ticket_claims').set({ linked_contact_id: keepId }).where('linked_contact_id', '=', dropId).execute();
  await mergeContacts(db, keepId, dropId, now);
  const row = {
    id: newId(now),
    kept_contact_id: keepId,
    dropped_contact_id: dropId,
    snapshot: JSON.stringify(snapshot),
    evidence,
    actor_id: actorId,
    created_at: now,
    undone_at: null,
    undone_by: null,
  };
  await db.insertInto('contact_merges').values(row).execute();
  return toMerge(row);
}

export async function getMerge(db: Executor, id: string): Promise<ContactMerge | undefined> {
  const r = await db.selectFrom('contact_merges').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toMerge(r);
}

export async function mergesInto(db: Executor, keptContactId: string): Promise<ContactMerge[]> {
  const rows = await db
    .selectFrom('contact_merges')
    .selectAll()
    .where('kept_contact_id', '=', keptContactId)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return rows.map(toMerge);
}

export type UndoResult =
  | { status: 'not_found' }
  | { status: 'already_undone'; undoneAt: number }
  | { status: 'kept_contact_gone'; keptContactId: string }
  | { status: 'dropped_contact_exists' }
  | {
      status: 'undone';
      merge: ContactMerge;
      restored: { identities: number; tickets: number; participations: number; messages: number; claims: number };
      keptElsewhere: { identities: string[]; tickets: string[] };
    };

/** Restores the dropped contact under its old id and moves back what the merge moved. */
export async function undoMerge(db: Executor, mergeId: string, actorId: string, now: number): Promise<UndoResult> {
  const r = await db.selectFrom('contact_merges').selectAll().where('id', '=', mergeId).executeTakeFirst();
  if (!r) return { status: 'not_found' };
  if (r.undone_at !== null) return { status: 'already_undone', undoneAt: Number(r.undone_at) };
  const keepId = r.kept_contact_id;
  const kept = await getContact(db, keepId);
  if (!kept) return { status: 'kept_contact_gone', keptContactId: keepId };
  const s = JSON.parse(r.snapshot) as MergeSnapshot;
  const dropId = s.dropped.id;
  if (await getContact(db, dropId)) return { status: 'dropped_contact_exists' };
  await db
    .insertInto('contacts')
    .values({ id: dropId, name: s.dropped.name, locale: s.dropped.locale, created_at: s.dropped.createdAt, updated_at: now })
    .execute();

  const restored = { identities: 0, tickets: 0, participations: 0, messages: 0, claims: 0 };
  for (const ids of chunks(s.identityIds)) {
    const u = await db
      .updateTable('contact_identities')
      .set({ contact_id: dropId })
      .where('id', 'in', ids)
      .where('contact_id', '=', keepId)
      .executeTakeFirst();
    restored.identities += Number(u.numUpdatedRows);
  }
  for (const ids of chunks(s.ticketIds)) {
    const u = await db
      .updateTable('tickets')
      .set({ requester_id: dropId, updated_at: now })
      .where('id', 'in', ids)
      .where('requester_id', '=', keepId)
      .executeTakeFirst();
    restored.tickets += Number(u.numUpdatedRows);
  }
  for (const p of s.participants) {
    const exists = await db.selectFrom('tickets').select('id').where('id', '=', p.ticketId).executeTakeFirst();
    if (!exists) continue;
    await db
      .insertInto('ticket_participants')
      .values({ ticket_id: p.ticketId, contact_id: dropId, created_at: p.createdAt })
      .onConflict((oc) => oc.columns(['ticket_id', 'contact_id']).doNothing())
      .execute();
    if (!p.keptWasParticipant)
      await db.deleteFrom('ticket_participants').where('ticket_id', '=', p.ticketId).where('contact_id', '=', keepId).execute();
    restored.participations++;
  }
  for (const ids of chunks(s.messageIds)) {
    const u = await db
      .updateTable('messages')
      .set({ author_contact_id: dropId })
      .where('id', 'in', ids)
      .where('author_contact_id', '=', keepId)
      .executeTakeFirst();
    restored.messages += Number(u.numUpdatedRows);
  }
  for (const ids of chunks(s.claimIds)) {
    const u = await db
      .updateTable('ticket_claims')
      .set({ linked_contact_id: dropId })
      .where('id', 'in', ids)
      .where('linked_contact_id', '=', keepId)
      .executeTakeFirst();
    restored.claims += Number(u.numUpdatedRows);
  }
  // The kept contact took the dropped one's name only when it had none: give it back.
  if (s.keptNameBefore === null && kept.name !== null && kept.name === s.dropped.name) {
    await db.updateTable('contacts').set({ name: null, updated_at: now }).where('id', '=', keepId).execute();
  }
  await db.updateTable('contact_merges').set({ undone_at: now, undone_by: actorId }).where('id', '=', mergeId).execute();

  const keptElsewhere = { identities: [] as string[], tickets: [] as string[] };
  for (const c of chunks(s.identityIds)) {
    const rows = await db.selectFrom('contact_identities').select('id').where('id', 'in', c).where('contact_id', '!=', dropId).execute();
    keptElsewhere.identities.push(...rows.map((x) => x.id));
  }
  for (const c of chunks(s.ticketIds)) {
    const rows = await db.selectFrom('tickets').select('id').where('id', 'in', c).where('requester_id', '!=', dropId).execute();
    keptElsewhere.tickets.push(...rows.map((x) => x.id));
  }
  const merge = toMerge({ ...r, undone_at: now, undone_by: actorId });
  return { status: 'undone', merge, restored, keptElsewhere };
}
