/**
 * `ponte agents add|list|disable|enable|rotate-token`: the admin's way in before any token
 * exists, and the way out when one leaks. Tokens are printed once and stored as hashes; every
 * change is audited with the actor `cli`.
 */
import type { Command } from 'commander';
import type { LoadedConfig } from './config/loader.js';
import type { createDatabase } from './db/database.js';
import {
  type Agent,
  countActiveAdmins,
  createAgent,
  findAgentByEmail,
  getAgent,
  listAgents,
  rotateAgentToken,
  setAgentActive,
} from './db/repositories/agent.repository.js';
import { recordAudit } from './db/repositories/audit.repository.js';
import { ConfigError } from './domain/errors.js';

type Db = ReturnType<typeof createDatabase>;

export interface AgentCommandDeps {
  /** Opens the configured database, migrated, for the time of `fn`. */
  withDatabase<T>(fn: (loaded: LoadedConfig, db: Db) => Promise<T>): Promise<T>;
  printTable(rows: Array<Record<string, unknown>>): void;
}

/** Returns the `agents` command (others hang their subcommands on it) and the id-or-email lookup. */
export function registerAgentCommands(
  program: Command,
  { withDatabase, printTable }: AgentCommandDeps,
): { agents: Command; findAgent: (db: Db, who: string) => Promise<Agent> } {
  const agents = program.command('agents').description('agents and API tokens (every change is audited)');
  const DAY_MS = 24 * 3600_000;
  const expiresInDays = (value: string | undefined): number | null => {
    if (value === undefined) return null;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 3650)
      throw new ConfigError('invalid option', [{ path: '--expires-in-days', message: 'a whole number of days from 1 to 3650' }]);
    return n;
  };
  const showToken = (token: string, expiresAt: number | null) => {
    console.log(
      `API token (shown once, keep it safe${expiresAt ? `; expires ${new Date(expiresAt).toISOString()}` : ''}):\n\n  ${token}\n`,
    );
  };
  /** Agents are named by id or email on the command line. */
  const findAgent = async (db: Db, who: string) => {
    const agent = who.includes('@') ? await findAgentByEmail(db.kysely, who) : await getAgent(db.kysely, who);
    if (!agent) throw new ConfigError('invalid argument', [{ path: 'agent', message: `no agent "${who}" (ponte agents list)` }]);
    return agent;
  };
  const cliAudit = (
    trx: Parameters<typeof recordAudit>[0],
    action: string,
    agentId: string,
    detail: Record<string, unknown>,
    now: number,
  ) => recordAudit(trx, { type: 'cli', id: null }, action, { type: 'agent', id: agentId }, detail, now);
  agents
    .command('add')
    .description('create an agent; prints the API token once (only its hash is stored)')
    .requiredOption('--name <name>')
    .option('--email <email>', 'agent email (replies from it are recorded as the agent)')
    .option('--phone <e164>', 'agent phone in E.164, e.g. +5511987654321 (WhatsApp replies)')
    .option('--notify-channel <id>', 'channel to notify this agent through')
    .option('--admin', 'administrator (pairing, agents)')
    .option('--expires-in-days <n>', 'the token stops working after this many days')
    .action(
      async (opts: { name: string; email?: string; phone?: string; notifyChannel?: string; admin?: boolean; expiresInDays?: string }) => {
        if (opts.phone && !/^\+\d{8,15}$/.test(opts.phone))
          throw new ConfigError('invalid option', [{ path: '--phone', message: 'use E.164, e.g. +5511987654321' }]);
        if (opts.email && !/^[^@\s]+@[^@\s]+$/.test(opts.email))
          throw new ConfigError('invalid option', [{ path: '--email', message: 'not an email address' }]);
        const days = expiresInDays(opts.expiresInDays);
        await withDatabase(async (loaded, db) => {
          if (opts.notifyChannel && !loaded.channels.some((c) => c.id === opts.notifyChannel)) {
            throw new ConfigError('invalid option', [
              { path: '--notify-channel', message: `no channel "${opts.notifyChannel}" in ${loaded.source}` },
            ]);
          }
          const now = Date.now();
          const { agent, token } = await db.kysely.transaction().execute(async (trx) => {
            const created = await createAgent(
              trx,
              {
                name: opts.name,
                email: opts.email,
                phone: opts.phone,
                role: opts.admin ? 'admin' : 'agent',
                notifyChannelId: opts.notifyChannel,
                tokenExpiresAt: days ? now + days * DAY_MS : null,
              },
              now,
            );
            await cliAudit(
              trx,
              'agent.created',
              created.agent.id,
              { name: opts.name, email: opts.email ?? null, role: created.agent.role, tokenExpiresAt: created.agent.tokenExpiresAt },
              now,
            );
            return created;
          });
          console.log(`Created ${agent.role} ${agent.name} (${agent.id}).`);
          showToken(token, agent.tokenExpiresAt);
        });
      },
    );
  agents
    .command('list')
    .description('every agent with role, state and token expiry')
    .action(async () => {
      await withDatabase(async (_l, db) => {
        printTable(
          (await listAgents(db.kysely)).map((a) => ({
            id: a.id,
            name: a.name,
            role: a.role,
            state: a.active ? 'enabled' : 'disabled',
            email: a.email ?? '',
            phone: a.phone ?? '',
            notify: a.notifyChannelId ?? '',
            'token expires': a.tokenExpiresAt ? new Date(a.tokenExpiresAt).toISOString() : 'never',
          })),
        );
      });
    });
  for (const action of ['disable', 'enable'] as const) {
    agents
      .command(`${action} <agent>`)
      .description(
        action === 'disable'
          ? 'disable an agent (id or email): its token is refused and no channel treats it as an agent'
          : 'enable a disabled agent again',
      )
      .action(async (who: string) => {
        await withDatabase(async (_l, db) => {
          const agent = await findAgent(db, who);
          const now = Date.now();
          await db.kysely.transaction().execute(async (trx) => {
            if (action === 'disable' && agent.role === 'admin' && agent.active && (await countActiveAdmins(trx)) <= 1) {
              throw new ConfigError('refused', [
                { path: 'agent', message: 'this is the only active admin; make another agent admin first' },
              ]);
            }
            await setAgentActive(trx, agent.id, action === 'enable', now);
            if (agent.active !== (action === 'enable')) await cliAudit(trx, `agent.${action}d`, agent.id, {}, now);
          });
          console.log(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${agent.name} (${agent.id}).`);
        });
      });
  }
  agents
    .command('rotate-token <agent>')
    .description("replace an agent's token (id or email): the old one stops working at once; prints the new one once")
    .option('--expires-in-days <n>', 'the new token stops working after this many days')
    .action(async (who: string, opts: { expiresInDays?: string }) => {
      const days = expiresInDays(opts.expiresInDays);
      await withDatabase(async (_l, db) => {
        const agent = await findAgent(db, who);
        const now = Date.now();
        const rotated = await db.kysely.transaction().execute(async (trx) => {
          const r = (await rotateAgentToken(trx, agent.id, days ? now + days * DAY_MS : null, now))!;
          await cliAudit(trx, 'agent.token_rotated', agent.id, { tokenExpiresAt: r.agent.tokenExpiresAt }, now);
          return r;
        });
        console.log(`New token for ${agent.name} (${agent.id}); the old one no longer works.`);
        showToken(rotated.token, rotated.agent.tokenExpiresAt);
      });
    });
  return { agents, findAgent };
}
