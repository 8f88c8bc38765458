/** The content-addressed blob store on a real directory. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

  test('a file written in the staging folder is adopted under the sha256 of its content, whatever its name; over the limit or outside the folder it is refused', async () => {
    const local = blobs.local!;
    const staged = join(local.stagingDir, 'parse-1-1-1');
    writeFileSync(staged, 'anexo do cliente');
    const put = await local.adopt(staged);
    expect(put).toEqual({ key: createHash('sha256').update('anexo do cliente').digest('hex'), size: 16 });
    expect((await blobs.read(put.key)).toString()).toBe('anexo do cliente');
    expect(await local.fileOf(put.key)).toBe(join(root, put.key.slice(0, 2), put.key.slice(2, 4), put.key));
    expect(await local.fileOf(createHash('sha256').update('nada').digest('hex'))).toBeUndefined();
    // The same content again: one blob, the staged copy removed.
    writeFileSync(staged, 'anexo do cliente');
    expect(await local.adopt(staged)).toEqual(put);
    writeFileSync(staged, Buffer.alloc(2000));
    await expect(local.adopt(staged)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(readdirSync(local.stagingDir)).toEqual([]);
    const outside = join(mkdtempSync(join(tmpdir(), 'ponte-elsewhere-')), 'x');
    writeFileSync(outside, 'x');
    await expect(local.adopt(outside)).rejects.toThrow(/not a staged file/u);
    // A symbolic link in the staging folder is refused: the file it points to is never taken in.
    const secret = join(mkdtempSync(join(tmpdir(), 'ponte-secret-')), 'config.yaml');
    writeFileSync(secret, 'secret: hunter2');
    symlinkSync(secret, join(local.stagingDir, 'parse-1-1-2'));
    await expect(local.adopt(join(local.stagingDir, 'parse-1-1-2'))).rejects.toThrow(/not a plain staged file/u);
    expect(readdirSync(local.stagingDir)).toEqual([]);
    expect(await local.fileOf(createHash('sha256').update('secret: hunter2').digest('hex'))).toBeUndefined();
  });

  test('keys are checked: no path traversal', async () => {
    await expect(blobs.read('../../etc/passwd')).rejects.toThrow(/not a blob key/);
  });
});
