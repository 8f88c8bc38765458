import type { Address } from '../../domain/model.js';
import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';

export interface ContactIdentity {
  kind: string;
  address: string;
}

/** Contacts owning any of these identities, first match per identity order. */
export async function findContactIdsByIdentities(db: Executor, identities: Address[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (identities.length === 0) return out;
  const rows = await db
    .selectFrom('contact_identities')
    .select(['contact_id', 'kind', 'address'])
    .where((eb) => eb.or(identities.map((i) => eb.and([eb('kind', '=', i.kind), eb('address', '=', i.address)]))))
    .execute();
  for (const r of rows) out.set(`${r.kind}:${r.address}`, r.contact_id);
  return out;
}

export async function createContact(db: Executor, input: { name?: string | undefined; locale?: string | undefined }, now: number): Promise<string> {
  const id = newId(now);
  await db.insertInto('contacts').values({ id, name: input.name ?? null, locale: input.locale ?? null, created_at: now, updated_at: now }).execute();
  return id;
}

/** Adds identities that are not yet known; an identity owned by someone else stays theirs. */
export async function addIdentities(db: Executor, contactId: string, identities: Address[], now: number): Promise<void> {
  for (const i of identities) {
    await db
      .insertInto('contact_identities')
      .values({ id: newId(now), contact_id: contactId, kind: i.kind, address: i.address, created_at: now })
      .onConflict((oc) => oc.columns(['kind', 'address']).doNothing())
      .execute();
  }
}

export async function setContactNameIfMissing(db: Executor, contactId: string, name: string | undefined, now: number): Promise<void> {
  if (!name) return;
  await db.updateTable('contacts').set({ name, updated_at: now }).where('id', '=', contactId).where('name', 'is', null).execute();
}

export async function identitiesOf(db: Executor, contactId: string): Promise<ContactIdentity[]> {
  return db.selectFrom('contact_identities').select(['kind', 'address']).where('contact_id', '=', contactId).orderBy('id').execute();
}

export async function getContact(db: Executor, id: string) {
  return db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Merges `dropId` into `keepId`: identities, tickets (as requester), participation and message
 * authorship move over, then the dropped contact is deleted. Runs in the caller's transaction.
 */
export async function mergeContacts(db: Executor, keepId: string, dropId: string, now: number): Promise<void> {
  if (keepId === dropId) return;
  await db.updateTable('contact_identities').set({ contact_id: keepId }).where('contact_id', '=', dropId).execute();
  await db.updateTable('tickets').set({ requester_id: keepId, updated_at: now }).where('requester_id', '=', dropId).execute();
  const parts = await db.selectFrom('ticket_participants').select('ticket_id').where('contact_id', '=', dropId).execute();
  for (const p of parts) {
    await db
      .insertInto('ticket_participants')
      .values({ ticket_id: p.ticket_id, contact_id: keepId, created_at: now })
      .onConflict((oc) => oc.columns(['ticket_id', 'contact_id']).doNothing())
      .execute();
  }
  await db.deleteFrom('ticket_participants').where('contact_id', '=', dropId).execute();
  await db.updateTable('messages').set({ author_contact_id: keepId }).where('author_contact_id', '=', dropId).execute();
  const dropped = await getContact(db, dropId);
  if (dropped?.name) await setContactNameIfMissing(db, keepId, dropped.name, now);
  await db.deleteFrom('contacts').where('id', '=', dropId).execute();
}

/** See ChannelContext.linkIdentities. */
export async function linkIdentities(db: Executor, addresses: Address[], now: number): Promise<string | undefined> {
  const owners = await findContactIdsByIdentities(db, addresses);
  const ids = [...new Set(owners.values())].sort(); // ids are time-ordered: the first is the oldest
  const keep = ids[0];
  if (!keep) return undefined;
  for (const other of ids.slice(1)) await mergeContacts(db, keep, other, now);
  await addIdentities(db, keep, addresses, now);
  return keep;
}
