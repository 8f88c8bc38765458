/**
 * Small raw payloads kept in the database (issue 15, "fast path for small payloads"): a raw body
 * put in memory with `{ raw: true }` (the web form's raw submission) of at most
 * `storage.inlineMaxBytes` is one row of `blob_objects` instead of a file or an object. A form
 * intake then costs one short insert instead of mkdir, access, open, write, rename and close
 * through the thread pool; several machines sharing the database read it without the blob
 * backend. Attachments, larger content and streams go to the backend as before.
 *
 * Readers see one store: every read, exists, size and get looks in the database first, then in
 * the backend (a key is content-addressed, so the same key is the same bytes wherever it lives;
 * a threshold changed later leaves older blobs readable). `delete` removes both, so erasure
 * removes inline raw payloads with the files (on SQLite under secure_delete, see src/erasure).
 *
 * Puts that arrive together (concurrent form posts, in one turn of the event loop) are written
 * by ONE multi-row insert: one statement and one commit instead of one each (on PostgreSQL, one
 * round trip and one WAL flush). Each caller is answered after that insert with its own key; if
 * the shared insert fails, each payload is inserted alone so every caller gets its own outcome.
 */
import { Readable } from 'node:stream';
import { type RawBuilder, sql } from 'kysely';
import type { BlobPutResult, BlobStore } from '../channel/contract.js';
import type { Database, Executor } from '../db/database.js';
import { precompiled } from '../db/precompiled.js';
import { checkKey, takeBlob } from './blob-intake.js';

export function withInlineBlobs(
  backend: BlobStore,
  database: Database,
  inlineMaxBytes: number,
  defaultMaxBytes = 25 * 1024 * 1024,
): BlobStore {
  if (inlineMaxBytes <= 0) return backend;
  const db = database.kysely;
  const gather = createInsertGathering((rows) =>
    sql`insert into blob_objects (key, size, data, created_at) values ${sql.join(rows.map(rowValues))} on conflict (key) do nothing`.execute(
      db,
    ),
  );
  const inline = async (key: string): Promise<Buffer | undefined> => {
    const res = await sql<{ data: Uint8Array }>`select data from blob_objects where key = ${checkKey(key)}`.execute(db);
    const row = res.rows[0];
    return row ? Buffer.from(row.data) : undefined;
  };
  return {
    async put(source, options): Promise<BlobPutResult> {
      const small =
        options?.raw === true &&
        (typeof source === 'string' ? Buffer.byteLength(source) : source instanceof Uint8Array ? source.byteLength : Infinity) <=
          inlineMaxBytes;
      if (!small) return backend.put(source, options);
      const { key, bytes } = await takeBlob(source, options?.maxBytes ?? defaultMaxBytes);
      await gather({ key, bytes, createdAt: Date.now() });
      return { key, size: bytes.length };
    },
    get(key) {
      checkKey(key);
      // Lazy: the lookup runs when the consumer starts reading, as the backends' streams do.
      return Readable.from(
        (async function* () {
          const bytes = await inline(key);
          if (bytes) {
            yield bytes;
            return;
          }
          yield* backend.get(key);
        })(),
      );
    },
    async read(key) {
      return (await inline(key)) ?? backend.read(key);
    },
    async exists(key) {
      const res = await sql`select 1 as one from blob_objects where key = ${checkKey(key)}`.execute(db);
      return res.rows.length > 0 || backend.exists(key);
    },
    async size(key) {
      const res = await sql<{ size: number | string }>`select size from blob_objects where key = ${checkKey(key)}`.execute(db);
      const row = res.rows[0];
      return row ? Number(row.size) : backend.size(key);
    },
    async delete(key) {
      await sql`delete from blob_objects where key = ${checkKey(key)}`.execute(db);
      await backend.delete(key);
    },
    // An inline blob has no file: fileOf finds none and its reader gets the bytes another way.
    local: backend.local,
  };
}

export interface InlineRow {
  key: string;
  bytes: Buffer;
  createdAt: number;
}

const insertOne = precompiled<'key' | 'size' | 'data' | 'createdAt'>('blob_objects:insert-inline', (db, p) => {
  const q = sql`insert into blob_objects (key, size, data, created_at) values (${p('key')}, ${p('size')}, ${p('data')}, ${p('createdAt')}) on conflict (key) do nothing`;
  return { compile: () => q.compile(db) };
});

/**
 * One inline row written on `db` (a message's transaction: the ingest keeps a small raw payload
 * with the message it belongs to, see IngestOptions.raw). Readers find it as any inline blob.
 */
export async function writeInlineRow(db: Executor, row: InlineRow): Promise<void> {
  await insertOne(db, { key: row.key, size: row.bytes.length, data: row.bytes, createdAt: row.createdAt });
}

const rowValues = (r: InlineRow): RawBuilder<unknown> => sql`(${r.key}, ${r.bytes.length}, ${r.bytes}, ${r.createdAt})`;

/** Rows per statement: 4 parameters each stays far below every driver's parameter limit. */
const MAX_GATHERED_ROWS = 200;

/**
 * Rows handed in during one turn of the event loop are inserted together (setImmediate runs
 * after the turn's I/O callbacks, so every request read in that turn joins). A failed shared
 * insert is retried row by row: one row's error never fails its neighbours.
 */
export function createInsertGathering(insert: (rows: InlineRow[]) => Promise<unknown>): (row: InlineRow) => Promise<void> {
  type Waiting = { row: InlineRow; resolve: () => void; reject: (err: unknown) => void };
  let waiting: Waiting[] = [];
  const flush = async () => {
    const batch = waiting;
    waiting = [];
    for (let i = 0; i < batch.length; i += MAX_GATHERED_ROWS) {
      const part = batch.slice(i, i + MAX_GATHERED_ROWS);
      // Content-addressed: the same key twice in one statement is the same row (PostgreSQL refuses a duplicate in one insert).
      const unique = [...new Map(part.map((w) => [w.row.key, w.row])).values()];
      try {
        await insert(unique);
        for (const w of part) w.resolve();
      } catch {
        for (const w of part) await insert([w.row]).then(w.resolve, w.reject);
      }
    }
  };
  return (row) =>
    new Promise<void>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(() => void flush());
      waiting.push({ row, resolve, reject });
    });
}
