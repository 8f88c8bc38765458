/**
 * Fuzz: thousands of malformed submissions (random bytes, wrong content types, truncated or
 * corrupted multipart, huge fields, bad or stale signatures, odd headers) against a signed and
 * a public form. Every answer must be a 4xx (never 2xx, never 5xx, never a hang), nothing
 * may be ingested, and nothing may be left in the blob store or the spool/staging folder.
 * Seeded, bounded in count (3,000: about 20 s on an idle machine) and time (120 s, so the floor
 * of 1,000 cases per form holds when the whole suite shares two cores).
 */
import http from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { createFakeContext } from '../support/fake-context.js';
import { signPayload } from '../../channels/webform/signature.js';
import { multipartBody, SECRET, startFormServer, type FormServer } from './form-server.js';

const CASES = 3000;
const DEADLINE_MS = 120_000;
const CONCURRENCY = 8;
const SITE = 'https://loja.example.com.br';

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(0x5eed_f0e5);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const POOL = Buffer.from(Array.from({ length: 1 << 16 }, () => int(256)));
/** Random bytes: a random window of a seeded pool (cheap enough for thousands of cases). */
const bytes = (n: number) => {
  const start = int(POOL.length - n);
  return Buffer.from(POOL.subarray(start, start + n));
};
const headerText = (n: number) => Array.from({ length: n }, () => String.fromCharCode(pick([0x20 + int(95), 0x80 + int(128)]))).join('');

// No template carries a contact (email/phone): even a mutation that parses can never become a valid submission.
const NO_CONTACT = { nome: 'Maria', mensagem: 'Meu pedido não chegou', motivo: 'entrega', pedido: 'PED-1' };
const BAD_CONTACT = { ...NO_CONTACT, email: 'maria(at)example', telefone: '12' };

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=wrongBoundary',
  'multipart/mixed; boundary=----ponteTestBoundary7MA4YWxk',
  'text/plain',
  'application/xml',
  '',
  '*/*',
];

interface Case {
  kind: string;
  body: Buffer;
  headers: Record<string, string>;
}

function jsonish(): Buffer {
  const shapes: Array<() => unknown> = [
    () => ({ ...NO_CONTACT, email: pick([42, true, null, [], {}, ['a@b.co', 'c@d.co'], 'a'.repeat(400) + '@x.io']) }),
    () => BAD_CONTACT,
    () => ({ ...NO_CONTACT, mensagem: 'x'.repeat(20_001 + int(5000)) }),
    () => [NO_CONTACT],
    () => pick([null, 1, 'text', true]),
    () => JSON.parse('{"__proto__":{"email":"a@b.co"},"constructor":{"prototype":{"x":1}},"mensagem":"oi"}'),
    () => ({ ...NO_CONTACT, cpf: pick(['111.111.111-11', '529.982.247-24', 'abc', '']), email: pick(['', ' ', '\u0000']) }),
  ];
  let text = JSON.stringify(pick(shapes)());
  if (rand() < 0.1) text = '['.repeat(5000 + int(50_000)) + ']'.repeat(int(3));
  else if (rand() < 0.05) {
    const depth = 9 + int(50_000);
    text = `{"nome":"Maria","mensagem":"oi","email":"maria@example.com","${pick(['website', 'mensagem', 'x'])}":${'['.repeat(depth)}${']'.repeat(depth)}}`; // a contact, but nested too deep
  }
  const buf = Buffer.from(text);
  if (rand() < 0.4 && buf.length > 0) {
    for (let i = 0; i < 1 + int(4); i++) buf[int(buf.length)] = int(256);
  }
  return rand() < 0.2 ? buf.subarray(0, int(buf.length)) : buf;
}

function urlencodedish(): Buffer {
  const bad = rand() < 0.5;
  const p = new URLSearchParams(bad ? BAD_CONTACT : NO_CONTACT);
  if (bad && rand() < 0.3) p.append('email', 'a@b.co'); // beside the bad one: "sent more than once"
  let s = p.toString();
  if (rand() < 0.5) s += pick(['&%', '&%zz', '&=', '&&&', '%E0%A4%A', '&email=%FF%FE']);
  return Buffer.from(s);
}

function multipartish(): { body: Buffer; contentType: string } {
  const files = Array.from({ length: int(4) }, (_, i) => ({
    name: `f${i}`,
    filename: pick(['a.pdf', '../../etc/passwd', 'x'.repeat(300), '', 'nota\u0007.pdf']),
    type: pick([
      'application/pdf',
      'image/png',
      'application/x-msdownload',
      'text/html',
      'image/png<x>',
      'application/pdf\r\n\tX-Folded: 1',
      'image',
    ]),
    data: bytes(int(3000)),
  }));
  const fieldsBase = rand() < 0.5 ? NO_CONTACT : BAD_CONTACT;
  const { body, contentType } = multipartBody([...Object.entries(fieldsBase).map(([name, value]) => ({ name, value })), ...files]);
  const mode = int(5);
  if (mode === 0) return { body: body.subarray(0, int(body.length)), contentType }; // truncated
  if (mode === 1) {
    const b = Buffer.from(body);
    for (let i = 0; i < 1 + int(10); i++) b[int(b.length)] = int(256);
    return { body: b, contentType };
  }
  if (mode === 2) return { body: Buffer.concat([body.subarray(0, 60), bytes(int(500))]), contentType };
  if (mode === 3) return { body, contentType: pick(CONTENT_TYPES) };
  return { body, contentType };
}

function makeCase(signed: boolean, now: number): Case {
  const kind = pick(['random', 'json', 'urlencoded', 'multipart', 'multipart', 'json']);
  let body: Buffer;
  let contentType: string;
  if (kind === 'random') {
    body = bytes(int(4000));
    contentType = pick(CONTENT_TYPES);
  } else if (kind === 'json') {
    body = jsonish();
    contentType = rand() < 0.85 ? 'application/json' : pick(CONTENT_TYPES);
  } else if (kind === 'urlencoded') {
    body = urlencodedish();
    contentType = rand() < 0.85 ? 'application/x-www-form-urlencoded' : pick(CONTENT_TYPES);
  } else {
    ({ body, contentType } = multipartish());
  }
  if (rand() < 0.02) body = Buffer.concat([body, Buffer.alloc(1_100_000 + int(200_000), 0x41)]); // huge

  const headers: Record<string, string> = {};
  if (contentType) headers['content-type'] = contentType;
  if (rand() < 0.1) headers['idempotency-key'] = pick([headerText(1 + int(300)), '', 'ok-key']);
  if (rand() < 0.05) headers['content-encoding'] = pick(['gzip', 'br', 'identity, gzip']);
  if (signed) {
    const ts = Math.floor(now / 1000);
    const variant = int(8);
    if (variant < 4) {
      // Correct signature: the parsers are exercised.
      headers['x-ponte-timestamp'] = String(ts);
      headers['x-ponte-signature'] = signPayload(SECRET, ts, body);
    } else if (variant === 4) {
      headers['x-ponte-timestamp'] = String(ts - 301 - int(100_000));
      headers['x-ponte-signature'] = signPayload(SECRET, headers['x-ponte-timestamp'], body);
    } else if (variant === 5) {
      headers['x-ponte-timestamp'] = pick([String(ts), headerText(int(20)), String(now), '-1', '1e9']);
      headers['x-ponte-signature'] = pick([
        headerText(int(100)),
        `sha256=${bytes(32).toString('hex')}`,
        'sha256=',
        `sha1=${bytes(20).toString('hex')}`,
      ]);
    } else if (variant === 6) {
      headers['x-ponte-timestamp'] = String(ts);
      headers['x-ponte-signature'] = signPayload('wrong-secret-0123456789', ts, body);
    }
  } else {
    headers.origin = rand() < 0.9 ? SITE : pick(['https://evil.example', 'null', headerText(int(40))]);
    if (rand() < 0.2)
      headers.accept = pick(['text/html,application/xhtml+xml,*/*;q=0.8', 'text/html;q=0.1, application/json', headerText(int(30))]);
    if (rand() < 0.05) headers['x-forwarded-for'] = headerText(int(30));
  }
  return { kind, body, headers };
}

function send(url: string, agent: http.Agent, c: Case): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { ...c.headers, 'content-length': String(c.body.length) }, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 'response error'));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.end(c.body);
  });
}

async function fuzz(
  form: FormServer,
  signed: boolean,
): Promise<{
  total: number;
  byStatus: Map<number | string, number>;
  offenders: Array<{ status: number | string; kind: string; headers: Record<string, string> }>;
}> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const byStatus = new Map<number | string, number>();
  const offenders: Array<{ status: number | string; kind: string; headers: Record<string, string> }> = [];
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < CASES / 2 && Date.now() - started < DEADLINE_MS / 2) {
      next++;
      const c = makeCase(signed, Date.now());
      const status = await send(form.url, agent, c);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const huge = c.body.length > 1_000_000;
      // A huge body may be cut off by the server after its 413 (the client sees a reset): accepted.
      const fine = typeof status === 'number' ? status >= 400 && status < 500 : huge && (status === 'ECONNRESET' || status === 'EPIPE');
      if (!fine && offenders.length < 10) offenders.push({ status, kind: c.kind, headers: c.headers });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return { total: next, byStatus, offenders };
}

describe('web form fuzz', () => {
  let signedForm: FormServer;
  let publicForm: FormServer;
  const blobRoots = new Map<string, string>();
  const spool = mkdtempSync(join(tmpdir(), 'ponte-fuzz-spool-'));
  const contextWithBlobs = (id: string) => {
    const root = mkdtempSync(join(tmpdir(), 'ponte-fuzz-blobs-'));
    blobRoots.set(id, root);
    return Object.assign(createFakeContext(id, { now: Date.now() }), { blobs: createBlobStore(root) });
  };
  /** Files under a folder, recursively (the blob store's empty tmp folder does not count). */
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
  beforeAll(async () => {
    const fields = {
      nome: 'name',
      email: 'email',
      telefone: 'phone',
      motivo: 'category',
      pedido: 'reference',
      cpf: 'document',
      mensagem: 'message',
    };
    const attachments = { maxCount: 2, maxBytes: 2000, allowedTypes: ['application/pdf', 'image/png'] };
    signedForm = await startFormServer(
      { id: 'fuzz-signed', mode: 'signed', secret: SECRET, fields, attachments },
      { ctx: contextWithBlobs('fuzz-signed'), tmpDir: spool },
    );
    publicForm = await startFormServer(
      {
        id: 'fuzz-public',
        mode: 'public',
        allowedOrigins: [SITE],
        fields,
        attachments,
        rateLimit: { perIpPerMinute: 100_000, perFormPerMinute: 1_000_000 },
      },
      { ctx: contextWithBlobs('fuzz-public'), tmpDir: spool },
    );
  });
  afterAll(async () => {
    await signedForm.stop();
    await publicForm.stop();
  });

  it.each([
    ['signed', true],
    ['public', false],
  ])(
    '%s form: only 4xx, nothing ingested',
    async (_name, signed) => {
      const form = signed ? signedForm : publicForm;
      const { total, byStatus, offenders } = await fuzz(form, signed);
      // eslint-disable-next-line no-console
      console.log(`${_name}: ${total} cases`, Object.fromEntries(byStatus));
      expect(offenders).toEqual([]);
      expect(total).toBeGreaterThanOrEqual(1000);
      expect(form.ctx.ingested).toHaveLength(0);
      // Nothing half-written: no blob of a refused upload, no spooled body or staged file left.
      expect(filesUnder(blobRoots.get(form.config.id)!)).toEqual([]);
      expect(filesUnder(spool)).toEqual([]);
      // Still healthy afterwards: a valid submission goes through.
      const body = JSON.stringify({ ...NO_CONTACT, email: 'maria@example.com' });
      const ts = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = signed
        ? { 'content-type': 'application/json', 'x-ponte-timestamp': String(ts), 'x-ponte-signature': signPayload(SECRET, ts, body) }
        : { 'content-type': 'application/json', origin: SITE };
      const ok = await fetch(form.url, { method: 'POST', headers, body });
      expect(ok.status).toBe(201);
      expect(form.ctx.ingested).toHaveLength(1);
    },
    150_000,
  );
});
