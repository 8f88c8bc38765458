import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';
import { listParams, precompiled, runShaped } from '../precompiled.js';
import type { AgentRow } from '../tables.js';

export interface Agent {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'agent' | 'admin';
  notifyChannelId: string | null;
  /** False once disabled: its token is refused and it is no agent on any channel. */
  active: boolean;
  /** epoch ms; null: the token does not expire. */
  tokenExpiresAt: number | null;
}

export function toAgent(r: AgentRow): Agent {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    phone: r.phone,
    role: r.role === 'admin' ? 'admin' : 'agent',
    notifyChannelId: r.notify_channel_id,
    active: r.active === 1,
    tokenExpiresAt: r.token_expires_at === null || r.token_expires_at === undefined ? null : Number(r.token_expires_at),
  };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return `pt_${randomBytes(24).toString('base64url')}`;
}

/** Creates an agent and returns the bearer token once; only its sha256 is stored. */
export async function createAgent(
  db: Executor,
  input: {
    name: string;
    email?: string | undefined;
    phone?: string | undefined;
    role?: 'agent' | 'admin';
    notifyChannelId?: string | undefined;
    tokenExpiresAt?: number | null | undefined;
  },
  now: number,
): Promise<{ agent: Agent; token: string }> {
  const token = newToken();
  const row: AgentRow = {
    id: newId(now),
    name: input.name,
    email: input.email?.toLowerCase() ?? null,
    phone: input.phone ?? null,
    role: input.role ?? 'agent',
    token_hash: hashToken(token),
    notify_channel_id: input.notifyChannelId ?? null,
    active: 1,
    created_at: now,
    token_expires_at: input.tokenExpiresAt ?? null,
    token_created_at: now,
    disabled_at: null,
  };
  await db.insertInto('agents').values(row).execute();
  return { agent: toAgent(row), token };
}

export type TokenCheck = { ok: true; agent: Agent } | { ok: false; reason: 'unknown' | 'disabled' | 'expired' };

/**
 * Who a bearer token belongs to. Only hashes are stored; the row is found by its hash and the
 * hashes are compared again in constant time. Disabled and expired are told apart from unknown
 * (the holder of a real token may learn why it stopped working; a guesser learns nothing).
 */
export async function authenticateToken(db: Executor, token: string, now: number): Promise<TokenCheck> {
  const hash = hashToken(token);
  const r = await db.selectFrom('agents').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  if (!r || !timingSafeEqual(Buffer.from(r.token_hash, 'hex'), Buffer.from(hash, 'hex'))) return { ok: false, reason: 'unknown' };
  if (r.active !== 1) return { ok: false, reason: 'disabled' };
  if (r.token_expires_at !== null && r.token_expires_at !== undefined && Number(r.token_expires_at) <= now)
    return { ok: false, reason: 'expired' };
  return { ok: true, agent: toAgent(r) };
}

export async function findAgentByToken(db: Executor, token: string, now: number = Date.now()): Promise<Agent | undefined> {
  const check = await authenticateToken(db, token, now);
  return check.ok ? check.agent : undefined;
}

/** Only active agents: a disabled agent is never recognised as an agent on any channel. */
export async function findAgentByAddresses(db: Executor, emails: string[], phones: string[]): Promise<Agent | undefined> {
  if (emails.length === 0 && phones.length === 0) return undefined;
  const { rows } = await runShaped<AgentRow>(
    db,
    `agent-by-addresses:${emails.length}:${phones.length}`,
    (p) =>
      db
        .selectFrom('agents')
        .selectAll()
        .where('active', '=', 1)
        .where((eb) =>
          eb.or([
            ...(emails.length
              ? [
                  eb(
                    'email',
                    'in',
                    emails.map((_, i) => p(`e${i}`)),
                  ),
                ]
              : []),
            ...(phones.length
              ? [
                  eb(
                    'phone',
                    'in',
                    phones.map((_, i) => p(`p${i}`)),
                  ),
                ]
              : []),
          ]),
        ),
    { ...listParams('e', emails), ...listParams('p', phones) },
  );
  // The first by id, chosen here: an ORDER BY costs SQLite a sorter even when nothing matches
  // (4x the lookup itself), and this runs for every inbound message.
  const r = rows.reduce<AgentRow | undefined>((first, row) => (first && first.id < row.id ? first : row), undefined);
  return r && toAgent(r);
}

export async function listAgents(db: Executor): Promise<Agent[]> {
  return (await allAgents<AgentRow>(db, {})).rows.map(toAgent);
}

const allAgents = precompiled<never>('agents:all', (db) => db.selectFrom('agents').selectAll().orderBy('id'));

export async function getAgent(db: Executor, id: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toAgent(r);
}

export async function findAgentByEmail(db: Executor, email: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').selectAll().where('email', '=', email.toLowerCase()).orderBy('id').executeTakeFirst();
  return r && toAgent(r);
}

export interface AgentChanges {
  name?: string | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  role?: 'agent' | 'admin' | undefined;
  notifyChannelId?: string | null | undefined;
}

export async function updateAgent(db: Executor, id: string, changes: AgentChanges): Promise<Agent | undefined> {
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.email !== undefined ? { email: changes.email?.toLowerCase() ?? null } : {}),
    ...(changes.phone !== undefined ? { phone: changes.phone } : {}),
    ...(changes.role !== undefined ? { role: changes.role } : {}),
    ...(changes.notifyChannelId !== undefined ? { notify_channel_id: changes.notifyChannelId } : {}),
  };
  if (Object.keys(set).length) await db.updateTable('agents').set(set).where('id', '=', id).execute();
  return getAgent(db, id);
}

/** Disable (the token stops working at once; no channel treats the agent as one) or enable. */
export async function setAgentActive(db: Executor, id: string, active: boolean, now: number): Promise<Agent | undefined> {
  await db
    .updateTable('agents')
    .set({ active: active ? 1 : 0, disabled_at: active ? null : now })
    .where('id', '=', id)
    .execute();
  return getAgent(db, id);
}

/** A new token replaces the old one at once; it is returned once, only its hash is stored. */
export async function rotateAgentToken(
  db: Executor,
  id: string,
  tokenExpiresAt: number | null,
  now: number,
): Promise<{ agent: Agent; token: string } | undefined> {
  const token = newToken();
  const r = await db
    .updateTable('agents')
    .set({ token_hash: hashToken(token), token_expires_at: tokenExpiresAt, token_created_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  const agent = await getAgent(db, id);
  return agent && { agent, token };
}

export async function countActiveAdmins(db: Executor): Promise<number> {
  const r = await db
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'admin')
    .where('active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
