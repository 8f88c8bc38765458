/** Channel-specific commands: `email check|parse`, `whatsapp pair`. Wired here so cli.ts stays generic. */
import type { Command } from 'commander';
import { channelDefinitions } from '../channels/index.js';
import { registerEmailCli } from '../channels/email/cli.js';
import { registerWhatsappCli } from '../channels/whatsapp/cli.js';
import { createApp } from './app.js';
import type { LoadedConfig } from './config/loader.js';
import { migrateToLatest } from './db/migrator.js';
import { NotFoundError } from './domain/errors.js';
import { Writable } from 'node:stream';
import { renderProgress } from './cli-progress.js';
import { createLogger } from './logger.js';

export interface ChannelCliDeps {
  loadConfig(path?: string): Promise<LoadedConfig>;
}

/**
 * Builds the whole app (database, contexts) without the HTTP server or loops and hands out one
 * channel: the same state (IMAP cursor, WhatsApp keys) the running gateway uses.
 */
async function openChannel(deps: ChannelCliDeps, channelId: string) {
  const loaded = await deps.loadConfig();
  const app = createApp(loaded, { definitions: channelDefinitions, loops: false });
  const migrated = await migrateToLatest(app.database);
  if (migrated.error) throw migrated.error;
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
  });
  registerEmailSync(program, deps);
  registerWhatsappCli(program, {
    openChannel: async (channelId) => {
      const { app, channel } = await openChannel(deps, channelId);
      return { kind: channel.entry.kind, runtime: channel.runtime, close: () => app.stop() };
    },
  });
}

/**
 * `ponte email sync <channel>`: fetch what is waiting (the configured backfill on a first run)
 * with a progress bar per folder, then exit. Uses the same database and cursor as `serve`.
 */
function registerEmailSync(program: Command, deps: ChannelCliDeps): void {
  const email = program.commands.find((c) => c.name() === 'email');
  if (!email) return;
  email
    .command('sync <channel>')
    .description('fetch the waiting mail (and the first-run backfill) now, with a progress bar')
    .option('--timeout <seconds>', 'give up after this long', '3600')
    .action(async (channelId: string, opts: { timeout: string }) => {
      const loaded = await deps.loadConfig();
      const bars = new Map<string, string>();
      const draw = () => process.stderr.write(`\r${[...bars.values()].join('   ')}`);
      // Progress comes as log lines from the source; other warnings are shown as they come.
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
            try {
              const entry = JSON.parse(line) as { msg?: string; level?: number; folder?: string; done?: number; total?: number; err?: { message?: string } };
              if (entry.msg === 'email sync progress' && entry.folder) {
                bars.set(entry.folder, renderProgress(entry.done ?? 0, entry.total ?? 0, entry.folder));
                draw();
              } else if ((entry.level ?? 0) >= 40) {
                process.stderr.write(`\n${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}\n`);
              }
            } catch {
              /* not a log line */
            }
          }
          cb();
        },
      });
      const logger = createLogger({ level: 'info', secrets: loaded.secrets, destination: { write: (s: string) => sink.write(s) } });
      const app = createApp(loaded, { definitions: channelDefinitions, loops: false, logger });
      try {
        const migrated = await migrateToLatest(app.database);
        if (migrated.error) throw migrated.error;
        const channel = app.running.find((c) => c.entry.id === channelId && c.entry.kind === 'email');
        if (!channel?.runtime.source) throw new NotFoundError('email channel', channelId);
        await channel.runtime.source.start();
        const deadline = Date.now() + Math.max(1, Number(opts.timeout) || 3600) * 1000;
        for (;;) {
          await new Promise((r) => setTimeout(r, 500));
          const h = channel.runtime.source.health();
          const folders = Object.values((h.detail?.folders ?? {}) as Record<string, { state: string; lastFetchAt?: number; backlog: number }>);
          if (folders.length > 0 && folders.every((f) => f.state === 'ok' && f.lastFetchAt && f.backlog === 0)) {
            const ingested = Object.values((h.detail?.folders ?? {}) as Record<string, { ingested: number }>).reduce((n, f) => n + f.ingested, 0);
            process.stderr.write(`\n${channelId}: up to date, ${ingested} message(s) fetched\n`);
            break;
          }
          if (Date.now() > deadline) {
            process.stderr.write(`\n${channelId}: gave up after ${opts.timeout}s (${h.state}${h.lastError ? `: ${h.lastError}` : ''})\n`);
            process.exitCode = 1;
            break;
          }
        }
      } finally {
        await app.stop();
      }
    });
}
