import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { FormRejection } from './form-rejection.js';
import { spoolBody } from './signed-body.js';

function source(chunks: Buffer[], end = true): PassThrough {
  const s = new PassThrough();
  for (const c of chunks) s.write(c);
  if (end) s.end();
  return s;
}

describe('spoolBody', () => {
  const root = mkdtempSync(join(tmpdir(), 'ponte-spool-test-'));
  const chunk = (n: number, byte: number) => Buffer.alloc(n, byte);

  it('keeps a small body in memory and feeds every byte to the MAC', async () => {
    let seen = 0;
    const body = await spoolBody(source([chunk(100, 1), chunk(50, 2)]), {
      maxBytes: 1000,
      memoryBytes: 1000,
      onChunk: (c) => (seen += c.length),
      tmpRoot: root,
    });
    expect([body.size, seen]).toEqual([150, 150]);
    expect(readdirSync(root)).toEqual([]);
    expect((await body.read()).equals(Buffer.concat([chunk(100, 1), chunk(50, 2)]))).toBe(true);
  });

  it('spools past the memory limit to a file it deletes on dispose', async () => {
    const parts = [chunk(40_000, 1), chunk(40_000, 2), chunk(40_000, 3)];
    const body = await spoolBody(source(parts), { maxBytes: 1_000_000, memoryBytes: 50_000, onChunk: () => undefined, tmpRoot: root });
    expect(readdirSync(root)).toHaveLength(1);
    expect((await buffer(body.stream())).equals(Buffer.concat(parts))).toBe(true);
    await body.dispose();
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses a body over maxBytes with 413 and keeps nothing', async () => {
    const err = await spoolBody(source([chunk(60_000, 1), chunk(60_000, 2)], false), {
      maxBytes: 100_000,
      memoryBytes: 10_000,
      onChunk: () => undefined,
      tmpRoot: root,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormRejection);
    expect((err as FormRejection).status).toBe(413);
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses a body whose client went away (400) and keeps nothing', async () => {
    const s = source([chunk(80_000, 1)], false);
    const p = spoolBody(s, { maxBytes: 1_000_000, memoryBytes: 10_000, onChunk: () => undefined, tmpRoot: root });
    setTimeout(() => s.destroy(), 20);
    const err = await p.catch((e: unknown) => e);
    expect((err as FormRejection).error).toBe('body_incomplete');
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(root) && readdirSync(root)).toEqual([]);
  });
});
