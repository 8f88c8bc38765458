/**
 * Small raw payloads live in the database (storage.inlineMaxBytes): no file is written for a raw
 * webhook body, every reader finds it through the same store, and delete removes the row.
 * Attachments, larger content and streams still go to the backend.
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { BlobStore } from '../../src/channel/contract.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { withInlineBlobs } from '../../src/storage/inline-blob-store.js';
import { describeEachDatabase, scratchDatabase, type ScratchDatabase } from '../core/db-fixtures.js';

const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((n) => (n === 'tmp' ? [] : statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]))
    : [];

const text = async (r: Readable): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
};

describeEachDatabase('inline blobs on %s', (kind) => {
  let scratch: ScratchDatabase;
  let dir: string;
  let blobs: BlobStore;
  const rows = async (key: string) =>
    (await sql<{ key: string }>`select key from blob_objects where key = ${key}`.execute(scratch.database.kysely)).rows.length;

  beforeAll(async () => {
    scratch = await scratchDatabase(kind);
    await migrateToLatest(scratch.database);
    dir = mkdtempSync(join(tmpdir(), 'ponte-inline-'));
    blobs = withInlineBlobs(createBlobStore(dir, 100_000), scratch.database, 1024, 100_000);
  });
  afterAll(() => scratch.drop());

  test('a small payload is a database row, not a file, and reads back through every method', async () => {
    const raw = '{"fields":{"email":"ana@example.com","mensagem":"Não chegou"}}';
    const put = await blobs.put(raw, { raw: true });
    expect(put.size).toBe(Buffer.byteLength(raw));
    expect(files(dir)).toEqual([]);
    expect(await rows(put.key)).toBe(1);
    expect((await blobs.read(put.key)).toString()).toBe(raw);
    expect(await text(blobs.get(put.key))).toBe(raw);
    expect(await blobs.exists(put.key)).toBe(true);
    expect(await blobs.size(put.key)).toBe(Buffer.byteLength(raw));
    // The same content again: the same key, still one row.
    expect((await blobs.put(Buffer.from(raw), { raw: true })).key).toBe(put.key);
    expect(await rows(put.key)).toBe(1);
  });

  test('concurrent small payloads (posts arriving together) are each stored and each readable', async () => {
    const raws = Array.from({ length: 40 }, (_, i) => `{"fields":{"pedido":"PED-${i % 30}"}}`);
    const puts = await Promise.all(raws.map((raw) => blobs.put(raw, { raw: true })));
    expect(new Set(puts.map((p) => p.key)).size).toBe(30);
    for (const [i, p] of puts.entries()) {
      expect(await rows(p.key)).toBe(1);
      expect((await blobs.read(p.key)).toString()).toBe(raws[i]);
    }
    expect(files(dir)).toEqual([]);
  });

  test('an attachment, content above the threshold and any stream go to the backend as before', async () => {
    const attachment = await blobs.put(Buffer.from('a small attachment'));
    expect(await rows(attachment.key)).toBe(0);
    expect(files(dir).map((f) => f.split('/').pop())).toContain(attachment.key);

    const big = 'x'.repeat(5000);
    const put = await blobs.put(big, { raw: true });
    expect(await rows(put.key)).toBe(0);
    expect(files(dir).map((f) => f.split('/').pop())).toContain(put.key);
    expect((await blobs.read(put.key)).toString()).toBe(big);
    expect(await blobs.size(put.key)).toBe(5000);

    const streamed = await blobs.put(Readable.from([Buffer.from('small but streamed')]), { raw: true });
    expect(await rows(streamed.key)).toBe(0);
    expect(await text(blobs.get(streamed.key))).toBe('small but streamed');
  });

  test('delete removes an inline payload (erasure) and a file alike', async () => {
    const small = await blobs.put('Rua Ametista 42, CPF 123.456.789-09', { raw: true });
    const big = await blobs.put('y'.repeat(4000));
    await blobs.delete(small.key);
    await blobs.delete(big.key);
    expect(await rows(small.key)).toBe(0);
    expect(await blobs.exists(small.key)).toBe(false);
    expect(await blobs.exists(big.key)).toBe(false);
    await expect(blobs.read(small.key)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('threshold 0 turns the fast path off', async () => {
    const plain = withInlineBlobs(createBlobStore(dir, 100_000), scratch.database, 0);
    const put = await plain.put('tiny', { raw: true });
    expect(await rows(put.key)).toBe(0);
    expect(files(dir).map((f) => f.split('/').pop())).toContain(put.key);
  });
});
