/**
 * One web form's router on a real HTTP server (127.0.0.1, random port), fed by the fake
 * ChannelContext: what the router answers and what it would have ingested.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createWebformChannelDefinition } from '../../channels/webform/index.js';
import { signPayload } from '../../channels/webform/signature.js';
import { webformConfigSchema, type WebformConfig } from '../../channels/webform/webform-config.js';
import { createFakeContext, type FakeContext } from '../support/fake-context.js';

export const SECRET = 'test-secret-0123456789abcdef';

export interface FormServer {
  url: string;
  ctx: FakeContext;
  config: WebformConfig;
  stop(): Promise<void>;
}

export async function startFormServer(
  entry: Record<string, unknown>,
  options: { ctx?: FakeContext; realClock?: boolean; tmpDir?: string } = {},
): Promise<FormServer> {
  const config = webformConfigSchema.parse({ kind: 'webform', origin: 'site form', replyVia: 'support', ...entry });
  const ctx = options.ctx ?? withIdempotencyKeys(createFakeContext(config.id, options.realClock === false ? {} : { now: Date.now() }));
  const runtime = createWebformChannelDefinition(options.tmpDir ? { tmpDir: options.tmpDir } : {}).create(config, ctx);
  const app = express();
  app.use(runtime.http!.path, runtime.http!.router);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${runtime.http!.path}`,
    ctx,
    config,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The core de-duplicates on the envelope's idempotencyKey as on its external id; the fake only on the id. */
function withIdempotencyKeys(ctx: FakeContext): FakeContext {
  const ingest = ctx.ingest.bind(ctx);
  const keys = new Set<string>();
  ctx.ingest = async (envelope, options) => {
    const key = envelope.idempotencyKey;
    if (key !== undefined && keys.has(key)) return { status: 'duplicate' };
    const outcome = await ingest(envelope, options);
    if (key !== undefined) keys.add(key);
    return outcome;
  };
  return ctx;
}

export function signedHeaders(
  body: string | Buffer,
  nowMs: number,
  secret = SECRET,
  contentType = 'application/json',
): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return { 'content-type': contentType, 'x-ponte-timestamp': String(ts), 'x-ponte-signature': signPayload(secret, ts, body) };
}

/** A multipart body built by hand (so tests can truncate or corrupt it). */
export function multipartBody(
  parts: Array<{ name: string; value: string } | { name: string; filename: string; type: string; data: Buffer }>,
  boundary = '----ponteTestBoundary7MA4YWxk',
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('filename' in p) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type}\r\n\r\n`,
        ),
      );
      chunks.push(p.data, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function post(
  url: string,
  body: string | Buffer | undefined,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { _raw: text };
  }
  return { status: res.status, headers: res.headers, json };
}
