/** The portal's rows: sessions, sign-in tokens, used merchant signatures, contact settings (plain functions). */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../../db/database.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const secretToken = (): string => randomBytes(32).toString('base64url');

export type PortalIdentityKind = 'email' | 'phone';
export interface PortalIdentity {
  kind: PortalIdentityKind;
  address: string;
}

export interface PortalSession {
  id: string;
  brand: string;
  identity: PortalIdentity;
  organization: string | null;
  via: string;
  lastSeenAt: number;
}

export async function createPortalSession(
  db: Executor,
  s: {
    brand: string;
    identity: PortalIdentity;
    organization: string | null;
    via: 'link' | 'code' | 'signed';
    now: number;
    ttlMs: number;
    userAgent?: string | undefined;
    ip?: string | undefined;
  },
): Promise<{ token: string; id: string }> {
  const token = secretToken();
  const id = sha256(token);
  // Expired rows go as new ones come (no separate sweeper).
  await db.deleteFrom('portal_sessions').where('expires_at', '<', s.now).execute();
  await db
    .insertInto('portal_sessions')
    .values({
      id,
      brand: s.brand,
      identity_kind: s.identity.kind,
      identity_address: s.identity.address,
      organization: s.organization,
      via: s.via,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.now + s.ttlMs,
      user_agent: s.userAgent?.slice(0, 300) ?? null,
      ip: s.ip?.slice(0, 64) ?? null,
    })
    .execute();
  return { token, id };
}

export async function findPortalSession(db: Executor, token: string, brand: string, now: number): Promise<PortalSession | undefined> {
  const r = await db
    .selectFrom('portal_sessions')
    .selectAll()
    .where('id', '=', sha256(token))
    .where('brand', '=', brand)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id,
    brand: r.brand,
    identity: { kind: r.identity_kind as PortalIdentityKind, address: r.identity_address },
    organization: r.organization,
    via: r.via,
    lastSeenAt: Number(r.last_seen_at),
  };
}

export async function touchPortalSession(db: Executor, id: string, now: number, ttlMs: number): Promise<void> {
  await db
    .updateTable('portal_sessions')
    .set({ last_seen_at: now, expires_at: now + ttlMs })
    .where('id', '=', id)
    .execute();
}

export async function deletePortalSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('portal_sessions').where('id', '=', id).execute();
}

/** A one-time sign-in: a link token and a 6-digit code, both stored hashed. */
export async function createSignInToken(
  db: Executor,
  s: { brand: string; identity: PortalIdentity; now: number; ttlMs: number },
): Promise<{ token: string; code: string }> {
  const token = secretToken();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const id = sha256(token);
  await db
    .deleteFrom('portal_sign_in_tokens')
    .where('expires_at', '<', s.now - 86_400_000)
    .execute();
  await db
    .insertInto('portal_sign_in_tokens')
    .values({
      id,
      brand: s.brand,
      identity_kind: s.identity.kind,
      identity_address: s.identity.address,
      code_hash: sha256(`${id}:${code}`),
      attempts: 0,
      created_at: s.now,
      expires_at: s.now + s.ttlMs,
      used_at: null,
    })
    .execute();
  return { token, code };
}

/** Uses a link token up; the identity for the one caller that did, undefined otherwise. */
export async function consumeSignInLink(db: Executor, token: string, brand: string, now: number): Promise<PortalIdentity | undefined> {
  const id = sha256(token);
  const r = await db
    .selectFrom('portal_sign_in_tokens')
    .selectAll()
    .where('id', '=', id)
    .where('brand', '=', brand)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!r) return undefined;
  const u = await db
    .updateTable('portal_sign_in_tokens')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(u.numUpdatedRows) === 1 ? { kind: r.identity_kind as PortalIdentityKind, address: r.identity_address } : undefined;
}

export async function signInLinkValid(db: Executor, token: string, brand: string, now: number): Promise<boolean> {
  const r = await db
    .selectFrom('portal_sign_in_tokens')
    .select('id')
    .where('id', '=', sha256(token))
    .where('brand', '=', brand)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return r !== undefined;
}

/** Checks a typed code against the newest live token of the identity (5 tries per token). */
export async function consumeSignInCode(
  db: Executor,
  identity: PortalIdentity,
  brand: string,
  code: string,
  now: number,
): Promise<boolean> {
  const r = await db
    .selectFrom('portal_sign_in_tokens')
    .selectAll()
    .where('identity_kind', '=', identity.kind)
    .where('identity_address', '=', identity.address)
    .where('brand', '=', brand)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('attempts', '<', 5)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!r) return false;
  const expected = Buffer.from(r.code_hash);
  const got = Buffer.from(sha256(`${r.id}:${code}`));
  if (!timingSafeEqual(expected, got)) {
    await db
      .updateTable('portal_sign_in_tokens')
      .set({ attempts: Number(r.attempts) + 1 })
      .where('id', '=', r.id)
      .execute();
    return false;
  }
  const u = await db
    .updateTable('portal_sign_in_tokens')
    .set({ used_at: now })
    .where('id', '=', r.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(u.numUpdatedRows) === 1;
}

/** Records a merchant signature as used; false when it already was (a replayed link). */
export async function useSignature(db: Executor, sig: string, expiresAt: number, now: number): Promise<boolean> {
  await db.deleteFrom('portal_used_signatures').where('expires_at', '<', now).execute();
  const id = sha256(sig.toLowerCase());
  const r = await db
    .insertInto('portal_used_signatures')
    .values({ id, expires_at: expiresAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export type NotifyPreference = 'all' | 'needs_reply';

export async function getContactSettings(
  db: Executor,
  contactId: string,
): Promise<{ notify: NotifyPreference; organization: string | null }> {
  const r = await db
    .selectFrom('portal_contact_settings')
    .select(['notify', 'organization'])
    .where('contact_id', '=', contactId)
    .executeTakeFirst();
  return { notify: r?.notify === 'needs_reply' ? 'needs_reply' : 'all', organization: r?.organization ?? null };
}

export async function putContactSettings(
  db: Executor,
  contactId: string,
  change: { notify?: NotifyPreference; organization?: string | null },
  now: number,
): Promise<void> {
  const cur = await getContactSettings(db, contactId);
  const row = {
    notify: change.notify ?? cur.notify,
    organization: change.organization === undefined ? cur.organization : change.organization,
    updated_at: now,
  };
  await db
    .insertInto('portal_contact_settings')
    .values({ contact_id: contactId, ...row })
    .onConflict((oc) => oc.column('contact_id').doUpdateSet(row))
    .execute();
}

/**
 * For the core's customer notices (status changes, agent replies): whether this contact wants
 * an email on this update. `needsAnswer` is true when the update asks them something (an agent's
 * reply that leaves the ticket pending). Contacts who never chose get every update.
 */
export async function customerWantsNotice(db: Executor, contactId: string, needsAnswer: boolean): Promise<boolean> {
  const s = await getContactSettings(db, contactId);
  return s.notify === 'all' || needsAnswer;
}
