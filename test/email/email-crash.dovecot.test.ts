/**
 * The gateway SIGKILLed in the middle of ingesting a mailbox, then restarted on the same
 * database: every message ends up stored exactly once (the cursor moves in the same
 * transaction as each message; the replayed one is answered `duplicate`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { realisticMail } from '../../scripts/test-services/mail-factory.js';
import { serviceAvailable } from '../support/services.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

const COUNT = 400;

function startGateway(dataDir: string, port: number, onLine: (line: string) => void): { kill(): void; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join('test', 'email', 'support', 'gateway-child.ts'), dataDir, String(port), String(COUNT)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: process.cwd(),
    },
  );
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code && code !== 0) process.stderr.write(stderr.slice(-2000));
      resolve(code);
    }),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  void exited.then(() => clearTimeout(timer));
  return { kill: () => child.kill('SIGKILL'), exited };
}

d('email channel: gateway killed during ingest', () => {
  let dovecot: TestDovecot;
  let dataDir: string;
  beforeAll(async () => {
    dovecot = await startDovecot({ password: 'test-password' });
    dataDir = mkdtempSync(join(tmpdir(), 'ponte-crash-'));
    await dovecot.appendGenerated(COUNT, realisticMail, 'INBOX', 4);
  });
  afterAll(async () => {
    await dovecot?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGKILL mid-sync, restart: every message exactly once', async () => {
    let killedAt = 0;
    const first = startGateway(dataDir, dovecot.port, (line) => {
      const m = /^progress (\d+)/.exec(line);
      if (m && Number(m[1]) >= 60 && !killedAt) {
        killedAt = Number(m[1]);
        first.kill();
      }
    });
    const code = await first.exited;
    expect(code).toBeNull(); // killed by signal
    expect(killedAt).toBeGreaterThanOrEqual(60);
    expect(killedAt).toBeLessThan(COUNT);

    let summary: { messages: number; distinctExternalIds: number; tickets: number } | undefined;
    const second = startGateway(dataDir, dovecot.port, (line) => {
      if (line.startsWith('done ')) summary = JSON.parse(line.slice(5));
    });
    expect(await second.exited).toBe(0);
    expect(summary).toEqual({ messages: COUNT, distinctExternalIds: COUNT, tickets: COUNT });
  }, 180_000);
});
