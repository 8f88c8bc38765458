/** The content-addressed blob store on a real directory. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobTooLargeError, createBlobStore } from '../../src/storage/blob-store.js';

describe('blob store', () => {
  const root = mkdtempSync(join(tmpdir(), 'ponte-blobs-'));
  const blobs = createBlobStore(root, 1024);

  test('bytes and streams of the same content get the same key; content is stored once', async () => {
    const a = await blobs.put(Buffer.from('olá mundo'));
    const b = await blobs.put(Readable.from([Buffer.from('olá '), Buffer.from('mundo')]));
    const c = await blobs.put('olá mundo');
    expect(a).toEqual({ key: createHash('sha256').update('olá mundo').digest('hex'), size: 10 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect((await blobs.read(a.key)).toString()).toBe('olá mundo');
    expect(await blobs.size(a.key)).toBe(10);
    expect(await blobs.exists(a.key)).toBe(true);
  });

  test('over the limit nothing is kept, whether bytes or a stream', async () => {
    await expect(blobs.put(Buffer.alloc(2000))).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(blobs.put(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]))).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(await blobs.put(Buffer.alloc(2000), { maxBytes: 4096 })).toMatchObject({ size: 2000 });
  });

  test('keys are checked: no path traversal', async () => {
    await expect(blobs.read('../../etc/passwd')).rejects.toThrow(/not a blob key/);
  });
});
