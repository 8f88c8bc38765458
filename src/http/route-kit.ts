/** What every route module of the agent API shares: validation into ValidationError, the authenticated agent. */
import type { Request } from 'express';
import type { z } from 'zod';
import type { ChannelDirectory } from '../channel/directory.js';
import type { Agent } from '../db/repositories/agent.repository.js';
import { ValidationError, zodIssues } from '../domain/errors.js';
import type { Address } from '../domain/model.js';

export type AuthedRequest = Request & { agent?: Agent };

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ValidationError(
      `invalid ${where}`,
      zodIssues(r.error).map((i) => ({ ...i, path: i.path ? `${where}.${i.path}` : where })),
    );
  return r.data;
}

/** The agent the auth middleware resolved (every route under /api but openapi.json has one). */
export function agentOf(req: Request): Agent {
  return (req as AuthedRequest).agent!;
}

/**
 * An email address or a phone number as typed: the identities to look it up under, the typed one
 * first. A phone is also looked up under the aliases channel kinds know it by (ChannelDefinition.phoneAliases).
 */
export function identityLookups(value: string, phoneAliases: (e164: string) => Address[] = () => []): Address[] {
  const r = value.trim();
  if (r.includes('@')) return [{ kind: 'email', address: r.toLowerCase() }];
  const phone = `+${r.replace(/\D/g, '')}`;
  return [{ kind: 'phone', address: phone }, ...phoneAliases(phone)];
}

/** The phone aliases of the configured channels' kinds, each once. */
export function phoneAliasesOf(channels: ChannelDirectory): (e164: string) => Address[] {
  return (e164) => {
    const aliases = new Map<string, Address>();
    for (const definition of new Set(channels.list().map((e) => e.definition))) {
      for (const a of definition.phoneAliases?.(e164) ?? []) aliases.set(`${a.kind}:${a.address}`, a);
    }
    return [...aliases.values()];
  };
}
