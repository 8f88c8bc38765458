import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { boundaryOf, createPartHeaderScanner, isValidMediaType, parsePartHeaders } from './part-header-scanner.js';
import { FormRejection } from './form-rejection.js';

describe('isValidMediaType', () => {
  it.each([
    ['image/png', true],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', true],
    ['text/plain; charset=utf-8', true],
    ['image/png\r\nX-Evil: 1', false],
    ['image/png\n', false],
    ['image', false],
    ['/png', false],
    ['image/png<x>', false],
    ['image/png/x', false],
    ['', false],
  ])('%j -> %s', (value, ok) => {
    expect(isValidMediaType(value)).toBe(ok);
  });
});

describe('parsePartHeaders / boundaryOf', () => {
  it('reads the name and the type, keeping a folded line in the value', () => {
    expect(
      parsePartHeaders('Content-Disposition: form-data; name="foto"; filename="a.png"\r\nContent-Type: image/png\r\n\tX-Evil: 1'),
    ).toEqual({
      name: 'foto',
      contentType: 'image/png\r\n\tX-Evil: 1',
    });
  });

  it('reads quoted and bare boundaries', () => {
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(boundaryOf('multipart/form-data; boundary=xyz')).toBe('xyz');
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
  });
});

describe('createPartHeaderScanner', () => {
  const B = 'bnd';
  const part = (name: string, type: string) =>
    `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="x"\r\nContent-Type: ${type}\r\n\r\nDATA\r\n`;
  async function run(text: string, chunkSize: number): Promise<Buffer | FormRejection> {
    const out: Buffer[] = [];
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) =>
      bytes.subarray(i * chunkSize, (i + 1) * chunkSize),
    );
    try {
      await pipeline(
        Readable.from(chunks),
        createPartHeaderScanner(`multipart/form-data; boundary=${B}`),
        new Writable({
          write(c: Buffer, _e, cb) {
            out.push(c);
            cb();
          },
        }),
      );
      return Buffer.concat(out);
    } catch (err) {
      return err as FormRejection;
    }
  }

  it.each([1, 3, 7, 1000])('passes a valid body through unchanged (chunks of %i bytes)', async (size) => {
    const text = part('a', 'image/png') + part('b', 'application/pdf') + `--${B}--\r\n`;
    expect((await run(text, size)).toString()).toBe(text);
  });

  it.each([1, 5, 1000])('refuses the second part with a folded type, whatever the chunking (%i)', async (size) => {
    const r = await run(part('a', 'image/png') + part('foto', 'image/png\r\n X-Evil: 1') + `--${B}--\r\n`, size);
    expect(r).toBeInstanceOf(FormRejection);
    expect((r as FormRejection).issues).toEqual([{ path: 'foto', message: expect.any(String) }]);
  });
});
