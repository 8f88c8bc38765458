import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { createUploadStaging } from './upload-staging.js';

describe('upload staging', () => {
  it('keeps files out of the blob store until commit, then copies them in; dispose leaves nothing', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ponte-staging-test-'));
    const blobsDir = mkdtempSync(join(tmpdir(), 'ponte-staging-blobs-'));
    const blobs = createBlobStore(blobsDir);
    const staging = createUploadStaging(tmp);
    const staged = await staging.put(Readable.from([Buffer.from('%PDF-1.4 nota')]), { maxBytes: 100 });
    expect(staged).toEqual({ key: 'staged:1', size: 13 });
    expect(readdirSync(blobsDir)).toEqual(['tmp']);
    const [ref] = await staging.commit([{ blobKey: staged.key, filename: 'nota.pdf', contentType: 'application/pdf', size: 13 }], blobs);
    expect((await blobs.read(ref!.blobKey)).toString()).toBe('%PDF-1.4 nota');
    await staging.dispose();
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a file over the limit with the blob store code, keeping no partial file', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ponte-staging-test-'));
    const staging = createUploadStaging(tmp);
    const err = await staging.put(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), { maxBytes: 100 }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('blob_too_large');
    await staging.dispose();
    expect(readdirSync(tmp)).toEqual([]);
  });
});
