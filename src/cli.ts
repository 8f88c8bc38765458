/**
 * The `ponte` command: serve, migrate, agents, tickets, channels, config check, plus the
 * channels' own commands (email check/parse, whatsapp pair), backup/restore. Exit codes: 0 ok,
 * 1 failure (or refused without --yes), 2 invalid configuration or usage, 3 the HTTP port cannot be bound.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { createApp, ListenError, type PonteApp } from './app.js';
import { channelDefinitions } from '../channels/index.js';
import { formatConfigError, loadConfigFile, type LoadedConfig } from './config/loader.js';
import { packageRoot, statusLabelsFor } from './config/schema.js';
import {
  backupSqlite,
  currentSqliteState,
  postgresBackupInstructions,
  previewSqliteDown,
  readManifest,
  restoreSqlite,
} from './ops/backup.js';
import { createDatabase } from './db/database.js';
import { migrateDown, migrateToLatest, migrationStatus } from './db/migrator.js';
import { listAgents } from './db/repositories/agent.repository.js';
import { registerAgentCommands } from './cli-agents.js';
import { getTicketByNumber, listTickets } from './db/repositories/ticket.repository.js';
import { ConfigError } from './domain/errors.js';
import { TICKET_STATUSES, type TicketStatus } from './domain/model.js';
import { ticketDetail, ticketSummary } from './tickets/ticket-view.js';
import { registerChannelCommands } from './cli-channels.js';
import { registerIntegrationCommands } from './cli-integrations.js';
import { registerPasswordCommands } from './web/console/cli-passwords.js';
import { loadTemplates } from './automation/templates.js';

/** Where the configuration is read from when neither -c nor PONTE_CONFIG names a file. */
const DEFAULT_CONFIG_PATH = 'config/ponte.yaml';

export async function loadConfig(path: string): Promise<LoadedConfig> {
  return loadConfigFile(path, { env: process.env, definitions: channelDefinitions });
}

async function withDatabase<T>(
  configPath: string,
  fn: (loaded: LoadedConfig, db: ReturnType<typeof createDatabase>) => Promise<T>,
): Promise<T> {
  const loaded = await loadConfig(configPath);
  const db = createDatabase(loaded.config.database);
  try {
    const m = await migrateToLatest(db);
    if (m.error) throw m.error;
    return await fn(loaded, db);
  } finally {
    await db.destroy();
  }
}

function printTable(rows: Array<Record<string, unknown>>): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, 60).padEnd(width[i]!)).join('  ');
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
}

export function ponteVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Reads PONTE_CONFIG when the program is built for a command line (not at import: main.ts loads .env first). */
export function buildProgram(): Command {
  const defaultConfig = process.env.PONTE_CONFIG ?? DEFAULT_CONFIG_PATH;
  const program = new Command('ponte')
    .description('Ponte omnichannel support gateway')
    .version(ponteVersion(), '-V, --version', 'print the version')
    .option(
      '-c, --config <file>',
      'configuration file (or PONTE_CONFIG); relative paths inside it are relative to its folder',
      defaultConfig,
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('start the gateway (HTTP API, channels, outbox, automations)')
    .action(async () => {
      const loaded = await loadConfig(program.opts().config);
      const app: PonteApp = createApp(loaded, { definitions: channelDefinitions, processMetrics: true });
      let started: Awaited<ReturnType<PonteApp['start']>>;
      try {
        started = await app.start();
      } catch (err) {
        await app.stop().catch(() => {});
        throw err;
      }
      const { url, report } = started;
      app.logger.info({ url, channels: report.started, failed: report.failed }, 'Ponte is running');
      const agents = await listAgents(app.database.kysely);
      console.log(
        `\nPonte is listening on ${url}  (database: ${loaded.config.database.driver}, channels: ${report.started.join(', ') || 'none'})`,
      );
      for (const f of report.failed) console.log(`  channel ${f.channelId} failed to start: ${f.error}`);
      if (agents.length === 0) {
        console.log('\nNo agents yet. Create an admin and get an API token with:');
        console.log('  npx ponte agents add --name "Your Name" --email you@example.com --admin');
        console.log(`then: curl -H "Authorization: Bearer <token>" ${url}/api/tickets\n`);
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'stopping');
        await app.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });

  const migrate = program.command('migrate').description('database migrations');
  migrate
    .command('up')
    .description('apply all pending migrations')
    .action(async () => {
      const loaded = await loadConfig(program.opts().config);
      const db = createDatabase(loaded.config.database);
      const r = await migrateToLatest(db);
      for (const x of r.results ?? []) console.log(`${x.status.padEnd(8)} ${x.direction} ${x.migrationName}`);
      await db.destroy();
      if (r.error) throw r.error;
      if (!r.results?.length) console.log('already up to date');
    });
  migrate
    .command('down')
    .description('revert the latest migration; prints what it would remove and does nothing without --yes')
    .option('--yes', 'really revert (back up first: ponte backup <dir>)')
    .action(async (opts: { yes?: boolean }) => {
      const loaded = await loadConfig(program.opts().config);
      const db = createDatabase(loaded.config.database);
      try {
        const applied = (await migrationStatus(db)).filter((m) => m.executedAt);
        const latest = applied.at(-1);
        if (!latest) {
          console.log('no migration has been applied: nothing to revert');
          return;
        }
        if (!opts.yes) {
          console.log(`would revert ${latest.name} (applied ${latest.executedAt!.toISOString()})`);
          if (loaded.config.database.driver === 'sqlite') {
            const preview = await previewSqliteDown(loaded.config.database.path, async (copy) => {
              const c = createDatabase({ driver: 'sqlite', path: copy });
              try {
                const r = await migrateDown(c);
                if (r.error) throw r.error;
              } finally {
                await c.destroy();
              }
            });
            const tables = Object.entries(preview.droppedTables);
            if (tables.length === 0 && preview.droppedColumns.length === 0) console.log('it removes no table or column');
            for (const [t, n] of tables) console.log(`  drops table ${t} (${n} row(s))`);
            for (const c of preview.droppedColumns) console.log(`  drops column ${c}`);
          } else {
            console.log('  it drops the tables and columns that migration created, with their data');
          }
          console.log('Nothing was changed. Back up first (ponte backup <dir>), then run: ponte migrate down --yes');
          process.exitCode = 1;
          return;
        }
        const r = await migrateDown(db);
        for (const x of r.results ?? []) console.log(`${x.status.padEnd(8)} ${x.direction} ${x.migrationName}`);
        if (r.error) throw r.error;
      } finally {
        await db.destroy();
      }
    });
  migrate
    .command('status')
    .description('list migrations and when they ran')
    .action(async () => {
      const loaded = await loadConfig(program.opts().config);
      const db = createDatabase(loaded.config.database);
      printTable((await migrationStatus(db)).map((m) => ({ migration: m.name, executed: m.executedAt?.toISOString() ?? 'pending' })));
      await db.destroy();
    });

  const { agents, findAgent } = registerAgentCommands(program, {
    withDatabase: (fn) => withDatabase(program.opts().config, fn),
    printTable,
  });

  const tickets = program.command('tickets').description('look at tickets');
  tickets
    .command('list')
    .description('the latest tickets, newest first')
    .option('--status <list>', `comma-separated: ${TICKET_STATUSES.join(',')}`)
    .option('--limit <n>', 'how many', '30')
    .action(async (opts: { status?: string; limit: string }) => {
      const status = opts.status?.split(',').map((s) => s.trim()) as TicketStatus[] | undefined;
      const bad = status?.find((s) => !TICKET_STATUSES.includes(s));
      if (bad) throw new ConfigError('invalid option', [{ path: '--status', message: `unknown status "${bad}"` }]);
      await withDatabase(program.opts().config, async (loaded, db) => {
        const list = await listTickets(db.kysely, { status, now: Date.now(), limit: Math.min(500, Math.max(1, Number(opts.limit) || 30)) });
        printTable(
          list.map((t) => ({
            number: `#${t.number}`,
            status: statusLabelsFor(loaded.config, t.locale)[t.status],
            priority: t.priority,
            channel: t.lastCustomerChannelId,
            subject: t.subject,
            updated: new Date(t.updatedAt).toISOString(),
          })),
        );
      });
    });
  tickets
    .command('show <number>')
    .description('one ticket with its whole thread')
    .option('--json', 'print JSON')
    .action(async (number: string, opts: { json?: boolean }) => {
      const n = Number(String(number).replace(/^#/, ''));
      if (!Number.isInteger(n) || n <= 0)
        throw new ConfigError('invalid argument', [{ path: 'number', message: 'a ticket number like 10001' }]);
      await withDatabase(program.opts().config, async (loaded, db) => {
        const t = await getTicketByNumber(db.kysely, n);
        if (!t) {
          console.error(`ticket #${n} not found`);
          process.exitCode = 1;
          return;
        }
        const d = await ticketDetail(db.kysely, t, statusLabelsFor(loaded.config, t.locale));
        if (opts.json) {
          console.log(JSON.stringify(d, null, 2));
          return;
        }
        const s = ticketSummary(t, statusLabelsFor(loaded.config, t.locale));
        console.log(
          `#${s.number}  ${s.subject}\n${s.statusLabel} (${s.status}) · ${s.priority} · ${s.lastCustomerChannel} · requester ${d.requester.name ?? ''} ${d.requester.identities.map((i) => i.address).join(', ')}\n`,
        );
        for (const m of d.messages) {
          const who = m.authorType === 'customer' ? (m.from ?? 'customer') : m.authorType;
          console.log(
            `--- ${new Date(m.createdAt).toISOString()} ${m.direction === 'in' ? '←' : '→'} ${who} [${m.visibility}${m.deliveryStatus ? ', ' + m.deliveryStatus : ''}${m.matchedBy ? ', ' + m.matchedBy : ''}]`,
          );
          console.log(m.replyText || m.text);
          for (const a of m.attachments) console.log(`  📎 ${a.filename} (${a.contentType}, ${a.size} bytes)`);
        }
      });
    });

  program
    .command('channels')
    .description('configured channels')
    .command('list')
    .description('configured channels, their kind and how they reply')
    .action(async () => {
      const loaded = await loadConfig(program.opts().config);
      printTable(
        loaded.channels.map((c) => {
          const def = channelDefinitions.find((d) => d.kind === c.kind)!;
          const caps = def.capabilities(c);
          return {
            id: c.id,
            kind: c.kind,
            enabled: c.enabled,
            inbound: caps.inbound,
            sends: caps.canSend ? 'yes' : `via ${def.replyVia?.(c) ?? '-'}`,
          };
        }),
      );
    });

  program
    .command('config')
    .description('configuration')
    .command('check <file>')
    .description('validate a configuration file; prints every problem with its path')
    .action(async (file: string) => {
      const loaded = await loadConfig(file);
      // Templates are part of the configuration: a broken one should fail here, not at `serve`.
      loadTemplates(loaded.config.automation.templatesDir);
      console.log(
        `${file}: OK (${loaded.config.database.driver} database, ${loaded.channels.length} channel(s): ${loaded.channels.map((c) => `${c.id}/${c.kind}`).join(', ') || 'none'})`,
      );
    });

  program
    .command('backup <dir>')
    .description('copy the SQLite database (online, safe while serving), the blobs and the generated secret into a new folder')
    .action(async (dir: string) => {
      const loaded = await loadConfig(program.opts().config);
      if (loaded.config.database.driver !== 'sqlite') {
        console.error(postgresBackupInstructions(loaded.config));
        process.exitCode = 1;
        return;
      }
      const m = await backupSqlite(loaded.config, dir, ponteVersion());
      const rows = Object.entries(m.tables)
        .filter(([t]) => ['tickets', 'messages', 'contacts', 'agents'].includes(t))
        .map(([t, n]) => `${n} ${t}`)
        .join(', ');
      console.log(`backed up to ${dir}: ${rows}, ${m.blobs} blob(s)${m.secret ? ', the server secret' : ''}`);
    });
  program
    .command('restore <dir>')
    .description('replace the database with a backup made by `ponte backup` (stop the gateway first)')
    .option('--yes', 'overwrite the existing database')
    .action(async (dir: string, opts: { yes?: boolean }) => {
      const loaded = await loadConfig(program.opts().config);
      if (loaded.config.database.driver !== 'sqlite') {
        console.error(postgresBackupInstructions(loaded.config));
        process.exitCode = 1;
        return;
      }
      const manifest = readManifest(dir);
      const current = currentSqliteState(loaded.config);
      const hasData = current && Object.entries(current).some(([t, n]) => n > 0 && !t.startsWith('ponte_migrations'));
      if (hasData && !opts.yes) {
        console.error(
          `${loaded.config.database.path} has data (${['tickets', 'messages'].map((t) => `${current![t] ?? 0} ${t}`).join(', ')}): it would be replaced by the backup of ${manifest.createdAt}.`,
        );
        console.error('Stop the gateway, back the current state up if you need it, then run again with --yes.');
        process.exitCode = 1;
        return;
      }
      restoreSqlite(loaded.config, dir);
      console.log(
        `restored the backup of ${manifest.createdAt} (${manifest.tables.tickets ?? 0} tickets, ${manifest.tables.messages ?? 0} messages, ${manifest.blobs} blob(s)) into ${loaded.config.database.path}`,
      );
    });

  registerPasswordCommands(agents, {
    withDatabase: (fn) => withDatabase(program.opts().config, (loaded, db) => fn(loaded.config, db)),
    findAgent,
  });
  registerChannelCommands(program, { loadConfig: (path) => loadConfig(path ?? program.opts().config) });
  registerIntegrationCommands(program, { withDatabase: (fn) => withDatabase(program.opts().config, fn), printTable });
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ListenError) {
      console.error(`error: ${err.message}`);
      return 3;
    }
    if (err instanceof ConfigError) {
      console.error(formatConfigError(err));
      return 2;
    }
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}
