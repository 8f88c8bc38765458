/** `ponte email sync <channel>`: fetches what waits in a real Dovecot with a progress bar, then exits. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Command } from 'commander';
import { channelDefinitions } from '../../channels/index.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { buildMail } from '../../scripts/test-services/mail-factory.js';
import { registerChannelCommands } from '../../src/cli-channels.js';
import { parseConfig } from '../../src/config/loader.js';
import { createDatabase } from '../../src/db/database.js';
import { serviceAvailable } from '../support/services.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

d('ponte email sync', () => {
  let dovecot: TestDovecot;
  beforeAll(async () => {
    dovecot = await startDovecot({});
    for (let i = 0; i < 250; i++) await dovecot.appendMessage(buildMail({ subject: `Pedido ${i}`, from: `cliente${i}@example.com` }));
  });
  afterAll(() => dovecot.dispose());

  it('fetches the waiting mail into tickets, drawing a bar, and exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-sync-'));
    const loaded = parseConfig(
      {
        database: { driver: 'sqlite', path: join(dir, 'p.db') },
        storage: { blobsDir: join(dir, 'blobs') },
        security: { secret: 'sync-test-secret-0123456789' },
        channels: [
          {
            id: 'support',
            kind: 'email',
            addresses: ['support@help.test'],
            imap: { ...dovecot.imapConfig({}), backfill: { mode: 'days', days: 30 } },
            smtp: { host: '127.0.0.1', port: 1 },
          },
        ],
      },
      { env: {}, definitions: channelDefinitions },
    );
    const program = new Command('ponte').exitOverride();
    registerChannelCommands(program, { loadConfig: async () => loaded });
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write);
    try {
      await program.parseAsync(['node', 'ponte', 'email', 'sync', 'support', '--timeout', '120']);
    } finally {
      spy.mockRestore();
    }
    const out = written.join('');
    expect(out).toMatch(/INBOX \[#+\] 100% {2}250\/250/);
    expect(out).toMatch(/support: up to date, 250 message\(s\) fetched/);
    const db = createDatabase({ driver: 'sqlite', path: join(dir, 'p.db') });
    const n = await db.kysely
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    await db.destroy();
    expect(Number(n?.n)).toBe(250);
  });
});
