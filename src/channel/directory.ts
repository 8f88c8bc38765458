/** What the core knows about each configured channel, built once from the validated config. */
import type { BaseChannelConfig, ChannelCapabilities, ChannelDefinition } from './contract.js';

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
}

export function createChannelDirectory(configs: readonly BaseChannelConfig[], definitions: ReadonlyArray<ChannelDefinition<any>>): ChannelDirectory {
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
  return { get: (id) => entries.get(id), list: () => [...entries.values()] };
}
