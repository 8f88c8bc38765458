/**
 * The `ponte` command: serve, migrate, agents, tickets, channels, config check, plus the
 * channels' own commands (email check/parse, whatsapp pair). Exit codes: 0 ok, 1 failure,
 * 2 invalid configuration or usage.
 */
import { Command, CommanderError } from 'commander';
import { createApp, type PonteApp } from './app.js';
import { channelDefinitions } from '../channels/index.js';
import { formatConfigError, loadConfigFile, type LoadedConfig } from './config/loader.js';
import { statusLabelsFor } from './config/schema.js';
import { createDatabase } from './db/database.js';
import { migrateDown, migrateToLatest, migrationStatus } from './db/migrator.js';
import { listAgents } from './db/repositories/agent.repository.js';
import { registerAgentCommands } from './cli-agents.js';
import { getTicketByNumber, listTickets } from './db/repositories/ticket.repository.js';
import { ConfigError } from './domain/errors.js';
import { TICKET_STATUSES, type TicketStatus } from './domain/model.js';
import { ticketDetail, ticketSummary } from './replies/ticket-view.js';
import { registerChannelCommands } from './cli-channels.js';
import { registerPasswordCommands } from './web/console/cli-passwords.js';
import { loadTemplates } from './automation/templates.js';

const DEFAULT_CONFIG = process.env.PONTE_CONFIG ?? 'config/ponte.yaml';

export async function loadConfig(path: string): Promise<LoadedConfig> {
  return loadConfigFile(path, { env: process.env, definitions: channelDefinitions });
}

async function withDatabase<T>(configPath: string, fn: (loaded: LoadedConfig, db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
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

export function buildProgram(): Command {
  const program = new Command('ponte').description('Ponte omnichannel support gateway').option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG).exitOverride();

  program
    .command('serve')
    .description('start the gateway (HTTP API, channels, outbox, automations)')
    .action(async () => {
      const loaded = await loadConfig(program.opts().config);
      const app: PonteApp = createApp(loaded, { definitions: channelDefinitions });
      const { url, report } = await app.start();
      app.logger.info({ url, channels: report.started, failed: report.failed }, 'Ponte is running');
      const agents = await listAgents(app.database.kysely);
      console.log(`\nPonte is listening on ${url}  (database: ${loaded.config.database.driver}, channels: ${report.started.join(', ') || 'none'})`);
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
  migrate.command('up').description('apply all pending migrations').action(async () => {
    const loaded = await loadConfig(program.opts().config);
    const db = createDatabase(loaded.config.database);
    const r = await migrateToLatest(db);
    for (const x of r.results ?? []) console.log(`${x.status.padEnd(8)} ${x.direction} ${x.migrationName}`);
    await db.destroy();
    if (r.error) throw r.error;
    if (!r.results?.length) console.log('already up to date');
  });
  migrate.command('down').description('revert the latest migration').action(async () => {
    const loaded = await loadConfig(program.opts().config);
    const db = createDatabase(loaded.config.database);
    const r = await migrateDown(db);
    for (const x of r.results ?? []) console.log(`${x.status.padEnd(8)} ${x.direction} ${x.migrationName}`);
    await db.destroy();
    if (r.error) throw r.error;
  });
  migrate.command('status').description('list migrations and when they ran').action(async () => {
    const loaded = await loadConfig(program.opts().config);
    const db = createDatabase(loaded.config.database);
    printTable((await migrationStatus(db)).map((m) => ({ migration: m.name, executed: m.executedAt?.toISOString() ?? 'pending' })));
    await db.destroy();
  });

  const { agents, findAgent } = registerAgentCommands(program, { withDatabase: (fn) => withDatabase(program.opts().config, fn), printTable });

  const tickets = program.command('tickets').description('look at tickets');
  tickets
    .command('list')
    .option('--status <list>', `comma-separated: ${TICKET_STATUSES.join(',')}`)
    .option('--limit <n>', 'how many', '30')
    .action(async (opts: { status?: string; limit: string }) => {
      const status = opts.status?.split(',').map((s) => s.trim()) as TicketStatus[] | undefined;
      const bad = status?.find((s) => !TICKET_STATUSES.includes(s));
      if (bad) throw new ConfigError('invalid option', [{ path: '--status', message: `unknown status "${bad}"` }]);
      await withDatabase(program.opts().config, async (loaded, db) => {
        const list = await listTickets(db.kysely, { status, now: Date.now(), limit: Math.min(500, Math.max(1, Number(opts.limit) || 30)) });
        printTable(list.map((t) => ({ number: `#${t.number}`, status: statusLabelsFor(loaded.config, t.locale)[t.status], priority: t.priority, channel: t.lastCustomerChannelId, subject: t.subject, updated: new Date(t.updatedAt).toISOString() })));
      });
    });
  tickets
    .command('show <number>')
    .option('--json', 'print JSON')
    .action(async (number: string, opts: { json?: boolean }) => {
      const n = Number(String(number).replace(/^#/, ''));
      if (!Number.isInteger(n) || n <= 0) throw new ConfigError('invalid argument', [{ path: 'number', message: 'a ticket number like 10001' }]);
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
        console.log(`#${s.number}  ${s.subject}\n${s.statusLabel} (${s.status}) · ${s.priority} · ${s.lastCustomerChannel} · requester ${d.requester.name ?? ''} ${d.requester.identities.map((i) => i.address).join(', ')}\n`);
        for (const m of d.messages) {
          const who = m.authorType === 'customer' ? (m.from ?? 'customer') : m.authorType;
          console.log(`--- ${new Date(m.createdAt).toISOString()} ${m.direction === 'in' ? '←' : '→'} ${who} [${m.visibility}${m.deliveryStatus ? ', ' + m.deliveryStatus : ''}${m.matchedBy ? ', ' + m.matchedBy : ''}]`);
          console.log(m.replyText || m.text);
          for (const a of m.attachments) console.log(`  📎 ${a.filename} (${a.contentType}, ${a.size} bytes)`);
        }
      });
    });

  program
    .command('channels')
    .description('configured channels')
    .command('list')
    .action(async () => {
      const loaded = await loadConfig(program.opts().config);
      printTable(
        loaded.channels.map((c) => {
          const def = channelDefinitions.find((d) => d.kind === c.kind)!;
          const caps = def.capabilities(c);
          return { id: c.id, kind: c.kind, enabled: c.enabled, inbound: caps.inbound, sends: caps.canSend ? 'yes' : `via ${def.replyVia?.(c) ?? '-'}` };
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
      console.log(`${file}: OK (${loaded.config.database.driver} database, ${loaded.channels.length} channel(s): ${loaded.channels.map((c) => `${c.id}/${c.kind}`).join(', ') || 'none'})`);
    });

  registerPasswordCommands(agents, { withDatabase: (fn) => withDatabase(program.opts().config, (loaded, db) => fn(loaded.config, db)), findAgent });
  registerChannelCommands(program, { loadConfig: (path) => loadConfig(path ?? program.opts().config) });
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError) {
      console.error(formatConfigError(err));
      return 2;
    }
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}

