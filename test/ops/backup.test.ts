/**
 * Backing up and restoring as an admin does: `ponte backup` while data exists, more data
 * written, `ponte restore` refuses to overwrite without --yes, then brings the old state back
 * (database and attachments). `migrate down` shows what it would drop and changes nothing
 * without --yes. PostgreSQL gets pg_dump instructions instead.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { runCli } from '../../src/cli.js';
import { loadConfigFile } from '../../src/config/loader.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

async function ponte(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void out.push(a.join(' '));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    return { code: await runCli(['node', 'ponte', ...args]), out: out.join('\n') };
  } finally {
    process.exitCode = before;
    console.log = saved.log;
    console.error = saved.error;
  }
}

describe('backup and restore (SQLite)', () => {
  const { definition } = createTestChannelDefinition('test', 'email');
  let dir: string;
  let cfg: string;
  /** The same files without the test channel (the CLI knows only the real channel kinds). */
  let cliCfg: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ponte-ops-backup-'));
    cfg = join(dir, 'ponte.yaml');
    cliCfg = join(dir, 'cli.yaml');
    const common =
      'database: { driver: sqlite, path: ./data/ponte.db }\nstorage: { blobsDir: ./data/blobs }\nsecurity: { secretFile: ./data/secret }\n';
    writeFileSync(cfg, common + 'channels: [{ id: mail, kind: test }]\n');
    writeFileSync(cliCfg, common);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Boots the gateway on the file's database, ingests one mail with an attachment, stops. */
  async function receive(externalId: string, attachment: string): Promise<{ number: number; blobKey: string }> {
    const loaded = await loadConfigFile(cfg, { env: {}, definitions: [definition] });
    const app = createApp(loaded, { definitions: [definition], logger: pino({ level: 'silent' }), loops: false });
    await app.start({ host: '127.0.0.1', port: 0 });
    try {
      const blob = await app.blobs.put(attachment);
      const outcome = await app.ingest('mail', {
        message: {
          externalId,
          from: { kind: 'email', address: 'ana@example.com' },
          subject: externalId,
          text: 'segue',
          attachments: [{ blobKey: blob.key, filename: 'nota.txt', contentType: 'text/plain', size: blob.size }],
        },
      });
      return { number: (outcome as { ticketNumber: number }).ticketNumber, blobKey: blob.key };
    } finally {
      await app.stop();
    }
  }

  async function ticketNumbers(): Promise<number[]> {
    const loaded = await loadConfigFile(cfg, { env: {}, definitions: [definition] });
    const app = createApp(loaded, { definitions: [definition], logger: pino({ level: 'silent' }), loops: false });
    try {
      return (await app.database.kysely.selectFrom('tickets').select('number').orderBy('number').execute()).map((r) => Number(r.number));
    } finally {
      await app.database.destroy();
    }
  }

  test('back up, write more, restore: the old state is back, attachments included', async () => {
    const first = await receive('<first@example.com>', 'conteúdo da nota fiscal');
    const backupDir = join(dir, 'backup-1');
    const b = await ponte(['-c', cliCfg, 'backup', backupDir]);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/backed up to .*backup-1: .*1 tickets.*1 blob\(s\), the server secret/);

    await receive('<second@example.com>', 'outro anexo');
    expect(await ticketNumbers()).toEqual([first.number, first.number + 1]);

    const refused = await ponte(['-c', cliCfg, 'restore', backupDir]);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('has data (2 tickets');
    expect(refused.out).toContain('--yes');
    expect(await ticketNumbers()).toEqual([first.number, first.number + 1]);

    const restored = await ponte(['-c', cliCfg, 'restore', backupDir, '--yes']);
    expect(restored.code).toBe(0);
    expect(await ticketNumbers()).toEqual([first.number]);
    // The restored gateway starts and serves the old attachment.
    const loaded = await loadConfigFile(cfg, { env: {}, definitions: [definition] });
    const app = createApp(loaded, { definitions: [definition], logger: pino({ level: 'silent' }), loops: false });
    await app.start({ host: '127.0.0.1', port: 0 });
    try {
      expect((await app.blobs.read(first.blobKey)).toString()).toBe('conteúdo da nota fiscal');
    } finally {
      await app.stop();
    }
    // A backup never overwrites: the folder must be new.
    expect((await ponte(['-c', cliCfg, 'backup', backupDir])).out).toContain('exists and is not empty');
  });

  test('migrate down prints what it would drop and changes nothing without --yes', async () => {
    const before = await ticketNumbers();
    const r = await ponte(['-c', cliCfg, 'migrate', 'down']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/would revert \d{8}T\d{4}-[a-z-]+ \(applied /);
    // What the newest migration's `down` would remove: tables or columns, or (an index-only one) says so.
    expect(r.out).toMatch(/drops (table|column) |it removes no table or column/);
    expect(r.out).toContain('Nothing was changed');
    expect(await ticketNumbers()).toEqual(before);
    const status = await ponte(['-c', cliCfg, 'migrate', 'status']);
    expect(status.out).not.toContain('pending');
  });

  test('PostgreSQL: backup refuses and prints the pg_dump instructions', async () => {
    const pg = join(dir, 'pg.yaml');
    writeFileSync(
      pg,
      'database: { driver: postgres, url: "postgres://ponte@127.0.0.1:1/ponte" }\nstorage: { blobsDir: /var/lib/ponte/blobs }\n',
    );
    const r = await ponte(['-c', pg, 'backup', join(dir, 'pg-backup')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('pg_dump --format=custom');
    expect(r.out).toContain('/var/lib/ponte/blobs');
    expect(existsSync(join(dir, 'pg-backup'))).toBe(false);
  });
});
