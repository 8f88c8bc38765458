/** What every route module of the agent API shares: validation into ValidationError, the authenticated agent. */
import type { Request } from 'express';
import type { z } from 'zod';
import type { Agent } from '../db/repositories/agent.repository.js';
import { ValidationError, zodIssues } from '../domain/errors.js';
import type { Address } from '../domain/model.js';

export type AuthedRequest = Request & { agent?: Agent };

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(`invalid ${where}`, zodIssues(r.error).map((i) => ({ ...i, path: i.path ? `${where}.${i.path}` : where })));
  return r.data;
}

/** The agent the auth middleware resolved (every route under /api but openapi.json has one). */
export function agentOf(req: Request): Agent {
  return (req as AuthedRequest).agent!;
}

/** An email address or a phone number as typed: the identities to look it up under. */
export function identityLookups(value: string): Address[] {
  const r = value.trim();
  return r.includes('@')
    ? [{ kind: 'email', address: r.toLowerCase() }]
    : [{ kind: 'phone', address: `+${r.replace(/\D/g, '')}` }, { kind: 'whatsapp', address: `${r.replace(/\D/g, '')}@s.whatsapp.net` }];
}
