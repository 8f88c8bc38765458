/**
 * The parse pool (real worker threads, the TypeScript entry loaded through tsx's hooks as in
 * `npm run ponte`): the same result as the in-process parse, attachments in the real blob store,
 * our signed Message-IDs verified on the caller's side, a parse over its time budget stopped and
 * kept as a visible placeholder, and the event loop free while a heavy mail is parsed.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../src/channel/contract.js';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { parseEmail } from '../../channels/email/parse/index.js';
import { createParsePool, type ParsePool } from '../../channels/email/parse/parse-pool.js';
import { buildMail, pseudoRandomBytes } from '../../scripts/test-services/mail-factory.js';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');
const verifyMessageId = (id: string): number | undefined =>
  /^t(\d+)\.sig@loja\.example$/u.exec(id) ? Number(/^t(\d+)/u.exec(id)![1]) : undefined;

const REPLY = crlf([
  'From: Maria <maria@example.com>',
  'To: suporte@loja.example',
  'Subject: Re: Pedido [#10001]',
  'Message-ID: <pool-1@example.com>',
  'In-Reply-To: <t10001.sig@loja.example>',
  'Date: Mon, 18 May 2026 14:02:11 -0300',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="B"',
  '',
  '--B',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Segue o comprovante.',
  '',
  'Em seg., 18 de mai. de 2026 às 10:00, Suporte <suporte@loja.example> escreveu:',
  '> Envie o comprovante.',
  '--B',
  'Content-Type: application/pdf; name="comprovante.pdf"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="comprovante.pdf"',
  '',
  Buffer.from('%PDF-1.4 comprovante').toString('base64'),
  '--B--',
  '',
]);

const big = (mb: number): Buffer =>
  crlf([
    'From: a@example.com',
    'To: suporte@loja.example',
    'Subject: big',
    'Message-ID: <big@example.com>',
    'Content-Type: text/plain',
    '',
    ...Array.from({ length: mb * 1024 }, () => `${'x'.repeat(1000)} On wrote: a@b.c`),
  ]);

describe('parse pool (worker threads)', () => {
  let pool: ParsePool;
  const blobs = (): BlobStore => createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-pool-')));

  beforeAll(() => {
    pool = createParsePool({ size: 2, budgetMs: 20_000, warmupInProcessBytes: 0 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives the same result as the in-process parse, attachments stored in the real blob store', async () => {
    const store = blobs();
    const opts = { blobs: store, maxAttachmentBytes: 1024 * 1024, supportAddresses: ['suporte@loja.example'], verifyMessageId };
    const inWorker = await pool.parseEmail(REPLY, opts);
    const inProcess = await parseEmail(REPLY, opts);
    expect(inWorker).toEqual(inProcess);
    expect(inWorker.message.replyText).toBe('Segue o comprovante.');
    expect(inWorker.message.threadHints?.signedTicketNumbers).toEqual([10001]);
    const pdf = inWorker.message.attachments!.find((a) => a.filename === 'comprovante.pdf')!;
    expect((await store.read(pdf.blobKey)).toString()).toBe('%PDF-1.4 comprovante');
  });

  it('runs several parses at once and keeps each result with its message', async () => {
    const store = blobs();
    const raws = Array.from({ length: 6 }, (_, i) =>
      Buffer.from(REPLY.toString('utf8').replace('pool-1@example.com', `pool-${i}@example.com`)),
    );
    const out = await Promise.all(
      raws.map((r) => pool.parseEmail(r, { blobs: store, maxAttachmentBytes: 1024 * 1024, supportAddresses: [] })),
    );
    expect(out.map((p) => p.message.externalId)).toEqual(raws.map((_, i) => `pool-${i}@example.com`));
  });

  it('keeps the event loop free while a heavy mail is parsed', async () => {
    const raw = big(4);
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    try {
      const parsed = await pool.parseEmail(raw, { blobs: blobs(), maxAttachmentBytes: 1024, supportAddresses: [] });
      expect(parsed.message.externalId).toBe('big@example.com');
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
    // In-process, this parse blocks the loop for its whole duration; in the pool only the copy does.
    expect(maxGap).toBeLessThan(500);
  });

  it('stops a parse over its budget: a visible placeholder with parseError, and the pool keeps working', async () => {
    const tight = createParsePool({ size: 1, budgetMs: 1, warmupInProcessBytes: 0 });
    try {
      const parsed = await tight.parseEmail(big(8), { blobs: blobs(), maxAttachmentBytes: 1024, supportAddresses: [] });
      expect(parsed.message.parseError).toMatch(/longer than its budget of 1 ms/u);
      expect(parsed.message.externalId).toBe('big@example.com');
      expect(parsed.message.text).toContain('could not be processed');
      expect(parsed.classification).toBe('customer');
    } finally {
      await tight.close();
    }
    const after = await pool.parseEmail(REPLY, { blobs: blobs(), maxAttachmentBytes: 1024 * 1024, supportAddresses: [] });
    expect(after.message.replyText).toBe('Segue o comprovante.');
  });

  it('a message handed over without a copy still becomes a full placeholder when its parse is stopped (read again)', async () => {
    const tight = createParsePool({ size: 1, budgetMs: 1, warmupInProcessBytes: 0 });
    try {
      const original = big(8);
      const raw = Buffer.from(original); // owns its memory: moved to the worker, not copied
      const parsed = await tight.parseEmail(raw, {
        blobs: blobs(),
        maxAttachmentBytes: 1024,
        supportAddresses: [],
        rereadRaw: async () => original,
      });
      expect(raw.byteLength).toBe(0);
      expect(parsed.message.parseError).toMatch(/longer than its budget/u);
      expect(parsed.message.externalId).toBe('big@example.com');
      expect(parsed.message.subject).toBe('big');
    } finally {
      await tight.close();
    }
  });

  it('a mail that needs more than the worker heap limit is a visible placeholder, and the pool keeps working', async () => {
    const small = createParsePool({ size: 1, budgetMs: 300_000, warmupInProcessBytes: 0, workerHeapMB: 64 });
    try {
      const parsed = await small.parseEmail(big(48), { blobs: blobs(), maxAttachmentBytes: 1024, supportAddresses: [] });
      expect(parsed.message.parseError).toBe('the parse ran out of its 64 MB of memory and was stopped');
      expect(parsed.message.externalId).toBe('big@example.com');
      expect(parsed.message.subject).toBe('big');
      const after = await small.parseEmail(REPLY, { blobs: blobs(), maxAttachmentBytes: 1024 * 1024, supportAddresses: [] });
      expect(after.message.replyText).toBe('Segue o comprovante.');
    } finally {
      await small.close();
    }
  }, 300_000);

  it('parses a small mail in-process while its workers are still starting, a large one waits for them', async () => {
    const fresh = createParsePool({ size: 1, budgetMs: 20_000, warmupInProcessBytes: 64 * 1024 });
    try {
      const t0 = performance.now();
      const small = await fresh.parseEmail(REPLY, { blobs: blobs(), maxAttachmentBytes: 1024 * 1024, supportAddresses: [] });
      expect(small.message.replyText).toBe('Segue o comprovante.');
      expect(performance.now() - t0).toBeLessThan(1000);
      const large = await fresh.parseEmail(big(1), { blobs: blobs(), maxAttachmentBytes: 1024, supportAddresses: [] });
      expect(large.message.externalId).toBe('big@example.com');
    } finally {
      await fresh.close();
    }
  });

  it('streams a large attachment into the blob store byte for byte; one over the limit is dropped with a note and leaves no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-pool-'));
    const store = createBlobStore(dir);
    const video = pseudoRandomBytes(3 * 1024 * 1024, 7);
    const huge = pseudoRandomBytes(5 * 1024 * 1024, 8);
    const raw = buildMail({
      from: 'maria@example.com',
      subject: 'Vídeos',
      text: 'Seguem os vídeos.',
      attachments: [
        { filename: 'video.mp4', contentType: 'video/mp4', content: video },
        { filename: 'huge.mp4', contentType: 'video/mp4', content: huge },
      ],
    });
    const parsed = await pool.parseEmail(raw, { blobs: store, maxAttachmentBytes: 4 * 1024 * 1024, supportAddresses: [] });
    expect(parsed.message.attachments!.map((a) => a.filename)).toEqual(['video.mp4']);
    const kept = parsed.message.attachments![0]!;
    expect(kept.size).toBe(video.length);
    expect((await store.read(kept.blobKey)).equals(video)).toBe(true);
    expect(parsed.message.text).toContain('"huge.mp4"');
    // Nothing of the dropped file stays: no half-written temporary, no second blob.
    const files = (sub: string): string[] =>
      readdirSync(join(dir, sub), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name);
    expect(files('tmp')).toEqual([]);
    expect(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())).toHaveLength(1);
  });

  it('propagates a blob store failure (the caller retries instead of losing the files)', async () => {
    const failing: BlobStore = {
      ...blobs(),
      put: async (source) => {
        if (source instanceof Readable) source.resume();
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    await expect(pool.parseEmail(REPLY, { blobs: failing, maxAttachmentBytes: 1024 * 1024, supportAddresses: [] })).rejects.toMatchObject({
      code: 'ENOSPC',
    });
  });
});
