/**
 * The parse pool with a local-disk blob store (real child processes, a real blob directory): the
 * child reads a raw mail from its stored file and writes large attachments into the store's
 * staging folder, which the store adopts under their own sha256; the same result as parsing the
 * bytes in-process, nothing left behind; a store without local files still gets its attachments
 * through the pipe.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../../src/channel/contract.js';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { parseEmail } from '../../channels/email/parse/index.js';
import { createParsePool, type ParsePool } from '../../channels/email/parse/parse-pool.js';
import { buildMail, pseudoRandomBytes } from '../../scripts/test-services/mail-factory.js';

const video = pseudoRandomBytes(3 * 1024 * 1024, 11);
const photo = pseudoRandomBytes(40 * 1024, 12);
const RAW = buildMail({
  from: 'maria@example.com',
  subject: 'Vídeo do defeito',
  text: 'Segue o vídeo e uma foto.',
  attachments: [
    { filename: 'video.mp4', contentType: 'video/mp4', content: video },
    { filename: 'foto.jpg', contentType: 'image/jpeg', content: photo },
  ],
});

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);

describe('parse pool with a local-disk blob store', () => {
  let pool: ParsePool;
  beforeAll(() => {
    pool = createParsePool({ size: 1, budgetMs: 20_000, warmupInProcessBytes: 0 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('parses a mail from its stored file, the same as from its bytes; attachments adopted byte for byte, nothing left in staging', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-pool-files-'));
    const store = createBlobStore(dir);
    const put = await store.put(RAW);
    const rawFile = await store.local!.fileOf(put.key);
    expect(rawFile).toBeDefined();
    const opts = { blobs: store, maxAttachmentBytes: 10 * 1024 * 1024, supportAddresses: ['suporte@loja.example'] };
    const fromFile = await pool.parseEmail(Buffer.alloc(0), { ...opts, rawFile, rereadRaw: () => store.read(put.key) });
    const inProcess = await parseEmail(RAW, { ...opts, blobs: createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-pool-files-'))) });
    expect(fromFile).toEqual(inProcess);
    const byName = new Map(fromFile.message.attachments!.map((a) => [a.filename, a]));
    expect((await store.read(byName.get('video.mp4')!.blobKey)).equals(video)).toBe(true);
    expect((await store.read(byName.get('foto.jpg')!.blobKey)).equals(photo)).toBe(true);
    expect(filesUnder(join(dir, 'tmp'))).toEqual([]);
    // The raw, the video and the photo: three blobs, no stray copy.
    expect(filesUnder(dir)).toHaveLength(3);
  });

  it('a raw file the child cannot read: the bytes are sent instead, nothing is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-pool-files-'));
    const store = createBlobStore(dir);
    const parsed = await pool.parseEmail(RAW, {
      blobs: store,
      maxAttachmentBytes: 10 * 1024 * 1024,
      supportAddresses: [],
      rawFile: join(dir, 'gone', 'raw.eml'),
    });
    expect(parsed.message.parseError).toBeUndefined();
    expect(parsed.message.subject).toBe('Vídeo do defeito');
    expect(parsed.message.attachments!.map((a) => a.filename)).toEqual(['video.mp4', 'foto.jpg']);
  });

  it('a store without local files (S3, PostgreSQL) gets the raw and the attachments through the pipe', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-pool-files-'));
    const disk = createBlobStore(dir);
    const remote: BlobStore = { ...disk, local: undefined };
    const parsed = await pool.parseEmail(RAW, {
      blobs: remote,
      maxAttachmentBytes: 10 * 1024 * 1024,
      supportAddresses: [],
      rawFile: join(dir, 'never-read.eml'),
    });
    const kept = parsed.message.attachments!.find((a) => a.filename === 'video.mp4')!;
    expect(kept.size).toBe(video.length);
    expect((await disk.read(kept.blobKey)).equals(video)).toBe(true);
    expect(filesUnder(join(dir, 'tmp'))).toEqual([]);
  });
});
