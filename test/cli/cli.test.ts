/** The `ponte` command as an admin uses it: config check, agents, tickets, migrate. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

async function ponte(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(TSX, ['src/main.ts', ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('ponte CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ponte-cli-'));

  test('config check accepts the annotated example with the documented environment', async () => {
    const env = {
      PONTE_SECRET: 'a-very-long-test-secret-value',
      SUPPORT_IMAP_HOST: 'imap.example.com',
      SUPPORT_IMAP_USER: 'suporte@loja.example',
      SUPPORT_IMAP_PASSWORD: 'imap-password',
      SUPPORT_SMTP_HOST: 'smtp.example.com',
      SUPPORT_SMTP_USER: 'suporte@loja.example',
      SUPPORT_SMTP_PASSWORD: 'smtp-password',
      WA_CLOUD_ACCESS_TOKEN: 'token-123456',
      WA_CLOUD_APP_SECRET: 'app-secret-123',
      WA_CLOUD_VERIFY_TOKEN: 'verify-123456',
      FORM_MARKETPLACE_SECRET: 'marketplace-secret-0123456789abcdef',
    };
    const r = await ponte(['config', 'check', 'config/ponte.example.yaml'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('5 channel(s)');
  });

  test('config check lists every problem with its path and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'server: { port: 99999 }',
        'tickets: { subjectToken: "[#]" }',
        'channels:',
        '  - { id: form, kind: webform, mode: public, origin: site, replyVia: nowhere, allowedOrigins: ["https://x.example"] }',
        '  - { id: mail, kind: email, addresses: [not-an-address], imap: { host: "${NO_SUCH_VAR}", user: u, password: p }, smtp: { host: h } }',
        '  - { id: Bad Id, kind: fax }',
      ].join('\n'),
    );
    const r = await ponte(['config', 'check', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.port');
    expect(r.stderr).toContain('tickets.subjectToken');
    expect(r.stderr).toContain('channels[1].imap.host: environment variable NO_SUCH_VAR is not set');
    expect(r.stderr).toContain('channels[1].addresses[0]');
    expect(r.stderr).toContain('channels[2].kind: unknown channel kind "fax"');
  });

  test('agents add prints a token once; tickets list and migrate status work on the configured database', async () => {
    const cfg = join(dir, 'ponte.yaml');
    writeFileSync(cfg, `database: { driver: sqlite, path: ${join(dir, 'p.db')} }\nsecurity: { secret: cli-test-secret-0123456789 }\n`);
    const add = await ponte(['-c', cfg, 'agents', 'add', '--name', 'Ana', '--email', 'ana@loja.example', '--admin']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/pt_[A-Za-z0-9_-]{20,}/);
    const list = await ponte(['-c', cfg, 'agents', 'list']);
    expect(list.stdout).toContain('ana@loja.example');
    expect(list.stdout).not.toMatch(/pt_[A-Za-z0-9_-]{20,}/);
    const tickets = await ponte(['-c', cfg, 'tickets', 'list']);
    expect(tickets.code).toBe(0);
    expect(tickets.stdout).toContain('(none)');
    const missing = await ponte(['-c', cfg, 'tickets', 'show', '10001']);
    expect(missing.code).toBe(1);
    const status = await ponte(['-c', cfg, 'migrate', 'status']);
    expect(status.stdout).toMatch(/20261122T1800-initial\s+\d{4}-/);
    const badPhone = await ponte(['-c', cfg, 'agents', 'add', '--name', 'X', '--phone', '11 9999']);
    expect(badPhone.code).toBe(2);
    expect(badPhone.stderr).toContain('--phone');
  }, 180_000); // five real processes (tsx): slow on a loaded machine
});
