/** Channel-specific commands: `email check|parse`, `whatsapp pair`. Wired here so cli.ts stays generic. */
import type { Command } from 'commander';
import type { LoadedConfig } from './config/loader.js';

export interface ChannelCliDeps {
  loadConfig(): Promise<LoadedConfig>;
}

export function registerChannelCommands(_program: Command, _deps: ChannelCliDeps): void {
  // filled in when the channel CLIs land
}
