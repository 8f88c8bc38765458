/**
 * Configuring Ponte as a new admin meets it: `.env` is read (the environment wins), one problem
 * per unset variable, typos are named with a suggestion, YAML errors are printed whole, paths
 * are relative to the configuration file, `--version` and help on every command.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, runCli } from '../../src/cli.js';
import { loadDotEnv } from '../../src/config/dotenv.js';
import { REPO } from './cli-helpers.js';

/** `ponte <args>` in this process (spawning tsx per command is slow on a loaded machine). */
async function ponte(
  args: string[],
  _options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, write: process.stdout.write };
  console.log = (...a: unknown[]) => void out.push(a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void err.push(a.join(' ') + '\n');
  process.stdout.write = ((chunk: unknown) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await runCli(['node', 'ponte', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.exitCode = before;
    console.log = saved.log;
    console.error = saved.error;
    process.stdout.write = saved.write;
  }
}

describe('configuring Ponte', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ponte-ops-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('.env in the working folder is read, the environment wins, and an unset variable is one problem', async () => {
    writeFileSync(
      join(dir, 'ponte.yaml'),
      'server:\n  port: ${OPS_T_PORT}\nsecurity:\n  secret: "${OPS_T_SECRET}"\nlogging:\n  level: "${OPS_T_LEVEL}"\n',
    );
    writeFileSync(join(dir, '.env'), 'OPS_T_PORT=8181\nOPS_T_SECRET=short\nOPS_T_LEVEL=debug\n');
    // The file's OPS_T_SECRET is too short: the environment's value must win for the check to pass.
    process.env.OPS_T_SECRET = 'a-long-enough-secret-from-env';
    expect(loadDotEnv(process.env, dir)).toBeUndefined();
    expect(process.env.OPS_T_PORT).toBe('8181');
    expect(process.env.OPS_T_SECRET).toBe('a-long-enough-secret-from-env');
    const ok = await ponte(['config', 'check', join(dir, 'ponte.yaml')]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(loadDotEnv({ PONTE_ENV_FILE: 'no-such.env' }, dir)).toContain('no-such.env not found');

    writeFileSync(
      join(dir, 'two.yaml'),
      'server:\n  port: ${OPS_T_UNSET_PORT}\n  host: "${OPS_T_UNSET_HOST}"\nsecurity:\n  secret: "${OPS_T_UNSET_HOST}"\n',
    );
    const bad = await ponte(['config', 'check', join(dir, 'two.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has 2 problem(s)');
    expect(bad.stderr).toContain('  - server.port: environment variable OPS_T_UNSET_PORT is not set\n');
    expect(bad.stderr).toContain('  - server.host: environment variable OPS_T_UNSET_HOST is not set (also used at security.secret)\n');
  });

  test('unknown keys are errors with "did you mean", and a misspelled password is not "set password or oauth2"', async () => {
    writeFileSync(
      join(dir, 'typos.yaml'),
      [
        'server: { hots: 127.0.0.1 }',
        'automaton: { autoAcknowledge: { enabled: true } }',
        'automation: { pendingTimeOut: { hours: 4 } }',
        'security: { secret: a-long-enough-secret-0123 }',
        'channels:',
        '  - id: support',
        '    kind: email',
        '    addresses: [suporte@loja.example]',
        '    imap: { host: imap.loja.example, user: suporte@loja.example, passwrd: S3nha-Imap }',
        '    smtp: { host: smtp.loja.example }',
      ].join('\n'),
    );
    const r = await ponte(['config', 'check', join(dir, 'typos.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  - server.hots: unknown key hots (did you mean host?)');
    expect(r.stderr).toContain('  - automaton: unknown key automaton (did you mean automation?)');
    expect(r.stderr).toContain('  - automation.pendingTimeOut: unknown key pendingTimeOut (did you mean pendingTimeout?)');
    expect(r.stderr).toContain('  - channels[0].imap.passwrd: unknown key passwrd (did you mean password?)');
    expect(r.stderr).not.toContain('set password or oauth2');
    expect(r.stderr).not.toContain('S3nha-Imap');
  });

  test('a YAML error is printed whole, with the line and a caret', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'server:\n  port: [8080\ntickets: {}\n');
    const r = await ponte(['config', 'check', join(dir, 'broken.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not valid YAML:\n {2}- line \d+: .+\n/);
    expect(r.stderr).toContain('^');
  });

  test('paths are relative to the configuration file, wherever Ponte starts', async () => {
    cpSync(join(REPO, 'config', 'templates'), join(dir, 'tpl'), { recursive: true });
    writeFileSync(
      join(dir, 'ponte.yaml'),
      'security: { secret: a-long-enough-secret-0123 }\nautomation: { templatesDir: ./tpl }\ndatabase: { driver: sqlite, path: ./db/ponte.db }\n',
    );
    // Started from another folder: nothing is looked up in the working folder.
    const elsewhere = mkdtempSync(join(tmpdir(), 'ponte-ops-cwd-'));
    const cwd = process.cwd();
    process.chdir(elsewhere);
    try {
      const ok = await ponte(['config', 'check', join(dir, 'ponte.yaml')], { cwd: elsewhere });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      // The default templates are the ones shipped with Ponte, not ./config/templates of the working folder.
      writeFileSync(join(dir, 'plain.yaml'), 'security: { secret: a-long-enough-secret-0123 }\n');
      expect((await ponte(['config', 'check', join(dir, 'plain.yaml')], { cwd: elsewhere })).code).toBe(0);
      // A missing folder is reported under the configuration's folder.
      writeFileSync(join(dir, 'missing.yaml'), 'security: { secret: a-long-enough-secret-0123 }\nautomation: { templatesDir: ./nope }\n');
      const missing = await ponte(['config', 'check', join(dir, 'missing.yaml')], { cwd: elsewhere });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(join(dir, 'nope'));
    } finally {
      process.chdir(cwd);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('--version prints the package version; every command has help text', async () => {
    const v = await ponte(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const missing: string[] = [];
    const walk = (cmd: ReturnType<typeof buildProgram>, path: string) => {
      for (const sub of cmd.commands) {
        const name = `${path} ${sub.name()}`.trim();
        if (!sub.description()) missing.push(name);
        walk(sub, name);
      }
    };
    walk(buildProgram(), '');
    expect(missing).toEqual([]);
  });
});
