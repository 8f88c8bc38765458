/**
 * Rows behind the trust rules: claims (identities typed, not proven), the addresses that
 * received a ticket's messages, and an agent's earlier messages (to spot an auto-responder).
 */
import { sql } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { Address } from '../../domain/model.js';
import type { Executor } from '../database.js';
import { precompiled } from '../precompiled.js';

export interface TicketClaim {
  id: string;
  ticketId: string;
  kind: Address['kind'];
  address: string;
  displayName: string | null;
  createdAt: number;
  linkedContactId: string | null;
  linkedAt: number | null;
  linkedBy: string | null;
}

/** Records what the sender claimed on this ticket; a claim already recorded stays as it is. */
export async function insertClaims(db: Executor, ticketId: string, claims: Address[], now: number): Promise<void> {
  for (const c of claims) {
    await insertClaim(db, {
      id: newId(now),
      ticketId,
      kind: c.kind,
      address: c.address,
      displayName: c.displayName ?? null,
      now,
    });
  }
}

const insertClaim = precompiled('ticket_claims:insert', (db, p) =>
  db
    .insertInto('ticket_claims')
    .values({
      id: p('id'),
      ticket_id: p('ticketId'),
      kind: p('kind'),
      address: p('address'),
      display_name: p('displayName'),
      created_at: p('now'),
      linked_contact_id: null,
      linked_at: null,
      linked_by: null,
    })
    .onConflict((oc) => oc.columns(['ticket_id', 'kind', 'address']).doNothing()),
);

export async function claimsOfTicket(db: Executor, ticketId: string): Promise<TicketClaim[]> {
  const rows = await db.selectFrom('ticket_claims').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    ticketId: r.ticket_id,
    kind: r.kind as Address['kind'],
    address: r.address,
    displayName: r.display_name,
    createdAt: Number(r.created_at),
    linkedContactId: r.linked_contact_id,
    linkedAt: r.linked_at === null ? null : Number(r.linked_at),
    linkedBy: r.linked_by,
  }));
}

/** Remembers who received a message on this ticket (inbound To/Cc, our recipient and Cc). */
export async function recordRecipients(db: Executor, ticketId: string, addresses: Address[], now: number): Promise<void> {
  const seen = new Set<string>();
  for (const a of addresses) {
    const address = a.kind === 'email' ? a.address.trim().toLowerCase() : a.address;
    const key = `${a.kind}:${address}`;
    if (!address || seen.has(key)) continue;
    seen.add(key);
    await db
      .insertInto('ticket_recipients')
      .values({ ticket_id: ticketId, kind: a.kind, address, created_at: now })
      .onConflict((oc) => oc.columns(['ticket_id', 'kind', 'address']).doNothing())
      .execute();
  }
}

/** The tickets among `ticketIds` on which one of `addresses` received a message. */
export async function recipientTicketIds(db: Executor, addresses: Address[], ticketIds: string[]): Promise<Set<string>> {
  if (ticketIds.length === 0 || addresses.length === 0) return new Set();
  const rows = await db
    .selectFrom('ticket_recipients')
    .select('ticket_id')
    .where('ticket_id', 'in', ticketIds)
    .where((eb) => eb.or(addresses.map((a) => eb.and([eb('kind', '=', a.kind), eb('address', '=', a.address)]))))
    .execute();
  return new Set(rows.map((r) => r.ticket_id));
}

/** True when this agent already sent exactly this text (an auto-responder repeats itself). */
export async function agentSentSameTextSince(db: Executor, agentId: string, text: string, since: number): Promise<boolean> {
  const r = await db
    .selectFrom('messages')
    .select('id')
    .where('author_agent_id', '=', agentId)
    .where('created_at', '>=', since)
    .where(sql<boolean>`metadata LIKE '%"inboundExternalId"%'`)
    .where('text', '=', text)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** A claim's one-time code: stored as a hash, valid until `expiresAt`, attempts reset. */
export async function setClaimCode(db: Executor, claimId: string, codeHash: string, expiresAt: number): Promise<void> {
  await db
    .updateTable('ticket_claims')
    .set({ verify_code_hash: codeHash, verify_expires_at: expiresAt, verify_attempts: 0 })
    .where('id', '=', claimId)
    .execute();
}

export interface PendingClaimCode {
  id: string;
  ticketId: string;
  kind: Address['kind'];
  address: string;
  codeHash: string;
  attempts: number;
}

/** Unlinked claims of these identities with a code still valid. */
export async function pendingClaimCodes(db: Executor, identities: Address[], now: number): Promise<PendingClaimCode[]> {
  if (identities.length === 0) return [];
  const rows = await db
    .selectFrom('ticket_claims')
    .select(['id', 'ticket_id', 'kind', 'address', 'verify_code_hash', 'verify_attempts'])
    .where('linked_at', 'is', null)
    .where('verify_code_hash', 'is not', null)
    .where('verify_expires_at', '>', now)
    .where((eb) => eb.or(identities.map((a) => eb.and([eb('kind', '=', a.kind), eb('address', '=', a.address)]))))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    ticketId: r.ticket_id,
    kind: r.kind as Address['kind'],
    address: r.address,
    codeHash: r.verify_code_hash!,
    attempts: Number(r.verify_attempts),
  }));
}

/** A wrong code: counted; past `max` attempts the code is void (guessing over forged mail stops there). */
export async function failClaimCode(db: Executor, claim: PendingClaimCode, max: number): Promise<void> {
  const attempts = claim.attempts + 1;
  await db
    .updateTable('ticket_claims')
    .set(attempts >= max ? { verify_attempts: attempts, verify_code_hash: null, verify_expires_at: null } : { verify_attempts: attempts })
    .where('id', '=', claim.id)
    .execute();
}

export async function markClaimLinked(db: Executor, claimId: string, contactId: string, by: string, now: number): Promise<void> {
  await db
    .updateTable('ticket_claims')
    .set({ linked_contact_id: contactId, linked_at: now, linked_by: by.slice(0, 80), verify_code_hash: null, verify_expires_at: null })
    .where('id', '=', claimId)
    .execute();
}
