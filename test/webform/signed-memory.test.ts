/**
 * Forged signed posts cost disk for a moment, not memory (issue 9: 12 forged 24 MB posts once
 * raised RSS by ~300 MB, each body buffered whole before its signature was checked). Measured,
 * not timed: the process's peak RSS while 12 such posts stream in at once.
 */
import http from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebformChannelDefinition } from '../../channels/webform/index.js';
import { webformConfigSchema } from '../../channels/webform/webform-config.js';
import { createFakeContext } from '../support/fake-context.js';
import express from 'express';
import type { AddressInfo } from 'node:net';

const SECRET = 'test-secret-0123456789abcdef';
const POSTS = 12;
const BODY_BYTES = 24 * 1024 * 1024;
/**
 * 12 buffered bodies would cost ~290 MB. Streamed, the growth measured 18-42 MB: socket chunks
 * already hashed and written wait for V8, which collects Buffers after ~64 MB of them.
 */
const RSS_BOUND_BYTES = 80 * 1024 * 1024;

function forgedPost(url: string, chunk: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ts = Math.floor(Date.now() / 1000);
    const req = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=xYz',
        'content-length': String(BODY_BYTES),
        'x-ponte-timestamp': String(ts),
        'x-ponte-signature': `sha256=${'ab'.repeat(32)}`,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < BODY_BYTES) {
        const n = Math.min(chunk.length, BODY_BYTES - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('a signed form under forged large posts', () => {
  it(`keeps ${POSTS} concurrent forged ${BODY_BYTES / 1024 / 1024} MB posts within ${RSS_BOUND_BYTES / 1024 / 1024} MB of RSS, refuses them all and leaves no file`, async () => {
    const spool = mkdtempSync(join(tmpdir(), 'ponte-spool-'));
    const config = webformConfigSchema.parse({
      kind: 'webform',
      id: 'loja',
      mode: 'signed',
      secret: SECRET,
      origin: 'marketplace',
      replyVia: 'support',
      maxBodyBytes: 25 * 1024 * 1024,
    });
    const ctx = createFakeContext('loja', { now: Date.now() });
    const runtime = createWebformChannelDefinition({ tmpDir: spool }).create(config, ctx);
    const app = express();
    app.use(runtime.http!.path, runtime.http!.router);
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${runtime.http!.path}`;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    try {
      await forgedPost(url, chunk); // warm-up: code paths compiled, pools allocated
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const answers = await Promise.all(Array.from({ length: POSTS }, () => forgedPost(url, chunk)));
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      // eslint-disable-next-line no-console
      console.log(
        `RSS before ${(before / 1048576).toFixed(1)} MB, peak ${(peak / 1048576).toFixed(1)} MB, growth ${((peak - before) / 1048576).toFixed(1)} MB over ${POSTS} × 24 MB forged posts`,
      );
      expect(answers.map((a) => a.status)).toEqual(Array(POSTS).fill(401));
      expect(answers.every((a) => JSON.parse(a.body).error === 'bad_signature')).toBe(true);
      expect(peak - before).toBeLessThan(RSS_BOUND_BYTES);
      expect(ctx.ingested).toHaveLength(0);
      expect(readdirSync(spool)).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 120_000);
});
