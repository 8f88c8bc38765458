/**
 * The parse pool's child processes, seen from the outside (/proc): a child killed in the middle
 * of a parse costs that one mail (a visible placeholder) and is replaced; close() leaves no
 * child behind; and a gateway that dies, even by SIGKILL, takes its parse children with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { PARSE_CHILD_ARG } from '../../channels/email/parse/parse-child.js';
import { createParsePool } from '../../channels/email/parse/parse-pool.js';
import { alive, commandLine, descendants } from '../../scripts/test-services/process-tree.js';
import { buildMail } from '../../scripts/test-services/mail-factory.js';

const opts = () => ({
  blobs: createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-child-'))),
  maxAttachmentBytes: 1024 * 1024,
  supportAddresses: [],
});
const small = buildMail({ from: 'maria@example.com', subject: 'Pedido', text: 'Onde está meu pedido?' });
const heavy = Buffer.from(
  [
    'From: a@example.com',
    'Subject: heavy',
    'Message-ID: <heavy@example.com>',
    'Content-Type: text/plain',
    '',
    ...Array.from({ length: 16 * 1024 }, () => `${'x'.repeat(1000)} On wrote: a@b.c`),
  ].join('\r\n'),
);

const parseChildren = (parent = process.pid): number[] => descendants(parent).filter((pid) => commandLine(pid)?.includes(PARSE_CHILD_ARG));

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('parse pool child processes', () => {
  it('a child killed mid-parse (SIGKILL) turns that mail into a visible placeholder; the mails behind it are parsed anew, not lost', async () => {
    const pool = createParsePool({ size: 1, budgetMs: 120_000, warmupInProcessBytes: 0 });
    try {
      expect((await pool.parseEmail(small, opts())).message.subject).toBe('Pedido');
      const [first] = parseChildren();
      expect(first).toBeDefined();
      const parsing = pool.parseEmail(heavy, opts());
      // The first waits inside the child (handed over ahead, its bytes moved out of this
      // process and read again after), the second in the pool.
      const moved = Buffer.alloc(small.length); // owns its memory (not a slice of Node's pool)
      small.copy(moved);
      const behind = [
        pool.parseEmail(moved, { ...opts(), rereadRaw: async () => small }),
        pool.parseEmail(Buffer.from(small.toString('utf8').replace('Pedido', 'Pedido 2')), opts()),
      ];
      await new Promise((r) => setTimeout(r, 300));
      process.kill(first!, 'SIGKILL');
      const parsed = await parsing;
      expect(moved.byteLength).toBe(0);
      const [again, queued] = await Promise.all(behind);
      expect(again!.message.parseError).toBeUndefined();
      expect(again!.message.subject).toBe('Pedido');
      expect(queued!.message.parseError).toBeUndefined();
      expect(queued!.message.subject).toBe('Pedido 2');
      expect(parsed.message.parseError).toBe('the parse child crashed on this message (signal SIGKILL)');
      expect(parsed.message.externalId).toBe('heavy@example.com');
      expect(parsed.message.subject).toBe('heavy');
      const next = await pool.parseEmail(small, opts());
      expect(next.message.text).toContain('Onde está meu pedido?');
      expect(next.message.parseError).toBeUndefined();
      expect(parseChildren()).toHaveLength(1);
      expect(parseChildren()[0]).not.toBe(first);
    } finally {
      await pool.close();
    }
    expect(parseChildren()).toEqual([]);
  }, 120_000);

  /** A gateway of its own (a separate process with `env`) that has parsed one mail and stays up. */
  async function startGateway(env: NodeJS.ProcessEnv = process.env, then = 'setInterval(() => {}, 1000);'): Promise<ChildProcess> {
    const pool = fileURLToPath(new URL('../../channels/email/parse/parse-pool.ts', import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    const script = `
      import { createParsePool } from ${JSON.stringify(pathToFileURL(pool).href)};
      import { createBlobStore } from ${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../../src/storage/blob-store.ts', import.meta.url))).href)};
      const p = createParsePool({ size: 1, warmupInProcessBytes: 0 });
      const raw = Buffer.from('From: a@example.com\\r\\nSubject: hi\\r\\n\\r\\nhello\\r\\n');
      await p.parseEmail(raw, { blobs: createBlobStore(${JSON.stringify(mkdtempSync(join(tmpdir(), 'ponte-child-')))}), maxAttachmentBytes: 1024, supportAddresses: [] });
      console.log('parsed');
      ${then}
    `;
    const gateway = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        gateway.stdout!.on('data', (d: Buffer) => d.toString().includes('parsed') && resolve());
        gateway.on('exit', (code) => reject(new Error(`the gateway exited early (${code})`)));
      });
    } catch (err) {
      gateway.kill('SIGKILL');
      throw err;
    }
    return gateway;
  }

  it("a parse child (which reads hostile mail) inherits none of the gateway's secrets from its environment", async () => {
    const secrets = { PONTE_SECRET: 'gateway-signing-secret-1234567890', PONTE_IMAP_PASSWORD: 'mailbox-password-0987654321' };
    const env: NodeJS.ProcessEnv = { ...process.env, ...secrets };
    delete env.MALLOC_MMAP_THRESHOLD_;
    const gateway = await startGateway(env);
    try {
      const [child] = parseChildren(gateway.pid!);
      expect(readFileSync(`/proc/${gateway.pid}/environ`, 'utf8')).toContain(secrets.PONTE_SECRET);
      const environ = readFileSync(`/proc/${child}/environ`, 'utf8');
      expect(environ).toContain('PATH=');
      // Its mail buffers are mapped apart and given back when freed (parse-pool.ts, CHILD_MMAP_THRESHOLD).
      expect(environ.split('\0')).toContain('MALLOC_MMAP_THRESHOLD_=131072');
      for (const [key, value] of Object.entries(secrets)) {
        expect(environ).not.toContain(key);
        expect(environ).not.toContain(value);
      }
    } finally {
      gateway.kill('SIGKILL');
    }
  }, 60_000);

  it('a process that closes its pool and has nothing else to do waits for the child to go and ends cleanly', async () => {
    const gateway = await startGateway(process.env, "await p.close(); console.log('closed');");
    let out = '';
    gateway.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => gateway.once('close', (c) => resolve(c)));
    // Before: the idle child was unreferenced, so close() never settled and node ended with 13.
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('closed') });
    expect(parseChildren(gateway.pid!)).toEqual([]);
  }, 60_000);

  it('a gateway killed with SIGKILL leaves no parse child behind', async () => {
    const gateway = await startGateway();
    try {
      const children = parseChildren(gateway.pid!);
      expect(children).toHaveLength(1);
      gateway.kill('SIGKILL');
      await until('the parse child to exit', () => !alive(children[0]!));
    } finally {
      gateway.kill('SIGKILL');
    }
  }, 60_000);
});
