import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { FormRejection } from './form-rejection.js';
import { isTypeAllowed, originalFilename, readMultipart, type MultipartLimits } from './multipart-reader.js';

const BOUNDARY = 'xYzBoundary';
const headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
const limits: MultipartLimits = {
  maxFiles: 2,
  maxFileBytes: 1000,
  allowedTypes: ['application/pdf', 'image/*'],
  maxFields: 10,
  maxFieldBytes: 100,
};

function body(parts: string[]): Readable {
  return Readable.from([Buffer.from(parts.map((p) => `--${BOUNDARY}\r\n${p}\r\n`).join('') + `--${BOUNDARY}--\r\n`)]);
}
const field = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const file = (name: string, filename: string, type: string, data: string) =>
  `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n${data}`;

async function rejection(p: Promise<unknown>): Promise<FormRejection> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FormRejection) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('readMultipart', () => {
  const blobs = createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-webform-')));

  it('collects fields (repeated names as arrays) and stores files', async () => {
    const r = await readMultipart(
      body([field('a', '1'), field('a', '2'), field('nome', 'José'), file('f', 'nota.pdf', 'application/pdf', '%PDF-1')]),
      headers,
      limits,
      blobs,
    );
    expect({ ...r.fields }).toEqual({ a: ['1', '2'], nome: 'José' });
    expect(r.files).toEqual([
      { blobKey: expect.stringMatching(/^[0-9a-f]{64}$/), filename: 'nota.pdf', contentType: 'application/pdf', size: 6 },
    ]);
    expect((await blobs.read(r.files[0]!.blobKey)).toString()).toBe('%PDF-1');
  });

  it('skips an empty file input (no filename, no bytes)', async () => {
    const r = await readMultipart(body([field('a', '1'), file('f', '', 'application/octet-stream', '')]), headers, limits, blobs);
    expect(r.files).toEqual([]);
  });

  it.each([
    ['a file over maxFileBytes', [file('f', 'a.pdf', 'application/pdf', 'x'.repeat(1001))], 413, 'attachment_too_large'],
    ['a refused type', [file('f', 'a.html', 'text/html', '<script>')], 415, 'attachment_type_refused'],
    ['too many files', [1, 2, 3].map((i) => file(`f${i}`, `${i}.png`, 'image/png', 'png')), 413, 'too_many_attachments'],
    ['a field over maxFieldBytes', [field('m', 'y'.repeat(101))], 413, 'field_too_large'],
    ['too many fields', Array.from({ length: 11 }, (_, i) => field(`f${i}`, 'v')), 413, 'too_many_fields'],
  ])('refuses %s', async (_name, parts, status, error) => {
    const r = await rejection(readMultipart(body(parts), headers, limits, blobs));
    expect([r.status, r.error]).toEqual([status, error]);
  });

  it('keeps the path the browser sent in the name (the core makes the display name)', async () => {
    const r = await readMultipart(body([file('f', '../../etc/nota.pdf', 'application/pdf', '%PDF')]), headers, limits, blobs);
    expect(r.files[0]!.filename).toBe('../../etc/nota.pdf');
  });

  it.each([
    ['a folded line break', 'image/png\r\n\tX-Evil: 1'],
    ['a missing subtype', 'image'],
    ['markup', 'image/png<script>'],
    ['a control character', 'image/png\u0001'],
  ])('refuses a part whose declared type has %s (400 naming the field), storing nothing', async (_name, type) => {
    const root = mkdtempSync(join(tmpdir(), 'ponte-webform-'));
    const store = createBlobStore(root);
    const r = await rejection(readMultipart(body([field('a', '1'), file('foto', 'a.png', type, 'PNG')]), headers, limits, store));
    expect([r.status, r.error, r.issues]).toEqual([
      400,
      'invalid_content_type',
      [{ path: 'foto', message: expect.stringMatching(/media type/) }],
    ]);
  });

  it('accepts a declared type with parameters', async () => {
    const r = await readMultipart(body([file('f', 'a.pdf', 'application/pdf; name="a.pdf"', '%PDF')]), headers, limits, blobs);
    expect(r.files[0]!.contentType).toBe('application/pdf');
  });

  it('refuses a body cut in the middle of a file with 400', async () => {
    const full = `--${BOUNDARY}\r\n${file('f', 'a.pdf', 'application/pdf', 'z'.repeat(500))}\r\n--${BOUNDARY}--\r\n`;
    const r = await rejection(readMultipart(Readable.from([Buffer.from(full.slice(0, 200))]), headers, limits, blobs));
    expect(r.status).toBe(400);
  });

  it('refuses a multipart content type without a boundary with 400', async () => {
    const r = await rejection(readMultipart(body([field('a', '1')]), { 'content-type': 'multipart/form-data' }, limits, blobs));
    expect(r.status).toBe(400);
  });

  it('drains files instead of storing them when told to (honeypot filled before the file)', async () => {
    const r = await readMultipart(body([field('website', 'spam'), file('f', 'a.pdf', 'application/pdf', 'x')]), headers, limits, blobs, {
      discardFiles: (v) => v.website !== undefined,
    });
    expect(r.files).toEqual([]);
  });
});

describe('isTypeAllowed / originalFilename', () => {
  it.each([
    ['image/png', true],
    ['IMAGE/JPEG', true],
    ['application/pdf', true],
    ['application/pdfx', false],
    ['imagex/png', false],
  ])('%s -> %s', (type, ok) => {
    expect(isTypeAllowed(type, ['application/pdf', 'image/*'])).toBe(ok);
  });

  it.each([
    ['C:\\Users\\maria\\nota.pdf', 'C:\\Users\\maria\\nota.pdf'],
    ['../../etc/passwd', '../../etc/passwd'],
    ['..', '..'],
    [undefined, 'attachment'],
    ['  ', 'attachment'],
    ['a'.repeat(300), 'a'.repeat(255)],
    ['a'.repeat(254) + '😀', 'a'.repeat(254)],
  ])('keeps the name as sent, bounded: %s -> %s', (input, out) => {
    expect(originalFilename(input, 'attachment')).toBe(out);
  });
});
