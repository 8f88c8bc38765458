/** What the core knows about each configured channel, built once from the validated config. */
import type { Address } from '../domain/model.js';
import type { BaseChannelConfig, ChannelCapabilities, ChannelDefinition, IdentityKindDescription } from './contract.js';

export interface ChannelEntry {
  id: string;
  kind: string;
  config: BaseChannelConfig;
  definition: ChannelDefinition<any>;
  capabilities: ChannelCapabilities;
  replyVia?: string | undefined;
}

export interface ChannelDirectory {
  get(id: string): ChannelEntry | undefined;
  list(): ChannelEntry[];
  /** The channel-owned identity kind (WhatsApp JIDs …), from every known definition, configured or not. */
  identityKind(kind: string): IdentityKindDescription | undefined;
  /** The E.164 phone an address of a channel-owned kind stands for (a WhatsApp phone JID), if any. */
  phoneOf(address: string): string | undefined;
  /** The other identities under which whoever holds this phone may be known (every definition's `phoneAliases`). */
  phoneAliases(e164: string): Address[];
}

export function createChannelDirectory(
  configs: readonly BaseChannelConfig[],
  definitions: ReadonlyArray<ChannelDefinition<any>>,
): ChannelDirectory {
  const entries = new Map<string, ChannelEntry>();
  for (const config of configs) {
    const definition = definitions.find((d) => d.kind === config.kind);
    if (!definition) continue;
    entries.set(config.id, {
      id: config.id,
      kind: config.kind,
      config,
      definition,
      capabilities: definition.capabilities(config),
      replyVia: definition.replyVia?.(config),
    });
  }
  return { get: (id) => entries.get(id), list: () => [...entries.values()], ...identityLookups(definitions) };
}

/** Identity kinds and phone aliases declared by the definitions (one description per kind, the first wins). */
export function identityLookups(
  definitions: ReadonlyArray<ChannelDefinition<any>>,
): Pick<ChannelDirectory, 'identityKind' | 'phoneOf' | 'phoneAliases'> {
  const kinds = new Map<string, IdentityKindDescription>();
  for (const d of definitions) for (const k of d.identityKinds ?? []) if (!kinds.has(k.kind)) kinds.set(k.kind, k);
  return {
    identityKind: (kind) => kinds.get(kind),
    phoneOf: (address) => {
      for (const k of kinds.values()) {
        const phone = k.phoneOf?.(address);
        if (phone) return phone;
      }
      return undefined;
    },
    phoneAliases: (e164) => {
      const out: Address[] = [];
      for (const d of definitions)
        for (const a of d.phoneAliases?.(e164) ?? []) if (!out.some((o) => o.kind === a.kind && o.address === a.address)) out.push(a);
      return out;
    },
  };
}
