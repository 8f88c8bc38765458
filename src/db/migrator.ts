import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Database } from './database.js';
import * as initial from './migrations/20261122T1800-initial.js';
import * as trustCore from './migrations/20261130T1200-trust-core.js';
import * as agentsContacts from './migrations/20261130T1210-agents-contacts.js';
import * as webSessions from './migrations/20261130T1220-web-sessions.js';
import * as portal from './migrations/20261130T1230-portal.js';
import * as integrations from './migrations/20261130T1300-integrations.js';
import * as searchStorage from './migrations/20261130T1310-search-storage.js';
import * as senderKindBackfill from './migrations/20261130T1400-sender-kind-backfill.js';
import * as searchLookups from './migrations/20261130T1420-search-lookups.js';
import * as cluster from './migrations/20261130T1600-cluster.js';
import * as consoleSlaIndexes from './migrations/20261130T1710-console-sla-indexes.js';
import * as ticketReferenceRequester from './migrations/20261201T0400-ticket-reference-requester.js';

/** Static list: migrations ship inside the build, no directory scanning at run time. */
const MIGRATIONS: Record<string, Migration> = {
  '20261122T1800-initial': initial,
  '20261130T1200-trust-core': trustCore,
  '20261130T1210-agents-contacts': agentsContacts,
  '20261130T1220-web-sessions': webSessions,
  '20261130T1230-portal': portal,
  '20261130T1300-integrations': integrations,
  '20261130T1310-search-storage': searchStorage,
  '20261130T1400-sender-kind-backfill': senderKindBackfill,
  '20261130T1420-search-lookups': searchLookups,
  '20261130T1600-cluster': cluster,
  '20261130T1710-console-sla-indexes': consoleSlaIndexes,
  '20261201T0400-ticket-reference-requester': ticketReferenceRequester,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export function createMigrator(db: Database): Migrator {
  return new Migrator({ db: db.kysely, provider, migrationTableName: 'ponte_migrations', migrationLockTableName: 'ponte_migrations_lock' });
}

export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  return createMigrator(db).migrateToLatest();
}

export async function migrateDown(db: Database): Promise<MigrationResultSet> {
  return createMigrator(db).migrateDown();
}

export async function migrationStatus(db: Database): Promise<Array<{ name: string; executedAt?: Date | undefined }>> {
  const list = await createMigrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
