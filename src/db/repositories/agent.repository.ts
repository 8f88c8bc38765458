import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';
import type { AgentRow } from '../tables.js';

export interface Agent {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'agent' | 'admin';
  notifyChannelId: string | null;
  active: boolean;
}

export function toAgent(r: AgentRow): Agent {
  return { id: r.id, name: r.name, email: r.email, phone: r.phone, role: r.role === 'admin' ? 'admin' : 'agent', notifyChannelId: r.notify_channel_id, active: r.active === 1 };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates an agent and returns the bearer token once; only its sha256 is stored. */
export async function createAgent(
  db: Executor,
  input: { name: string; email?: string | undefined; phone?: string | undefined; role?: 'agent' | 'admin'; notifyChannelId?: string | undefined },
  now: number,
): Promise<{ agent: Agent; token: string }> {
  const token = `pt_${randomBytes(24).toString('base64url')}`;
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
  };
  await db.insertInto('agents').values(row).execute();
  return { agent: toAgent(row), token };
}

export async function findAgentByToken(db: Executor, token: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').selectAll().where('token_hash', '=', hashToken(token)).where('active', '=', 1).executeTakeFirst();
  return r && toAgent(r);
}

export async function findAgentByAddresses(db: Executor, emails: string[], phones: string[]): Promise<Agent | undefined> {
  if (emails.length === 0 && phones.length === 0) return undefined;
  const r = await db
    .selectFrom('agents')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) => eb.or([...(emails.length ? [eb('email', 'in', emails)] : []), ...(phones.length ? [eb('phone', 'in', phones)] : [])]))
    .orderBy('id')
    .executeTakeFirst();
  return r && toAgent(r);
}

export async function listAgents(db: Executor): Promise<Agent[]> {
  return (await db.selectFrom('agents').selectAll().orderBy('id').execute()).map(toAgent);
}

export async function getAgent(db: Executor, id: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toAgent(r);
}
