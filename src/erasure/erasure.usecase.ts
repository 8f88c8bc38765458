/**
 * LGPD erasure of one person (issue 17): `ponte contacts erase` and DELETE /api/contacts/:id.
 * Scope `tickets` (default) erases the tickets they requested and their messages anywhere;
 * scope `messages` erases only what they wrote (and their addresses on replies to them). Both
 * remove the person's identities, name, claims, portal sessions, merge snapshots, automatic-send
 * records, outbox and webhook logs, raw payloads and blobs nobody else references; the contact
 * stays as a pseudonymous id so ticket numbers, dates and statuses still add up. A receipt lists
 * what was removed (counts only), when, and by whom. On SQLite freed pages are zeroed
 * (secure_delete) and the WAL truncated, so no byte of the person stays in the file.
 */
import { sql } from 'kysely';
import type { BlobStore } from '../channel/contract.js';
import type { Database, Executor } from '../db/database.js';
import { type AuditActor, recordAudit } from '../db/repositories/audit.repository.js';
import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { removeUnreferencedBlobs } from './blob-cleanup.js';
import { type ScrubCounts, scrubMessages, scrubTickets } from './scrub.repository.js';

export type ErasureScope = 'tickets' | 'messages';

export interface ErasureReceipt {
  id: string;
  contactId: string;
  scope: ErasureScope;
  actor: AuditActor;
  createdAt: number;
  removed: ScrubCounts & {
    tickets: number;
    identities: number;
    claims: number;
    portalSessions: number;
    blobs: number;
    auditEntriesRedacted: number;
    merges: number;
  };
}

export async function eraseContact(
  database: Database,
  blobs: BlobStore,
  input: { contactId: string; scope: ErasureScope; actor: AuditActor },
  now: number,
): Promise<ErasureReceipt> {
  if (database.dialect === 'sqlite') await sql`PRAGMA secure_delete = ON`.execute(database.kysely);
  const { receipt, blobKeys } = await database.kysely.transaction().execute(async (trx) => {
    const contact = await trx.selectFrom('contacts').select('id').where('id', '=', input.contactId).executeTakeFirst();
    if (!contact) throw new NotFoundError('contact', input.contactId);
    const identities = await trx
      .selectFrom('contact_identities')
      .select(['kind', 'address'])
      .where('contact_id', '=', input.contactId)
      .execute();
    const addresses = [...new Set(identities.map((i) => i.address))];
    const tickets = (await trx.selectFrom('tickets').select('id').where('requester_id', '=', input.contactId).execute()).map((t) => t.id);

    const blobKeys: string[] = [];
    const removed: ErasureReceipt['removed'] = {
      tickets: 0,
      messages: 0,
      attachments: 0,
      tombstones: 0,
      outbox: 0,
      webhookEvents: 0,
      webhookDeliveries: 0,
      inboundReceipts: 0,
      identities: identities.length,
      claims: 0,
      portalSessions: 0,
      blobs: 0,
      auditEntriesRedacted: 0,
      merges: 0,
    };
    const add = (c: ScrubCounts) => {
      for (const k of Object.keys(c) as Array<keyof ScrubCounts>) removed[k] += c[k];
    };
    if (input.scope === 'tickets' && tickets.length) {
      const r = await scrubTickets(trx, tickets, 'erase', now);
      add(r.counts);
      blobKeys.push(...r.blobKeys);
      removed.tickets = tickets.length;
    }
    // What they wrote anywhere else, and replies addressed to them.
    const erasedTickets = new Set(input.scope === 'tickets' ? tickets : []);
    const own = (await trx.selectFrom('messages').select(['id', 'ticket_id']).where('author_contact_id', '=', input.contactId).execute())
      .filter((m) => !erasedTickets.has(m.ticket_id))
      .map((m) => m.id);
    const toThem = addresses.length
      ? (await trx.selectFrom('messages').select('id').where('recipient_address', 'in', addresses).execute()).map((m) => m.id)
      : [];
    if (own.length) {
      const r = await scrubMessages(trx, own, 'erase', now);
      add(r.counts);
      blobKeys.push(...r.blobKeys);
    }
    if (toThem.length) {
      const r = await scrubMessages(
        trx,
        toThem.filter((id) => !own.includes(id)),
        input.scope === 'tickets' ? 'erase' : 'pseudonymize',
        now,
      );
      add(r.counts);
      blobKeys.push(...r.blobKeys);
    }
    if (input.scope === 'messages' && tickets.length) {
      await trx
        .updateTable('tickets')
        .set({ subject: '[erased]', custom_fields: '{}', reference: null, updated_at: now })
        .where('id', 'in', tickets)
        .execute();
      await trx.deleteFrom('ticket_claims').where('ticket_id', 'in', tickets).execute();
      await trx.deleteFrom('ticket_recipients').where('ticket_id', 'in', tickets).execute();
      await trx.deleteFrom('notification_digests').where('ticket_id', 'in', tickets).execute();
      const events = (await trx.selectFrom('webhook_events').select('id').where('ticket_id', 'in', tickets).execute()).map((e) => e.id);
      if (events.length) {
        removed.webhookDeliveries += Number(
          (await trx.deleteFrom('webhook_deliveries').where('event_id', 'in', events).executeTakeFirst()).numDeletedRows,
        );
        removed.webhookEvents += Number(
          (await trx.deleteFrom('webhook_events').where('id', 'in', events).executeTakeFirst()).numDeletedRows,
        );
      }
    }
    removed.claims += await deleteClaimsOf(trx, input.contactId, addresses);
    if (addresses.length) {
      await trx.deleteFrom('ticket_recipients').where('address', 'in', addresses).execute();
      await trx.deleteFrom('automatic_sends').where('address', 'in', addresses).execute();
      await trx.deleteFrom('notification_digests').where('recipient_address', 'in', addresses).execute();
      removed.portalSessions += Number(
        (await trx.deleteFrom('portal_sessions').where('identity_address', 'in', addresses).executeTakeFirst()).numDeletedRows,
      );
      await trx.deleteFrom('portal_sign_in_tokens').where('identity_address', 'in', addresses).execute();
    }
    await trx.deleteFrom('portal_contact_settings').where('contact_id', '=', input.contactId).execute();
    await trx.deleteFrom('ticket_participants').where('contact_id', '=', input.contactId).execute();
    removed.merges = Number(
      (
        await trx
          .deleteFrom('contact_merges')
          .where((eb) => eb.or([eb('kept_contact_id', '=', input.contactId), eb('dropped_contact_id', '=', input.contactId)]))
          .executeTakeFirst()
      ).numDeletedRows,
    );
    await trx.deleteFrom('contact_identities').where('contact_id', '=', input.contactId).execute();
    await trx.updateTable('contacts').set({ name: null, locale: null, updated_at: now }).where('id', '=', input.contactId).execute();
    // Audit details about this person (identities linked, merges, names) lose their values.
    removed.auditEntriesRedacted = Number(
      (
        await trx
          .updateTable('audit_log')
          .set({ detail: JSON.stringify({ redacted: 'erasure' }) })
          .where('target_id', 'in', [input.contactId, ...tickets])
          .executeTakeFirst()
      ).numUpdatedRows,
    );

    const receipt: ErasureReceipt = {
      id: newId(now),
      contactId: input.contactId,
      scope: input.scope,
      actor: input.actor,
      createdAt: now,
      removed,
    };
    await trx
      .insertInto('erasure_receipts')
      .values({
        id: receipt.id,
        contact_id: input.contactId,
        actor_type: input.actor.type,
        actor_id: input.actor.id,
        mode: input.scope,
        removed: JSON.stringify(removed),
        created_at: now,
      })
      .execute();
    await recordAudit(
      trx,
      input.actor,
      'contact.erased',
      { type: 'contact', id: input.contactId },
      { receiptId: receipt.id, scope: input.scope },
      now,
    );
    return { receipt, blobKeys };
  });
  // After the commit: files nobody references, and no old page left in the SQLite files.
  receipt.removed.blobs = await removeUnreferencedBlobs(database.kysely, blobs, blobKeys);
  if (receipt.removed.blobs)
    await database.kysely
      .updateTable('erasure_receipts')
      .set({ removed: JSON.stringify(receipt.removed) })
      .where('id', '=', receipt.id)
      .execute();
  if (database.dialect === 'sqlite') {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(database.kysely);
  }
  return receipt;
}

async function deleteClaimsOf(db: Executor, contactId: string, addresses: string[]): Promise<number> {
  let q = db.deleteFrom('ticket_claims').where('linked_contact_id', '=', contactId);
  if (addresses.length)
    q = db.deleteFrom('ticket_claims').where((eb) => eb.or([eb('linked_contact_id', '=', contactId), eb('address', 'in', addresses)]));
  return Number((await q.executeTakeFirst()).numDeletedRows);
}

export async function listErasureReceipts(db: Executor, f: { contactId?: string | undefined; limit: number }): Promise<ErasureReceipt[]> {
  let q = db.selectFrom('erasure_receipts').selectAll();
  if (f.contactId) q = q.where('contact_id', '=', f.contactId);
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    contactId: r.contact_id,
    scope: r.mode as ErasureScope,
    actor: { type: r.actor_type as AuditActor['type'], id: r.actor_id },
    createdAt: Number(r.created_at),
    removed: JSON.parse(r.removed) as ErasureReceipt['removed'],
  }));
}
