/**
 * `ponte agents disable|enable|rotate-token` as an admin uses them when a token leaks or someone
 * leaves: the effect is checked on the database the CLI was pointed at (the token the API would
 * see), and every change is in the audit log with the actor `cli`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli.js';
import { createDatabase } from '../../src/db/database.js';
import { authenticateToken } from '../../src/db/repositories/agent.repository.js';
import { listAudit } from '../../src/db/repositories/audit.repository.js';

const TOKEN = /pt_[A-Za-z0-9_-]{20,}/;

/** The command in-process (a tsx child per call takes half a minute on a loaded machine). */
async function ponte(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await runCli(['node', 'ponte', ...args]);
    process.exitCode = undefined;
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('ponte agents lifecycle commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ponte-agents-cli-'));
  const cfg = join(dir, 'ponte.yaml');
  const dbPath = join(dir, 'p.db');
  writeFileSync(cfg, `database: { driver: sqlite, path: ${dbPath} }\nsecurity: { secret: cli-test-secret-0123456789 }\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function check(token: string) {
    const db = createDatabase({ driver: 'sqlite', path: dbPath });
    try {
      const r = await authenticateToken(db.kysely, token, Date.now());
      return r.ok ? 'ok' : r.reason;
    } finally {
      await db.destroy();
    }
  }

  test('add with an expiry, disable, enable, rotate: each takes effect at once and is audited', async () => {
    const admin = await ponte(['-c', cfg, 'agents', 'add', '--name', 'Admin', '--email', 'admin@loja.example', '--admin']);
    expect(admin.code).toBe(0);
    const add = await ponte(['-c', cfg, 'agents', 'add', '--name', 'Bia', '--email', 'bia@loja.example', '--expires-in-days', '30']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/expires \d{4}-\d\d-\d\dT/);
    const token = TOKEN.exec(add.stdout)![0];
    expect(await check(token)).toBe('ok');

    const list = await ponte(['-c', cfg, 'agents', 'list']);
    expect(list.stdout).toMatch(/Bia\s+agent\s+enabled/);
    expect(list.stdout).toMatch(/Admin.*never/);

    expect((await ponte(['-c', cfg, 'agents', 'disable', 'bia@loja.example'])).stdout).toContain('Disabled Bia');
    expect(await check(token)).toBe('disabled');
    expect((await ponte(['-c', cfg, 'agents', 'list'])).stdout).toMatch(/Bia\s+agent\s+disabled/);
    expect((await ponte(['-c', cfg, 'agents', 'enable', 'bia@loja.example'])).code).toBe(0);
    expect(await check(token)).toBe('ok');

    const rotated = await ponte(['-c', cfg, 'agents', 'rotate-token', 'bia@loja.example']);
    expect(rotated.code).toBe(0);
    const fresh = TOKEN.exec(rotated.stdout)![0];
    expect(fresh).not.toBe(token);
    expect(await check(token)).toBe('unknown');
    expect(await check(fresh)).toBe('ok');

    const db = createDatabase({ driver: 'sqlite', path: dbPath });
    try {
      const entries = await listAudit(db.kysely, { targetType: 'agent', limit: 20 });
      expect(entries.map((e) => e.action)).toEqual([
        'agent.token_rotated',
        'agent.enabled',
        'agent.disabled',
        'agent.created',
        'agent.created',
      ]);
      expect(entries.every((e) => e.actor.type === 'cli')).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  test('the only admin cannot be disabled; unknown agents and bad expiries are usage errors (exit 2)', async () => {
    const refused = await ponte(['-c', cfg, 'agents', 'disable', 'admin@loja.example']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('only active admin');
    const unknown = await ponte(['-c', cfg, 'agents', 'rotate-token', 'nobody@loja.example']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no agent');
    const badDays = await ponte(['-c', cfg, 'agents', 'rotate-token', 'bia@loja.example', '--expires-in-days', '0']);
    expect(badDays.code).toBe(2);
    expect(badDays.stderr).toContain('--expires-in-days');
  });
});
