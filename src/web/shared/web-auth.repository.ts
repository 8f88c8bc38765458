/** Sessions, password hashes, sign-in counters and one-time tokens of the web pages (plain functions). */
import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../../db/database.js';
import { type Agent, toAgent } from '../../db/repositories/agent.repository.js';
import type { AttemptRecord } from './sign-in-throttle.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export const newSecretToken = (): string => randomBytes(32).toString('base64url');

export interface WebSession {
  id: string;
  agent: Agent;
  lastSeenAt: number;
  expiresAt: number;
}

/** Creates a session and returns the cookie value (only its hash is stored). */
export async function createSession(
  db: Executor,
  input: { agentId: string; now: number; ttlMs: number; userAgent?: string | undefined; ip?: string | undefined },
): Promise<{ token: string; id: string }> {
  const token = newSecretToken();
  const id = sha256(token);
  await db
    .insertInto('web_sessions')
    .values({
      id,
      agent_id: input.agentId,
      created_at: input.now,
      last_seen_at: input.now,
      expires_at: input.now + input.ttlMs,
      user_agent: input.userAgent?.slice(0, 300) ?? null,
      ip: input.ip?.slice(0, 64) ?? null,
    })
    .execute();
  return { token, id };
}

/** The live session of an enabled agent for this cookie value, or undefined. */
export async function findSession(db: Executor, token: string, now: number): Promise<WebSession | undefined> {
  const r = await db
    .selectFrom('web_sessions')
    .innerJoin('agents', 'agents.id', 'web_sessions.agent_id')
    .selectAll('agents')
    .select(['web_sessions.id as session_id', 'web_sessions.last_seen_at', 'web_sessions.expires_at'])
    .where('web_sessions.id', '=', sha256(token))
    .where('web_sessions.expires_at', '>', now)
    .where('agents.active', '=', 1)
    .executeTakeFirst();
  if (!r) return undefined;
  return { id: r.session_id, agent: toAgent(r), lastSeenAt: Number(r.last_seen_at), expiresAt: Number(r.expires_at) };
}

export async function touchSession(db: Executor, id: string, now: number, ttlMs: number): Promise<void> {
  await db
    .updateTable('web_sessions')
    .set({ last_seen_at: now, expires_at: now + ttlMs })
    .where('id', '=', id)
    .execute();
}

export async function deleteSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id', '=', id).execute();
}

/** Signs the agent out of every browser; returns how many sessions ended. */
export async function deleteAgentSessions(db: Executor, agentId: string): Promise<number> {
  const r = await db.deleteFrom('web_sessions').where('agent_id', '=', agentId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function setPasswordHash(db: Executor, agentId: string, hash: string, now: number): Promise<void> {
  await db
    .insertInto('agent_credentials')
    .values({ agent_id: agentId, password_hash: hash, updated_at: now })
    .onConflict((oc) => oc.column('agent_id').doUpdateSet({ password_hash: hash, updated_at: now }))
    .execute();
}

/** The enabled agent with this email and their password hash (undefined hash: no password set). */
export async function agentForSignIn(db: Executor, email: string): Promise<{ agent: Agent; hash: string | undefined } | undefined> {
  const r = await db
    .selectFrom('agents')
    .leftJoin('agent_credentials', 'agent_credentials.agent_id', 'agents.id')
    .selectAll('agents')
    .select('agent_credentials.password_hash')
    .where('agents.email', '=', email.trim().toLowerCase())
    .where('agents.active', '=', 1)
    .orderBy('agents.id')
    .executeTakeFirst();
  return r ? { agent: toAgent(r), hash: r.password_hash ?? undefined } : undefined;
}

export async function getAttempts(db: Executor, key: string): Promise<AttemptRecord | undefined> {
  const r = await db.selectFrom('login_attempts').selectAll().where('key', '=', key).executeTakeFirst();
  return r
    ? {
        windowStart: Number(r.window_start),
        failures: Number(r.failures),
        lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
      }
    : undefined;
}

export async function putAttempts(db: Executor, key: string, rec: AttemptRecord): Promise<void> {
  const row = { window_start: rec.windowStart, failures: rec.failures, locked_until: rec.lockedUntil };
  await db
    .insertInto('login_attempts')
    .values({ key, ...row })
    .onConflict((oc) => oc.column('key').doUpdateSet(row))
    .execute();
}

export async function clearAttempts(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('key', '=', key).execute();
}

/** A one-time link token (invitation or password reset); returns the token to put in the link. */
export type WebTokenPurpose = 'invite' | 'reset' | 'magic';
/** Tokens that lead to "choose your password" (a sign-in link never does). */
export const PASSWORD_PURPOSES: readonly WebTokenPurpose[] = ['invite', 'reset'];

export async function createWebToken(db: Executor, agentId: string, purpose: WebTokenPurpose, now: number, ttlMs: number): Promise<string> {
  const token = newSecretToken();
  await db
    .insertInto('web_tokens')
    .values({ id: sha256(token), agent_id: agentId, purpose, created_at: now, expires_at: now + ttlMs, used_at: null })
    .execute();
  return token;
}

/**
 * Sign-in links already made for this agent since `since`. Call inside the transaction that makes
 * the next one, after `lockAgent`: the count and the insert then decide together, so parallel
 * requests cannot each see room under the limit (the attempt counters are read-then-write).
 */
export async function countRecentWebTokens(db: Executor, agentId: string, purpose: WebTokenPurpose, since: number): Promise<number> {
  const row = await db
    .selectFrom('web_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('agent_id', '=', agentId)
    .where('purpose', '=', purpose)
    .where('created_at', '>', since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Serializes writers about one agent on PostgreSQL (SQLite runs one transaction at a time). */
export async function lockAgent(db: Executor, dialect: 'sqlite' | 'postgres', agentId: string): Promise<void> {
  if (dialect === 'postgres') await db.selectFrom('agents').select('id').where('id', '=', agentId).forUpdate().execute();
}

/** The agent a still-valid token belongs to (does not use it up). */
export async function peekWebToken(
  db: Executor,
  token: string,
  now: number,
  purposes: readonly WebTokenPurpose[] = PASSWORD_PURPOSES,
): Promise<Agent | undefined> {
  const r = await db
    .selectFrom('web_tokens')
    .innerJoin('agents', 'agents.id', 'web_tokens.agent_id')
    .selectAll('agents')
    .where('web_tokens.id', '=', sha256(token))
    .where('web_tokens.purpose', 'in', [...purposes])
    .where('web_tokens.used_at', 'is', null)
    .where('web_tokens.expires_at', '>', now)
    .where('agents.active', '=', 1)
    .executeTakeFirst();
  return r && toAgent(r);
}

/** Uses the token up; true only for the one caller that did (a second use, or a race, gets false). */
export async function consumeWebToken(
  db: Executor,
  token: string,
  now: number,
  purposes: readonly WebTokenPurpose[] = PASSWORD_PURPOSES,
): Promise<boolean> {
  const r = await db
    .updateTable('web_tokens')
    .set({ used_at: now })
    .where('id', '=', sha256(token))
    .where('purpose', 'in', [...purposes])
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markTicketRead(db: Executor, agentId: string, ticketId: string, now: number): Promise<void> {
  await db
    .insertInto('ticket_reads')
    .values({ agent_id: agentId, ticket_id: ticketId, read_at: now })
    .onConflict((oc) => oc.columns(['agent_id', 'ticket_id']).doUpdateSet({ read_at: now }))
    .execute();
}

export async function readTimes(db: Executor, agentId: string, ticketIds: string[]): Promise<Map<string, number>> {
  if (ticketIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('ticket_reads')
    .select(['ticket_id', 'read_at'])
    .where('agent_id', '=', agentId)
    .where('ticket_id', 'in', ticketIds)
    .execute();
  return new Map(rows.map((r) => [r.ticket_id, Number(r.read_at)]));
}
