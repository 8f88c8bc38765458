/**
 * `ponte serve` as a service manager runs it: a busy port is one clear line and exit code 3
 * before any channel starts; what Ponte creates (data folder, database, secret, blobs) is
 * private to its user.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ponte } from './cli-helpers.js';

describe('ponte serve', () => {
  let dir: string;
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ponte-ops-serve-'));
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => blocker.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a busy port: one line, exit 3, no channel started; created files are 0600 and folders 0700', async () => {
    // An email channel whose IMAP server does not exist: had it started, it would log its failure.
    writeFileSync(
      join(dir, 'ponte.yaml'),
      [
        `server: { host: 127.0.0.1, port: ${port} }`,
        'database: { driver: sqlite, path: ./data/ponte.db }',
        'storage: { blobsDir: ./data/blobs }',
        'security: { secretFile: ./data/secret }',
        'logging: { level: info }',
        'channels:',
        '  - { id: support, kind: email, addresses: [suporte@loja.example], imap: { host: 127.0.0.1, port: 1, secure: false, starttls: false, user: u, password: p4ssword }, smtp: { host: 127.0.0.1, port: 1 } }',
      ].join('\n'),
    );
    const r = await ponte(['-c', join(dir, 'ponte.yaml'), 'serve']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: port ${port} on 127.0.0.1 is already in use: stop the other program or set server.port\n`);
    expect(r.stdout).not.toMatch(/imap|support.*(started|failed)|Ponte is listening/i);

    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(join(dir, 'data'))).toBe('700');
    expect(mode(join(dir, 'data', 'ponte.db'))).toBe('600');
    expect(mode(join(dir, 'data', 'secret'))).toBe('600');
    expect(mode(join(dir, 'data', 'blobs'))).toBe('700');
  });
});
