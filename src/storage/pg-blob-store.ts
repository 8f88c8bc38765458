/**
 * Blobs in PostgreSQL (`blob_objects`, bytea): when the gateways already share one PostgreSQL,
 * every machine reads what any stored without another service. Suited to modest volumes (each
 * blob is read whole into memory, up to storage.maxAttachmentBytes); S3 suits large archives.
 */
import { sql } from 'kysely';
import { Readable } from 'node:stream';
import type { BlobPutResult, BlobStore } from '../channel/contract.js';
import type { Database } from '../db/database.js';
import { blobNotFound, checkKey, takeBlob } from './blob-intake.js';

export function createPostgresBlobStore(database: Database, defaultMaxBytes = 25 * 1024 * 1024): BlobStore {
  const db = database.kysely;
  const read = async (key: string): Promise<Buffer> => {
    const res = await sql<{ data: Buffer }>`select data from blob_objects where key = ${checkKey(key)}`.execute(db);
    const row = res.rows[0];
    if (!row) throw blobNotFound(key);
    return Buffer.from(row.data);
  };
  return {
    async put(source, options): Promise<BlobPutResult> {
      const { key, bytes } = await takeBlob(source, options?.maxBytes ?? defaultMaxBytes);
      await sql`insert into blob_objects (key, size, data, created_at) values (${key}, ${bytes.length}, ${bytes}, ${Date.now()}) on conflict (key) do nothing`.execute(
        db,
      );
      return { key, size: bytes.length };
    },
    get(key) {
      checkKey(key);
      // A lazy stream: the query runs when the consumer starts reading.
      return Readable.from(
        (async function* () {
          yield await read(key);
        })(),
      );
    },
    read,
    async exists(key) {
      const res = await sql<{ one: number }>`select 1 as one from blob_objects where key = ${checkKey(key)}`.execute(db);
      return res.rows.length > 0;
    },
    async size(key) {
      const res = await sql<{ size: number }>`select size from blob_objects where key = ${checkKey(key)}`.execute(db);
      const row = res.rows[0];
      if (!row) throw blobNotFound(key);
      return Number(row.size);
    },
    async delete(key) {
      await sql`delete from blob_objects where key = ${checkKey(key)}`.execute(db);
    },
  };
}
