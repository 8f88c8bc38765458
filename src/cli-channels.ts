/** Channel-specific commands: `email check|parse|sync|oauth`, `whatsapp pair`. Wired here so cli.ts stays generic. */
import type { Command } from 'commander';
import { channelDefinitions } from '../channels/index.js';
import { registerEmailCli } from '../channels/email/cli.js';
import { registerWhatsappCli } from '../channels/whatsapp/cli.js';
import { createApp } from './app.js';
import type { LoadedConfig } from './config/loader.js';
import { NotFoundError } from './domain/errors.js';
import { createSyncProgressView } from './cli-progress.js';
import { createLogger } from './logger.js';

export interface ChannelCliDeps {
  loadConfig(path?: string): Promise<LoadedConfig>;
}

/**
 * Builds the whole app (database, contexts) without the HTTP server or loops and hands out one
 * channel: the same state (IMAP cursor, WhatsApp keys) the running gateway uses.
 */
async function openChannel(deps: ChannelCliDeps, channelId: string, options: { quiet?: boolean } = {}) {
  const loaded = await deps.loadConfig();
  // `email sync` draws a bar: only warnings and errors are logged beside it (to stderr).
  const logger = options.quiet
    ? createLogger({ level: 'warn', secrets: loaded.secrets, destination: process.stderr, pretty: 'auto' })
    : undefined;
  const app = createApp(loaded, { definitions: channelDefinitions, loops: false, ...(logger ? { logger } : {}) });
  try {
    await app.open();
  } catch (err) {
    await app.stop();
    throw err;
  }
  const channel = app.running.find((c) => c.entry.id === channelId);
  if (!channel) {
    await app.stop();
    throw new NotFoundError('channel', `${channelId} (configured: ${loaded.channels.map((c) => c.id).join(', ') || 'none'})`);
  }
  return { app, channel };
}

export function registerChannelCommands(program: Command, deps: ChannelCliDeps): void {
  registerEmailCli(program, {
    loadConfig: (path) => deps.loadConfig(path),
    createContext: async (channelId) => (await openChannel(deps, channelId)).channel.context,
    openContext: async (channelId) => {
      const { app, channel } = await openChannel(deps, channelId, { quiet: true });
      return { context: channel.context, close: () => app.stop() };
    },
    syncView: createSyncProgressView(process.stderr),
  });
  registerWhatsappCli(program, {
    openChannel: async (channelId) => {
      const { app, channel } = await openChannel(deps, channelId);
      return { kind: channel.entry.kind, runtime: channel.runtime, close: () => app.stop() };
    },
  });
}
