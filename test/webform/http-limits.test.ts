/**
 * The HTTP edge tried as an attacker would (issue 9, "Bodies and limits"), through the whole
 * app: slow bodies and slow headers are cut within seconds, connections are capped, deeply
 * nested input is a 400 naming the field, and a refused upload leaves nothing in the blob store.
 */
import { readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { webformChannel } from '../../channels/webform/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { multipartBody, post, SECRET, signedHeaders } from './form-server.js';

const SITE = 'https://loja.example.com.br';
const fields = { nome: 'name', email: 'email', telefone: 'phone', mensagem: 'message' };
const attachments = { maxCount: 2, maxBytes: 100_000, allowedTypes: ['application/pdf', 'image/png'] };
const good = { nome: 'Maria', email: 'maria@example.com', mensagem: 'Segue o comprovante.' };

async function startApp(server: Record<string, unknown> = {}): Promise<TestApp> {
  const test = createTestChannelDefinition();
  return startTestApp({
    definitions: [webformChannel, test.definition],
    config: { server: { host: '127.0.0.1', port: 0, ...server } },
    channels: [
      { id: 'support', kind: 'test' },
      {
        id: 'contato',
        kind: 'webform',
        mode: 'public',
        origin: 'site form',
        replyVia: 'support',
        allowedOrigins: [SITE],
        fields,
        attachments,
        rateLimit: { perIpPerMinute: 1000, perFormPerMinute: 1000 },
      },
      { id: 'loja', kind: 'webform', mode: 'signed', secret: SECRET, origin: 'marketplace', replyVia: 'support', fields, attachments },
    ],
  });
}

/** Every file under the blob store (its tmp folder included). */
function blobFiles(t: TestApp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(join(t.dataDir, 'blobs'));
  return out;
}

/** A raw connection: what the server answers and when it closes, for clients no library would write. */
function rawClient(port: number): { socket: net.Socket; closed: Promise<{ afterMs: number; answer: string }> } {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (answer += d));
  socket.on('error', () => undefined);
  const closed = new Promise<{ afterMs: number; answer: string }>((resolve) =>
    socket.on('close', () => resolve({ afterMs: Date.now() - started, answer })),
  );
  return { socket, closed };
}

const portOf = (t: TestApp) => Number(new URL(t.baseUrl).port);

describe('refused uploads leave nothing stored', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startApp();
  });
  afterEach(() => t.stop());
  const parts = Object.entries(good).map(([name, value]) => ({ name, value }));
  const pdf = {
    name: 'comprovante',
    filename: 'comprovante.pdf',
    type: 'application/pdf',
    data: Buffer.from('%PDF-1.4 comprovante de pagamento'),
  };

  it.each([
    [
      'an oversized file after a good one',
      [pdf, { name: 'foto', filename: 'foto.png', type: 'image/png', data: Buffer.alloc(100_001, 7) }],
      413,
    ],
    [
      'a refused type after a good one',
      [pdf, { name: 'x', filename: 'x.exe', type: 'application/x-msdownload', data: Buffer.from('MZ') }],
      415,
    ],
    ['an invalid declared type', [{ ...pdf, type: 'application/pdf\r\n X-Evil: 1' }], 400],
  ])('public form: %s is refused, no blob on disk', async (_name, files, status) => {
    const { body, contentType } = multipartBody([...parts, ...files]);
    const r = await post(`${t.baseUrl}/hooks/forms/contato`, body, { 'content-type': contentType, origin: SITE });
    expect(r.status).toBe(status);
    expect(blobFiles(t)).toEqual([]);
  });

  it('signed form: an oversized file -> 413, no blob on disk; the same form with a good file stores it', async () => {
    const big = multipartBody([...parts, pdf, { name: 'foto', filename: 'foto.png', type: 'image/png', data: Buffer.alloc(100_001, 7) }]);
    const refused = await post(`${t.baseUrl}/hooks/forms/loja`, big.body, signedHeaders(big.body, Date.now(), SECRET, big.contentType));
    expect(refused).toMatchObject({ status: 413, json: { error: 'attachment_too_large' } });
    expect(blobFiles(t)).toEqual([]);
    const ok = multipartBody([...parts, pdf]);
    const accepted = await post(`${t.baseUrl}/hooks/forms/loja`, ok.body, signedHeaders(ok.body, Date.now(), SECRET, ok.contentType));
    expect(accepted.status).toBe(201);
    expect(blobFiles(t).length).toBeGreaterThan(0);
  });

  it('a client that goes away in the middle of a file leaves nothing', async () => {
    const { body, contentType } = multipartBody([
      ...parts,
      { name: 'foto', filename: 'foto.png', type: 'image/png', data: Buffer.alloc(90_000, 7) },
    ]);
    const c = rawClient(portOf(t));
    c.socket.write(
      `POST /hooks/forms/contato HTTP/1.1\r\nHost: x\r\nOrigin: ${SITE}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    c.socket.write(body.subarray(0, 60_000));
    await new Promise((r) => setTimeout(r, 300));
    c.socket.destroy();
    await c.closed;
    await new Promise((r) => setTimeout(r, 300));
    expect(blobFiles(t)).toEqual([]);
  });
});

describe('nested input', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startApp();
  });
  afterEach(() => t.stop());
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('a 50,000-deep JSON honeypot value is a 400 naming the field, never 5xx', async () => {
    const body = `{"nome":"Maria","email":"maria@example.com","mensagem":"oi","website":${deep(50_000)}}`;
    const r = await post(`${t.baseUrl}/hooks/forms/contato`, body, { 'content-type': 'application/json', origin: SITE });
    expect(r).toMatchObject({
      status: 400,
      json: { error: 'validation_failed', issues: [{ path: 'website', message: expect.stringMatching(/nested deeper/) }] },
    });
  });

  it('a 50,000-deep urlencoded name is only a name (4xx for the missing fields, never 5xx)', async () => {
    const body = `nome=Maria&${'a'.concat('[b]'.repeat(50_000))}=1`;
    const r = await post(`${t.baseUrl}/hooks/forms/contato`, body, { 'content-type': 'application/x-www-form-urlencoded', origin: SITE });
    expect(r).toMatchObject({ status: 400, json: { error: 'validation_failed' } });
  });

  it('a 50,000-deep JSON body to the API is a 400, never 5xx', async () => {
    const r = await t.api('PATCH', '/api/tickets/10001', `{"fields":{"loja":${deep(50_000)}}}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      error: 'validation_failed',
      issues: [expect.objectContaining({ path: expect.stringContaining('fields') })],
    });
  });
});

describe('slow clients', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('cuts a body trickled at 10 bytes every 5 s within seconds with the default limits (408)', async () => {
    t = await startApp();
    const c = rawClient(portOf(t));
    c.socket.write(
      `POST /hooks/forms/contato HTTP/1.1\r\nHost: x\r\nOrigin: ${SITE}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
    );
    const drip = setInterval(() => c.socket.writable && c.socket.write('{"nome":"x"'), 5000);
    c.socket.write('{"nome":"x"');
    const { afterMs, answer } = await c.closed;
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(25_000);
  }, 40_000);

  it('keeps a slow but steady upload (configured window), and cuts slow headers', async () => {
    t = await startApp({ limits: { slowBodyWindowMs: 1000, slowBodyMinBytes: 2048, headersTimeoutMs: 2000, requestTimeoutMs: 30_000 } });
    const { body, contentType } = multipartBody([
      ...Object.entries(good).map(([name, value]) => ({ name, value })),
      { name: 'f', filename: 'a.pdf', type: 'application/pdf', data: Buffer.alloc(40_000, 0x25) },
    ]);
    const steady = rawClient(portOf(t));
    steady.socket.write(
      `POST /hooks/forms/contato HTTP/1.1\r\nHost: x\r\nOrigin: ${SITE}\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    for (let i = 0; i < body.length; i += 4096) {
      steady.socket.write(body.subarray(i, i + 4096));
      await new Promise((r) => setTimeout(r, 250)); // 16 KB/s for ~2.5 s: slower than any window, above the floor
    }
    expect((await steady.closed).answer).toMatch(/^HTTP\/1\.1 201/);

    const slowHeaders = rawClient(portOf(t));
    slowHeaders.socket.write('POST /hooks/forms/contato HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => slowHeaders.socket.writable && slowHeaders.socket.write('X-A: b\r\n'), 500);
    const { afterMs } = await slowHeaders.closed;
    clearInterval(drip);
    expect(afterMs).toBeLessThan(5000);
  }, 30_000);

  it('closes connections over maxConnections on arrival, and serves again once one is freed', async () => {
    t = await startApp({ limits: { maxConnections: 2 } });
    const held = [rawClient(portOf(t)), rawClient(portOf(t))];
    await Promise.all(held.map((c) => new Promise((r) => c.socket.once('connect', r))));
    await new Promise((r) => setTimeout(r, 100));
    const extra = rawClient(portOf(t));
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const refused = await extra.closed;
    expect(refused.answer).toBe('');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBeLessThan(600);
    held[1]!.socket.destroy();
  }, 20_000);
});
