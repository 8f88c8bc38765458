/**
 * The README's quick start on a fresh copy, inside `npm test`: `git clone` this checkout into a
 * temporary folder, reuse the installed node_modules (a symlink: `npm ci` over the network is
 * `npm run smoke:clone`, minutes under load), build dist/ as `prepare` does on install, then
 * `npm start` with PONTE_CONFIG naming a config in another folder (loopback port, a public web
 * form), wait for /healthz, post the form, add an agent with `npm run ponte -- agents add` and
 * find the new ticket through the API. Bounded: the build has 8 minutes (about 3 on a loaded 2-core machine), the start 1.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './cli-helpers.js';

const run = promisify(execFile);
const SITE = 'https://loja.example';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(url: string, server: ChildProcess, output: () => string, ms: number): Promise<Response> {
  const until = Date.now() + ms;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`npm start exited (${server.exitCode}):\n${output()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return r;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`no answer from ${url} in ${ms} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('quick start on a fresh clone (no network install)', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ponte-clone-'));
  });
  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      // npm runs node as its child: stop the process group this test started.
      process.kill(-server.pid, 'SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('clone, build, npm start, form post becomes a ticket an agent finds through the API', async () => {
    const clone = join(dir, 'ponte');
    await run('git', ['clone', '--quiet', REPO, clone], { timeout: 60_000 });
    symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'));
    // What `prepare` runs on `npm install` / `npm ci`.
    await run(process.execPath, ['scripts/prepare-build.mjs'], { cwd: clone, timeout: 480_000 });
    expect(existsSync(join(clone, 'dist', 'src', 'main.js'))).toBe(true);

    const port = await freePort();
    const site = join(dir, 'site');
    mkdirSync(site);
    const config = join(site, 'ponte.yaml');
    writeFileSync(
      config,
      [
        `server: { host: 127.0.0.1, port: ${port} }`,
        'database: { driver: sqlite, path: ./var/ponte.db }',
        'storage: { blobsDir: ./var/blobs }',
        'security: { secretFile: ./var/secret }',
        'logging: { level: warn }',
        'channels:',
        '  - id: mail',
        '    kind: email',
        '    addresses: [suporte@loja.example]',
        '    smtp: { host: 127.0.0.1, port: 1, secure: false }',
        '  - id: contato',
        '    kind: webform',
        '    mode: public',
        '    origin: site form',
        '    replyVia: mail',
        `    allowedOrigins: ['${SITE}']`,
      ].join('\n'),
    );
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? dir, PONTE_CONFIG: config };
    let output = '';
    server = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const health = await waitFor(`${base}/healthz`, server, () => output, 60_000);
    expect(((await health.json()) as { database: string }).database).toBe('ok');

    const form = await fetch(`${base}/hooks/forms/contato`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SITE },
      body: JSON.stringify({ name: 'Rita Lima', email: 'rita@cliente.example', message: 'Meu pedido não chegou.' }),
    });
    expect(form.status).toBe(201);
    const { ticketNumber } = (await form.json()) as { ticketNumber: number };

    const added = await run(
      'npm',
      ['run', '--silent', 'ponte', '--', 'agents', 'add', '--name', 'Ana', '--email', 'ana@loja.example', '--admin'],
      { cwd: clone, env, timeout: 120_000 },
    );
    const token = /\bpt_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0];
    expect(token).toBeDefined();
    const list = await fetch(`${base}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const tickets = ((await list.json()) as { tickets: Array<{ number: number; origin: string }> }).tickets;
    expect(tickets).toEqual([expect.objectContaining({ number: ticketNumber, origin: 'site form' })]);
    expect(existsSync(join(site, 'var', 'ponte.db'))).toBe(true);
  }, 720_000);
});
