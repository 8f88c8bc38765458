/**
 * `ponte agents set-password <agent>` (the first admin's console password, or a reset) and
 * `ponte agents web-link <agent>` (a one-time "choose your password" link). The password is read
 * from standard input (piped, or typed at a hidden prompt), never from the command line where
 * shell history and `ps` would keep it.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Database } from '../../db/database.js';
import type { Agent } from '../../db/repositories/agent.repository.js';
import { ConfigError } from '../../domain/errors.js';
import { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem } from '../shared/password-hash.js';
import { createWebToken, deleteAgentSessions, setPasswordHash } from '../shared/web-auth.repository.js';

export interface PasswordCommandDeps {
  withDatabase<T>(
    fn: (config: { server: { publicUrl?: string | undefined; port: number }; console: { path: string } }, db: Database) => Promise<T>,
  ): Promise<T>;
  findAgent(db: Database, who: string): Promise<Agent>;
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += String(chunk);
    return data.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
  let muted = false;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => (muted ? undefined : write(s));
  const answer = await new Promise<string>((resolve) => {
    rl.question('New console password: ', resolve);
    muted = true;
  });
  rl.close();
  process.stdout.write('\n');
  return answer;
}

export function registerPasswordCommands(agents: Command, deps: PasswordCommandDeps): void {
  agents
    .command('set-password <agent>')
    .description(`set an agent's console password (read from stdin; at least ${MIN_PASSWORD_LENGTH} characters); signs them out everywhere`)
    .action(async (who: string) => {
      const password = await readPassword();
      const problem = passwordProblem(password);
      if (problem)
        throw new ConfigError('invalid password', [
          { path: 'stdin', message: problem === 'too_short' ? `at least ${MIN_PASSWORD_LENGTH} characters` : 'too long' },
        ]);
      const hash = await hashPassword(password);
      await deps.withDatabase(async (_config, db) => {
        const agent = await deps.findAgent(db, who);
        await setPasswordHash(db.kysely, agent.id, hash, Date.now());
        const ended = await deleteAgentSessions(db.kysely, agent.id);
        console.log(`Console password set for ${agent.name} (${agent.email ?? agent.id}); ${ended} session(s) signed out.`);
      });
    });
  agents
    .command('web-link <agent>')
    .description('print a one-time link (valid 7 days) where the agent chooses a console password')
    .action(async (who: string) => {
      await deps.withDatabase(async (config, db) => {
        const agent = await deps.findAgent(db, who);
        const token = await createWebToken(db.kysely, agent.id, 'reset', Date.now(), 7 * 86_400_000);
        const origin = config.server.publicUrl?.replace(/\/$/, '') ?? `http://localhost:${config.server.port}`;
        const base = config.console.path === '/' ? '' : config.console.path.replace(/\/$/, '');
        console.log(`One-time link for ${agent.name} (valid 7 days):\n\n  ${origin}${base}/welcome/${token}\n`);
      });
    });
}
