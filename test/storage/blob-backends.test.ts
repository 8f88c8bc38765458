/** The BlobStore contract on every backend: local folder, S3-compatible server, PostgreSQL. */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../src/channel/contract.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { BlobTooLargeError, createBlobStore } from '../../src/storage/blob-store.js';
import { createPostgresBlobStore } from '../../src/storage/pg-blob-store.js';
import { createS3BlobStore, type S3BlobStore } from '../../src/storage/s3-blob-store.js';
import { scratchDatabase, type ScratchDatabase } from '../core/db-fixtures.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { startTestS3, type TestS3 } from './s3-server.js';

const text = (r: Readable): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => resolve(Buffer.concat(chunks).toString()));
    r.on('error', reject);
  });

type Backend = { name: string; open(): Promise<{ blobs: BlobStore; close(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: 'local',
    open: async () => ({ blobs: createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-blobs-')), 1024), close: async () => {} }),
  },
  {
    name: 's3',
    async open() {
      const s3: TestS3 = await startTestS3();
      const blobs: S3BlobStore = createS3BlobStore(
        {
          bucket: s3.bucket,
          region: 'us-east-1',
          endpoint: s3.endpoint,
          forcePathStyle: true,
          prefix: 'blobs/',
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
        },
        1024,
      );
      return { blobs, close: async () => (blobs.close(), s3.close()) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const scratch: ScratchDatabase = await scratchDatabase('postgres');
      await migrateToLatest(scratch.database);
      return { blobs: createPostgresBlobStore(scratch.database, 1024), close: () => scratch.drop() };
    },
  },
];

const pgReady = serviceAvailable('postgresql', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL not set (postgres blob store)');

for (const backend of backends) {
  (backend.name !== 'postgres' || pgReady ? describe : describe.skip)(`blob store: ${backend.name}`, () => {
    let blobs: BlobStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ blobs, close } = await backend.open());
    });
    afterAll(() => close());

    test('bytes, strings and streams of the same content get one key; read, get, size, exists', async () => {
      const a = await blobs.put(Buffer.from('olá mundo'));
      const b = await blobs.put(Readable.from([Buffer.from('olá '), Buffer.from('mundo')]));
      const c = await blobs.put('olá mundo');
      expect(a).toEqual({ key: createHash('sha256').update('olá mundo').digest('hex'), size: 10 });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect((await blobs.read(a.key)).toString()).toBe('olá mundo');
      expect(await text(blobs.get(a.key))).toBe('olá mundo');
      expect(await blobs.size(a.key)).toBe(10);
      expect(await blobs.exists(a.key)).toBe(true);
    });

    test('over the limit nothing is stored; a larger limit per call is honoured', async () => {
      const big = Buffer.alloc(1200, 7);
      await expect(blobs.put(big)).rejects.toBeInstanceOf(BlobTooLargeError);
      await expect(blobs.put(Readable.from([big.subarray(0, 600), big.subarray(600)]))).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(await blobs.exists(createHash('sha256').update(big).digest('hex'))).toBe(false);
      expect(await blobs.put(big, { maxBytes: 4096 })).toMatchObject({ size: 1200 });
    });

    test('a missing blob: exists is false, read and get fail with ENOENT; delete removes and is idempotent', async () => {
      const { key } = await blobs.put('apagar depois');
      const missing = createHash('sha256').update('nunca guardado').digest('hex');
      expect(await blobs.exists(missing)).toBe(false);
      await expect(blobs.read(missing)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(text(blobs.get(missing))).rejects.toMatchObject({ code: 'ENOENT' });
      await blobs.delete(key);
      await blobs.delete(key);
      expect(await blobs.exists(key)).toBe(false);
    });

    test('keys are checked: no path traversal or foreign object names', async () => {
      await expect(blobs.read('../../etc/passwd')).rejects.toThrow(/not a blob key/);
      expect(() => blobs.get('../x')).toThrow(/not a blob key/);
    });
  });
}
