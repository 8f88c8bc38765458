import { sql } from 'kysely';
import type { Address } from '../../domain/model.js';
import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';
import { insertRow, listParams, precompiled, runShaped } from '../precompiled.js';

export interface ContactIdentity {
  kind: string;
  address: string;
}

/** Contacts owning any of these identities, first match per identity order. */
export async function findContactIdsByIdentities(db: Executor, identities: Address[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (identities.length === 0) return out;
  const { rows } = await runShaped<{ contact_id: string; kind: string; address: string }>(
    db,
    `contact-ids-by-identities:${identities.length}`,
    (p) =>
      db
        .selectFrom('contact_identities')
        .select(['contact_id', 'kind', 'address'])
        .where((eb) => eb.or(identities.map((_, n) => eb.and([eb('kind', '=', p(`k${n}`)), eb('address', '=', p(`a${n}`))])))),
    {
      ...listParams(
        'k',
        identities.map((i) => i.kind),
      ),
      ...listParams(
        'a',
        identities.map((i) => i.address),
      ),
    },
  );
  for (const r of rows) out.set(`${r.kind}:${r.address}`, r.contact_id);
  return out;
}

export async function createContact(
  db: Executor,
  input: { name?: string | undefined; locale?: string | undefined },
  now: number,
): Promise<string> {
  const id = newId(now);
  await insertRow(db, 'contacts', { id, name: input.name ?? null, locale: input.locale ?? null, created_at: now, updated_at: now });
  return id;
}

const addIdentityIfNew = precompiled('contact_identities:add', (db, p) =>
  db
    .insertInto('contact_identities')
    .values({ id: p('id'), contact_id: p('contactId'), kind: p('kind'), address: p('address'), created_at: p('now') })
    .onConflict((oc) => oc.columns(['kind', 'address']).doNothing()),
);

/** Adds identities that are not yet known; an identity owned by someone else stays theirs. */
export async function addIdentities(db: Executor, contactId: string, identities: Address[], now: number): Promise<void> {
  for (const i of identities) {
    await addIdentityIfNew(db, { id: newId(now), contactId, kind: i.kind, address: i.address, now });
  }
}

export async function setContactNameIfMissing(db: Executor, contactId: string, name: string | undefined, now: number): Promise<void> {
  if (!name) return;
  await nameIfMissing(db, { name, now, contactId });
}

const nameIfMissing = precompiled('contacts:name-if-missing', (db, p) =>
  db
    .updateTable('contacts')
    .set({ name: p('name'), updated_at: p('now') })
    .where('id', '=', p('contactId'))
    .where('name', 'is', null),
);

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

// ---- The contacts API (agents look up, correct, link and unlink; see src/contacts/) ----

export interface ContactIdentityRow {
  id: string;
  contactId: string;
  kind: string;
  address: string;
  createdAt: number;
}

export interface ContactRecord {
  id: string;
  name: string | null;
  locale: string | null;
  createdAt: number;
  updatedAt: number;
}

const toContact = (r: {
  id: string;
  name: string | null;
  locale: string | null;
  created_at: number;
  updated_at: number;
}): ContactRecord => ({
  id: r.id,
  name: r.name,
  locale: r.locale,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

function likeEscapeText(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * Newest first. `text` matches the name or any identity address (case-insensitive substring);
 * `contactIds` restricts to these (an exact identity lookup). `before` is the last id of the
 * previous page.
 */
export async function listContacts(
  db: Executor,
  f: { text?: string | undefined; contactIds?: string[] | undefined; before?: string | undefined; limit: number },
): Promise<ContactRecord[]> {
  let q = db.selectFrom('contacts').selectAll('contacts');
  if (f.contactIds) q = f.contactIds.length ? q.where('contacts.id', 'in', f.contactIds) : q.where(sql<boolean>`1 = 0`);
  if (f.text) {
    const needle = `%${likeEscapeText(f.text.toLowerCase())}%`;
    q = q.where((eb) =>
      eb.or([
        eb(sql`lower(contacts.name)`, 'like', sql`${needle} ESCAPE '\\'`),
        eb.exists(
          eb
            .selectFrom('contact_identities')
            .select('contact_identities.id')
            .whereRef('contact_identities.contact_id', '=', 'contacts.id')
            .where(sql<boolean>`lower(contact_identities.address) LIKE ${needle} ESCAPE '\\'`),
        ),
      ]),
    );
  }
  if (f.before) q = q.where('contacts.id', '<', f.before);
  return (await q.orderBy('contacts.id', 'desc').limit(f.limit).execute()).map(toContact);
}

export async function getContactRecord(db: Executor, id: string): Promise<ContactRecord | undefined> {
  const r = await getContact(db, id);
  return r && toContact(r);
}

export async function identityRowsOf(db: Executor, contactIds: string[]): Promise<ContactIdentityRow[]> {
  if (contactIds.length === 0) return [];
  const rows = await db.selectFrom('contact_identities').selectAll().where('contact_id', 'in', contactIds).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, contactId: r.contact_id, kind: r.kind, address: r.address, createdAt: Number(r.created_at) }));
}

export async function getIdentityRow(db: Executor, id: string): Promise<ContactIdentityRow | undefined> {
  const r = await db.selectFrom('contact_identities').selectAll().where('id', '=', id).executeTakeFirst();
  return r && { id: r.id, contactId: r.contact_id, kind: r.kind, address: r.address, createdAt: Number(r.created_at) };
}

export async function findIdentityRow(db: Executor, identity: Address): Promise<ContactIdentityRow | undefined> {
  const r = await db
    .selectFrom('contact_identities')
    .selectAll()
    .where('kind', '=', identity.kind)
    .where('address', '=', identity.address)
    .executeTakeFirst();
  return r && { id: r.id, contactId: r.contact_id, kind: r.kind, address: r.address, createdAt: Number(r.created_at) };
}

/** Inserts one identity for this contact; undefined when someone owns it already (a race lost). */
export async function insertIdentity(db: Executor, contactId: string, identity: Address, now: number): Promise<string | undefined> {
  const id = newId(now);
  const r = await db
    .insertInto('contact_identities')
    .values({ id, contact_id: contactId, kind: identity.kind, address: identity.address, created_at: now })
    .onConflict((oc) => oc.columns(['kind', 'address']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1 ? id : undefined;
}

export async function deleteIdentity(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('contact_identities').where('id', '=', id).execute();
}

export async function updateContact(
  db: Executor,
  id: string,
  changes: { name?: string | null | undefined; locale?: string | null | undefined },
  now: number,
): Promise<void> {
  await db
    .updateTable('contacts')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.locale !== undefined ? { locale: changes.locale } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Does the customer want this update? They choose in the portal: every update (the default) or
 * only when their answer is needed (`needsAnswer`: the ticket now waits for them).
 */
export async function customerWantsUpdate(db: Executor, contactId: string, needsAnswer: boolean): Promise<boolean> {
  if (needsAnswer) return true;
  const r = await db.selectFrom('portal_contact_settings').select('notify').where('contact_id', '=', contactId).executeTakeFirst();
  return r?.notify !== 'needs_reply';
}

/** Whether any of these contacts is known by an email address. */
export async function anyHasEmailIdentity(db: Executor, contactIds: string[]): Promise<boolean> {
  if (contactIds.length === 0) return false;
  const r = await db
    .selectFrom('contact_identities')
    .select('id')
    .where('contact_id', 'in', contactIds)
    .where('kind', '=', 'email')
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}
