/**
 * The admin's CLI for issue 17 against the database a running gateway uses: `contacts erase` by
 * email (refused without --yes), `webhooks secret|list|deliveries|redeliver`, `replay --dry-run`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

const mail = createTestChannelDefinition('test', 'email', ['email']);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAbCdEfGh';

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

describe('ponte contacts erase / webhooks / replay', () => {
  let t: TestApp;
  let cfg: string;
  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      config: { webhooks: { subscriptions: [{ id: 'crm', url: 'http://127.0.0.1:9/x', secret: SECRET }] } },
    });
    cfg = join(t.dataDir, 'ponte.yaml');
    writeFileSync(
      cfg,
      `database: { driver: sqlite, path: ${join(t.dataDir, 'ponte.db')} }\nstorage: { blobsDir: ${join(t.dataDir, 'blobs')} }\nsecurity: { secret: test-secret-0123456789abcdef }\nwebhooks:\n  subscriptions:\n    - { id: crm, url: "http://127.0.0.1:9/x", secret: "${SECRET}" }\n`,
    );
  });
  afterAll(() => t?.stop());

  test('erase by email prints the receipt; without --yes nothing happens', async () => {
    const o = await t.context('mail').ingest({
      message: {
        externalId: '<cli-1@x>',
        from: { kind: 'email', address: 'caio.cli@example.com', displayName: 'Caio' },
        subject: 'Oi',
        text: 'Sou o Caio',
      },
    });
    if (o.status !== 'created') throw new Error(o.status);
    const refused = await ponte(['--config', cfg, 'contacts', 'erase', 'caio.cli@example.com']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await t.getTicket(o.ticketNumber)).subject).toBe('Oi');
    const r = await ponte(['--config', cfg, 'contacts', 'erase', 'caio.cli@example.com', '--yes']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scope: 'tickets', actor: { type: 'cli' }, removed: { tickets: 1, messages: 1 } });
    expect((await t.getTicket(o.ticketNumber)).subject).toBe('[erased]');
    expect((await ponte(['--config', cfg, 'contacts', 'erase', 'caio.cli@example.com', '--yes'])).code).toBe(2);
  });

  test('webhooks secret, list (no secret shown), deliveries and redeliver', async () => {
    expect((await ponte(['webhooks', 'secret'])).stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await ponte(['--config', cfg, 'webhooks', 'list']);
    expect(list.stdout).toContain('crm');
    expect(list.stdout).not.toContain(SECRET);
    const o = await t
      .context('mail')
      .ingest({ message: { externalId: '<cli-2@x>', from: { kind: 'email', address: 'dora@example.com' }, subject: 'Oi', text: 'oi' } });
    expect(o.status).toBe('created');
    const log = await ponte(['--config', cfg, 'webhooks', 'deliveries', 'crm']);
    expect(log.stdout).toContain('ticket.created');
    const id = /^(\w{26})\s/m.exec(log.stdout.split('\n').slice(1).join('\n'))?.[1];
    expect(id).toBeDefined();
    expect(await ponte(['--config', cfg, 'webhooks', 'redeliver', id!])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('queued as delivery'),
    });
    expect((await ponte(['--config', cfg, 'webhooks', 'redeliver', 'nope'])).code).toBe(2);
  });

  test('replay refuses a channel that is not email', async () => {
    const r = await ponte(['--config', cfg, 'replay', '--channel', 'nope', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--channel');
  });
});
