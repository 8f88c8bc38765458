/**
 * A gateway process for the crash test: the real app with one email channel on a fixed data
 * directory, so a SIGKILLed run can be restarted on the same database and blobs.
 * argv: <dataDir> <imapPort> <expectedCount>. Prints `progress <lastUid>` lines, and once the
 * cursor reaches the expected count, `done <json counts>`.
 */
import { join } from 'node:path';
import pino from 'pino';
import { createEmailChannelDefinition } from '../../../channels/email/index.js';
import { createApp } from '../../../src/app.js';
import { parseConfig } from '../../../src/config/loader.js';

const [dataDir, portText, expectedText] = process.argv.slice(2);
const port = Number(portText);
const expected = Number(expectedText);
const definition = createEmailChannelDefinition({ reconnect: { baseMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5, stableAfterMs: 5_000 } });
const loaded = parseConfig(
  {
    server: { host: '127.0.0.1', port: 0 },
    database: { driver: 'sqlite', path: join(dataDir!, 'ponte.db') },
    storage: { blobsDir: join(dataDir!, 'blobs') },
    security: { secret: 'crash-test-secret-0123456789abcdef' },
    logging: { level: 'silent' },
    channels: [
      {
        id: 'support',
        kind: 'email',
        addresses: ['support@help.test'],
        imap: {
          host: '127.0.0.1',
          port,
          secure: false,
          starttls: false,
          user: 'support@help.test',
          password: 'test-password',
          backfill: { mode: 'days', days: 2 },
          afterIngest: 'none',
        },
        smtp: { host: '127.0.0.1', port: 1 },
      },
    ],
  },
  { env: {}, definitions: [definition] },
);
const app = createApp(loaded, { definitions: [definition], logger: pino({ level: 'silent' }), loops: false });
await app.start({ host: '127.0.0.1', port: 0 });
const ctx = app.running.find((c) => c.entry.id === 'support')!.context;
const deadline = Date.now() + 120_000;
for (;;) {
  const lastUid = (await ctx.state.get<{ lastUid: number }>('cursor:INBOX'))?.lastUid ?? 0;
  process.stdout.write(`progress ${lastUid}\n`);
  if (lastUid >= expected) break;
  if (Date.now() > deadline) {
    process.stdout.write('timeout\n');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 10));
}
const db = app.database.kysely as unknown as {
  selectFrom(t: string): { select(f: unknown): { execute(): Promise<Array<Record<string, unknown>>> } };
};
const rows = await db
  .selectFrom('messages')
  .select((eb: { fn: { countAll(): { as(n: string): unknown }; count(c: string): { distinct(): { as(n: string): unknown } } } }) => [
    eb.fn.countAll().as('messages'),
    eb.fn.count('external_id').distinct().as('distinctExternalIds'),
  ])
  .execute();
const tickets = await db
  .selectFrom('tickets')
  .select((eb: { fn: { countAll(): { as(n: string): unknown } } }) => [eb.fn.countAll().as('tickets')])
  .execute();
process.stdout.write(
  `done ${JSON.stringify({ messages: Number(rows[0]!.messages), distinctExternalIds: Number(rows[0]!.distinctExternalIds), tickets: Number(tickets[0]!.tickets) })}\n`,
);
await app.stop();
process.exit(0);
