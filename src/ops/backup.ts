/**
 * `ponte backup <dir>` and `ponte restore <dir>` for the embedded SQLite database.
 *
 * A backup is a folder: `ponte.db` (SQLite's online backup API, consistent while the gateway
 * runs), `blobs/` (attachments and raw messages), the generated server secret when there is
 * one (signed Message-IDs depend on it) and `manifest.json`. The database is copied first:
 * blobs are written before the rows that reference them and never change, so every blob the
 * copied database names is already there when the blob folder is copied after it.
 *
 * PostgreSQL is backed up with its own tools (pg_dump); Ponte refuses and prints how.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { PonteConfig } from '../config/schema.js';

export interface BackupManifest {
  format: 'ponte-backup-1';
  createdAt: string;
  ponteVersion: string;
  migrations: string[];
  tables: Record<string, number>;
  blobs: number;
  secret: boolean;
}

/** Why Ponte does not back up PostgreSQL itself, and how to. */
export function postgresBackupInstructions(config: PonteConfig): string {
  return [
    "This gateway uses PostgreSQL: back it up with PostgreSQL's own tools, and the blob folder beside it:",
    '  pg_dump --format=custom --file=ponte.dump "$DATABASE_URL"',
    `  tar -C ${JSON.stringify(config.storage.blobsDir)} -czf ponte-blobs.tar.gz .`,
    'Restore into an empty database with:',
    '  pg_restore --no-owner --dbname="$DATABASE_URL" ponte.dump',
    `  mkdir -p ${JSON.stringify(config.storage.blobsDir)} && tar -C ${JSON.stringify(config.storage.blobsDir)} -xzf ponte-blobs.tar.gz`,
    'Dump the database before the blobs (the same order keeps every referenced attachment).',
  ].join('\n');
}

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

function tableCounts(db: SQLite.Database): Record<string, number> {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as Array<{ name: string }>;
  return Object.fromEntries(
    names.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n]),
  );
}

function migrationsOf(db: SQLite.Database): string[] {
  try {
    return (db.prepare('SELECT name FROM ponte_migrations ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);
  } catch {
    return [];
  }
}

function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || (statSync(dir).isDirectory() && readdirSync(dir).length === 0);
}

export async function backupSqlite(config: PonteConfig, target: string, version: string): Promise<BackupManifest> {
  if (config.database.driver !== 'sqlite') throw new Error(postgresBackupInstructions(config));
  const source = config.database.path;
  if (!existsSync(source)) throw new Error(`no database at ${source} (nothing to back up)`);
  if (!isEmptyDir(target)) throw new Error(`${target} exists and is not empty: choose a new folder`);
  mkdirSync(target, { recursive: true, mode: 0o700 });
  chmodSync(target, 0o700);
  const dbFile = join(target, 'ponte.db');
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(dbFile);
  } finally {
    db.close();
  }
  chmodSync(dbFile, 0o600);
  const copy = new SQLite(dbFile, { readonly: true });
  const tables = tableCounts(copy);
  const migrations = migrationsOf(copy);
  copy.close();
  if (existsSync(config.storage.blobsDir)) {
    // tmp/ holds blobs still being written: not yet referenced by any row.
    cpSync(config.storage.blobsDir, join(target, 'blobs'), {
      recursive: true,
      filter: (src) => !src.startsWith(join(config.storage.blobsDir, 'tmp')),
    });
  }
  const hasSecret = !config.security.secret && existsSync(config.security.secretFile);
  if (hasSecret) writeFileSync(join(target, 'secret'), readFileSync(config.security.secretFile), { mode: 0o600 });
  const manifest: BackupManifest = {
    format: 'ponte-backup-1',
    createdAt: new Date().toISOString(),
    ponteVersion: version,
    migrations,
    tables,
    blobs: countFiles(join(target, 'blobs')),
    secret: hasSecret,
  };
  writeFileSync(join(target, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  return manifest;
}

export function readManifest(dir: string): BackupManifest {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file) || !existsSync(join(dir, 'ponte.db')))
    throw new Error(`${dir} is not a Ponte backup (no manifest.json and ponte.db)`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
  if (m.format !== 'ponte-backup-1') throw new Error(`${dir}: unknown backup format ${String(m.format)}`);
  return m;
}

/** What a restore would replace: the current database's tables and row counts (empty when none). */
export function currentSqliteState(config: PonteConfig): Record<string, number> | undefined {
  if (config.database.driver !== 'sqlite' || !existsSync(config.database.path)) return undefined;
  const db = new SQLite(config.database.path, { readonly: true, fileMustExist: true });
  try {
    return tableCounts(db);
  } finally {
    db.close();
  }
}

/** Replaces the database with the backup's copy and adds the backup's blobs. The gateway must be stopped. */
export function restoreSqlite(config: PonteConfig, dir: string): BackupManifest {
  if (config.database.driver !== 'sqlite') throw new Error(postgresBackupInstructions(config));
  const manifest = readManifest(dir);
  const path = config.database.path;
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const incoming = `${path}.restoring`;
  cpSync(join(dir, 'ponte.db'), incoming);
  chmodSync(incoming, 0o600);
  // A WAL left from the old database would be replayed onto the restored one.
  for (const f of [`${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  renameSync(incoming, path);
  if (existsSync(join(dir, 'blobs'))) {
    mkdirSync(config.storage.blobsDir, { recursive: true, mode: 0o700 });
    // Content-addressed: a blob with the same name has the same bytes.
    cpSync(join(dir, 'blobs'), config.storage.blobsDir, { recursive: true, force: false, errorOnExist: false });
  }
  if (manifest.secret && existsSync(join(dir, 'secret')) && !config.security.secret) {
    mkdirSync(join(config.security.secretFile, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(config.security.secretFile, readFileSync(join(dir, 'secret')), { mode: 0o600 });
    chmodSync(config.security.secretFile, 0o600);
  }
  return manifest;
}

/**
 * What `migrate down` would remove, found by reverting a copy of the database: tables that
 * disappear (with their rows) and columns that disappear. `revert` runs the down migration.
 */
export async function previewSqliteDown(
  path: string,
  revert: (copyPath: string) => Promise<void>,
): Promise<{ droppedTables: Record<string, number>; droppedColumns: string[] }> {
  const tmpDir = `${path}.preview-${process.pid}`;
  mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  const copyPath = join(tmpDir, 'preview.db');
  try {
    const db = new SQLite(path, { fileMustExist: true, readonly: true });
    await db.backup(copyPath);
    db.close();
    const before = new SQLite(copyPath, { readonly: true });
    const tables = tableCounts(before);
    const columns = columnsOf(before);
    before.close();
    await revert(copyPath);
    const after = new SQLite(copyPath, { readonly: true });
    const remaining = tableCounts(after);
    const afterColumns = new Set(columnsOf(after));
    after.close();
    const droppedTables = Object.fromEntries(
      Object.entries(tables).filter(([t]) => !(t in remaining) && t !== 'ponte_migrations' && t !== 'ponte_migrations_lock'),
    );
    const droppedColumns = columns.filter((c) => !afterColumns.has(c) && c.split('.')[0]! in remaining);
    return { droppedTables, droppedColumns };
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

function columnsOf(db: SQLite.Database): string[] {
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>
  ).map((r) => r.name);
  return names.flatMap((t) =>
    (db.prepare(`PRAGMA table_info("${t.replace(/"/g, '""')}")`).all() as Array<{ name: string }>).map((c) => `${t}.${c.name}`),
  );
}
