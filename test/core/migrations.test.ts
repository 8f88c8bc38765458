/** Migrations go up, down and up again on every supported database, leaving a working schema. */
import { createMigrator, migrateDown, migrateToLatest, migrationStatus } from '../../src/db/migrator.js';
import { describeEachDatabase, scratchDatabase, type ScratchDatabase } from './db-fixtures.js';

/**
 * better-sqlite3 throws the SqliteError class of the first test file that loaded it, so across
 * jest module registries `toThrow()` (an instanceof check) misses it: match the message instead.
 */
const UNIQUE_VIOLATION = /UNIQUE constraint failed|duplicate key value violates unique constraint/;

/** The core tables of the initial migration (later migrations may add more). */
const TABLES = [
  'agents',
  'attachments',
  'automatic_sends',
  'channel_state',
  'contact_identities',
  'contacts',
  'counters',
  'inbound_receipts',
  'leases',
  'messages',
  'outbox',
  'ticket_events',
  'ticket_participants',
  'tickets',
  'timers',
];

async function userTables(s: ScratchDatabase): Promise<string[]> {
  const tables = await s.database.kysely.introspection.getTables();
  return tables
    .map((t) => t.name)
    .filter((n) => !n.startsWith('ponte_migrations'))
    .sort();
}

describeEachDatabase('migrations on %s', (kind) => {
  let s: ScratchDatabase;
  beforeEach(async () => {
    s = await scratchDatabase(kind);
  });
  afterEach(() => s.drop());

  test('up, down, up: every table appears, disappears and comes back working', async () => {
    const up = await migrateToLatest(s.database);
    expect(up.error).toBeUndefined();
    expect(up.results?.every((r) => r.status === 'Success')).toBe(true);
    const afterUp = await userTables(s);
    expect(afterUp).toEqual(expect.arrayContaining(TABLES));
    expect((await migrationStatus(s.database)).every((m) => m.executedAt instanceof Date)).toBe(true);

    // Down as far as it goes: one step per migration.
    const names = (await createMigrator(s.database).getMigrations()).map((m) => m.name);
    for (let i = 0; i < names.length; i++) {
      const down = await migrateDown(s.database);
      expect(down.error).toBeUndefined();
      expect(down.results?.[0]).toMatchObject({ migrationName: names[names.length - 1 - i], direction: 'Down', status: 'Success' });
    }
    expect(await userTables(s)).toEqual([]);
    expect((await migrationStatus(s.database)).every((m) => m.executedAt === undefined)).toBe(true);

    const again = await migrateToLatest(s.database);
    expect(again.error).toBeUndefined();
    expect(again.results?.map((r) => r.migrationName)).toEqual(names);
    expect(await userTables(s)).toEqual(afterUp);

    // The re-created schema is the real one: constraints hold.
    const db = s.database.kysely;
    await db
      .insertInto('contacts')
      .values({ id: '01HZZZZZZZZZZZZZZZZZZZZZZ1', name: 'Maria', locale: 'pt-BR', created_at: 1, updated_at: 1 })
      .execute();
    const identity = { contact_id: '01HZZZZZZZZZZZZZZZZZZZZZZ1', kind: 'email', address: 'maria@example.com', created_at: 1 };
    await db
      .insertInto('contact_identities')
      .values({ id: '01HZZZZZZZZZZZZZZZZZZZZZZ2', ...identity })
      .execute();
    await expect(
      db
        .insertInto('contact_identities')
        .values({ id: '01HZZZZZZZZZZZZZZZZZZZZZZ3', ...identity })
        .execute(),
    ).rejects.toHaveProperty('message', expect.stringMatching(UNIQUE_VIOLATION));
  });

  test('migrating twice is a no-op', async () => {
    await migrateToLatest(s.database);
    const second = await migrateToLatest(s.database);
    expect(second.error).toBeUndefined();
    expect(second.results).toEqual([]);
  });
});
