/**
 * A real Dovecot for tests and benchmarks: loopback only, a free port, a temporary Maildir,
 * one passwd-file user, its own base/state dirs and no system config. Start, stop, restart on
 * the same port (fault tests), and put mail in through IMAP APPEND like a delivery would.
 *
 * Dovecot refuses to run mail processes as root, so the Maildir belongs to `nobody`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectImapflow, type ImapSession } from '../../channels/email/imapflow-client.js';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
const MAIL_UID = 65534; // nobody

export function dovecotAvailable(): { available: boolean; why: string } {
  if (!existsSync(DOVECOT_BIN)) return { available: false, why: `${DOVECOT_BIN} not installed` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return { available: false, why: 'the test Dovecot needs root (it switches to nobody for mail)' };
  return { available: true, why: '' };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

export interface TestDovecot {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  dir: string;
  /** Mail config for an email channel's `imap` section. */
  imapConfig(extra?: Record<string, unknown>): Record<string, unknown>;
  /** An IMAP session logged in as the test user (close it when done). */
  session(): Promise<ImapSession>;
  /** APPENDs one raw message over a shared admin connection. */
  appendMessage(raw: Buffer | string, folder?: string, flags?: string[]): Promise<number | undefined>;
  /** APPENDs many messages over `connections` parallel sessions; returns the elapsed ms. */
  appendMany(raws: Array<Buffer | string>, folder?: string, connections?: number): Promise<number>;
  /** Like appendMany, but builds message `i` only when it is sent (large runs stay out of memory). */
  appendGenerated(
    count: number,
    make: (i: number) => Buffer,
    folder?: string,
    connections?: number,
  ): Promise<{ ms: number; bytes: number }>;
  createFolder(name: string): Promise<void>;
  running(): boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** The tail of Dovecot's log (for failing tests). */
  log(): string;
  /** Stops and removes every file. */
  dispose(): Promise<void>;
}

export async function startDovecot(options: { user?: string; password?: string; port?: number } = {}): Promise<TestDovecot> {
  const user = options.user ?? 'support@help.test';
  const password = options.password ?? 'test-password';
  const dir = mkdtempSync(join(tmpdir(), 'ponte-dovecot-'));
  const port = options.port ?? (await freePort());
  for (const d of ['run', 'state', 'home']) mkdirSync(join(dir, d), { recursive: true });
  // mkdtemp makes the directory 0700: the mail process (nobody) must be able to reach home/.
  chmodSync(dir, 0o755);
  chownSync(join(dir, 'home'), MAIL_UID, MAIL_UID);
  const conf = join(dir, 'dovecot.conf');
  const logFile = join(dir, 'dovecot.log');
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);
  writeFileSync(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = ponte-test-${port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1000
first_valid_gid = 1000
mail_location = maildir:${dir}/home/%u/Maildir
log_path = ${logFile}
info_log_path = /dev/null
default_login_user = dovenull
default_internal_user = dovecot
mail_max_userip_connections = 200
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_UID} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`,
  );

  let child: ChildProcess | undefined;
  let admin: ImapSession | undefined;

  const connectSession = (): Promise<ImapSession> =>
    connectImapflow({ host: '127.0.0.1', port, secure: false, starttls: false, allowInsecureTls: true, user, auth: { password } });

  async function start(): Promise<void> {
    if (child) return;
    rmSync(join(dir, 'run', 'master.pid'), { force: true });
    const proc = spawn(DOVECOT_BIN, ['-c', conf, '-F'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    try {
      await waitForPort(port, 10_000);
    } catch (err) {
      proc.kill('SIGKILL');
      throw new Error(`dovecot did not start: ${stderr.slice(0, 500)} ${readTail()}`, { cause: err });
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (admin) {
      const a = admin;
      admin = undefined;
      await a.close().catch(() => undefined);
    }
    if (!proc) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.kill('SIGTERM');
    });
    child = undefined;
  }

  function readTail(): string {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  }

  async function adminSession(): Promise<ImapSession> {
    if (!admin) {
      admin = await connectSession();
      const s = admin;
      s.onClose(() => {
        if (admin === s) admin = undefined;
      });
    }
    return admin;
  }

  /** Sequential per connection, so message order (and UID order) follows `i` within each worker. */
  async function appendGenerated(
    count: number,
    make: (i: number) => Buffer,
    folder = 'INBOX',
    connections = 4,
  ): Promise<{ ms: number; bytes: number }> {
    const started = Date.now();
    let next = 0;
    let bytes = 0;
    const workers = Array.from({ length: Math.max(1, Math.min(connections, count)) }, async () => {
      const s = await connectSession();
      try {
        while (next < count) {
          const raw = make(next++);
          bytes += raw.length;
          await s.append(folder, raw);
        }
      } finally {
        await s.close();
      }
    });
    await Promise.all(workers);
    return { ms: Date.now() - started, bytes };
  }

  await start();

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    imapConfig: (extra = {}) => ({ host: '127.0.0.1', port, secure: false, starttls: false, user, password, ...extra }),
    session: connectSession,
    async appendMessage(raw, folder = 'INBOX', flags) {
      const s = await adminSession();
      return s.append(folder, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), flags);
    },
    async appendMany(raws, folder = 'INBOX', connections = 4) {
      const r = await appendGenerated(
        raws.length,
        (i) => (Buffer.isBuffer(raws[i]) ? (raws[i] as Buffer) : Buffer.from(raws[i]!)),
        folder,
        connections,
      );
      return r.ms;
    },
    appendGenerated,
    async createFolder(name) {
      const s = await connectSession();
      try {
        await s.createFolder(name);
      } finally {
        await s.close();
      }
    },
    running: () => child !== undefined,
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    log: readTail,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
