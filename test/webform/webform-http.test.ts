/**
 * The web-form router over real HTTP (127.0.0.1) with the fake context: each content type,
 * signatures, CORS, honeypot, rate limits, idempotency, limits. Through the whole app:
 * webform-app.test.ts.
 */
import { ValidationError } from '../../src/domain/errors.js';
import { multipartBody, post, SECRET, signedHeaders, startFormServer, type FormServer } from './form-server.js';

const SITE = 'https://loja.example.com.br';
const submission = {
  nome: 'Maria da Silva',
  email: 'Maria@Example.com',
  telefone: '(11) 98765-4321',
  motivo: 'entrega',
  pedido: 'PED-1234',
  cpf: '529.982.247-25',
  mensagem: 'Meu pedido não chegou.',
};
const fields = {
  nome: 'name',
  email: 'email',
  telefone: 'phone',
  motivo: 'category',
  pedido: 'reference',
  cpf: 'document',
  mensagem: 'message',
  loja: 'custom:store',
};

describe('signed form', () => {
  let form: FormServer;
  beforeEach(async () => {
    form = await startFormServer({
      id: 'marketplace',
      mode: 'signed',
      secret: SECRET,
      origin: 'marketplace',
      fields,
      attachments: { maxCount: 2, maxBytes: 64 * 1024, allowedTypes: ['image/png', 'application/pdf'] },
    });
  });
  afterEach(() => form.stop());

  it('turns a signed JSON submission into a ticket (201) with every field mapped', async () => {
    const body = JSON.stringify({ ...submission, loja: 'Centro' });
    const r = await post(form.url, body, signedHeaders(body, Date.now()));
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ ticketNumber: 10001, status: 'new', outcome: 'created', created: true });
    expect(form.ctx.ingested).toHaveLength(1);
    const env = form.ctx.ingested[0]!;
    expect(env.message).toMatchObject({
      from: { kind: 'email', address: 'maria@example.com', displayName: 'Maria da Silva' },
      // A form proves nothing: the phone is a claim, and no form ever runs agent commands.
      fromAliases: [],
      claims: [{ kind: 'phone', address: '+5511987654321' }],
      lookupAlso: [],
      proof: { level: 'none' },
      agentCommands: false,
      subject: 'entrega (PED-1234)',
      text: 'Meu pedido não chegou.',
      ticketFields: {
        category: 'entrega',
        reference: 'PED-1234',
        origin: 'marketplace',
        matchExistingRequest: true,
        customFields: { store: 'Centro', document: '52998224725', documentType: 'cpf' },
      },
    });
    expect(env.message.externalId).toMatch(/^webform:sig:/);
    expect(Math.abs(env.message.sentAt! - Date.now())).toBeLessThan(5_000);
    expect((await form.ctx.blobs.read(env.rawKey!)).toString()).toBe(body);
  });

  it('accepts urlencoded bodies', async () => {
    const body = new URLSearchParams(submission).toString();
    const r = await post(form.url, body, signedHeaders(body, Date.now(), SECRET, 'application/x-www-form-urlencoded'));
    expect(r.status).toBe(201);
    expect(form.ctx.ingested[0]!.message.text).toBe('Meu pedido não chegou.');
  });

  it('accepts multipart with attachments, streamed to the blob store', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(40_000, 7)]);
    const pdf = Buffer.from('%PDF-1.4 nota fiscal');
    const { body, contentType } = multipartBody([
      ...Object.entries(submission).map(([name, value]) => ({ name, value })),
      { name: 'foto', filename: 'C:\\fotos\\caixa amassada.png', type: 'image/png', data: png },
      { name: 'nota', filename: 'nota.pdf', type: 'application/pdf', data: pdf },
    ]);
    const r = await post(form.url, body, signedHeaders(body, Date.now(), SECRET, contentType));
    expect(r.status).toBe(201);
    const atts = form.ctx.ingested[0]!.message.attachments;
    expect(atts.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['C:\\fotos\\caixa amassada.png', 'image/png', png.length], // as sent: the core derives the display name
      ['nota.pdf', 'application/pdf', pdf.length],
    ]);
    expect((await form.ctx.blobs.read(atts[0]!.blobKey)).equals(png)).toBe(true);
  });

  it.each([
    [
      'a file over the size limit',
      [{ name: 'f', filename: 'big.png', type: 'image/png', data: Buffer.alloc(64 * 1024 + 1) }],
      413,
      'attachment_too_large',
    ],
    [
      'a refused type',
      [{ name: 'f', filename: 'x.exe', type: 'application/x-msdownload', data: Buffer.from('MZ') }],
      415,
      'attachment_type_refused',
    ],
    [
      'too many files',
      [1, 2, 3].map((i) => ({ name: `f${i}`, filename: `${i}.pdf`, type: 'application/pdf', data: Buffer.from('%PDF') })),
      413,
      'too_many_attachments',
    ],
  ])('refuses %s and ingests nothing', async (_name, files, status, error) => {
    const { body, contentType } = multipartBody([...Object.entries(submission).map(([name, value]) => ({ name, value })), ...files]);
    const r = await post(form.url, body, signedHeaders(body, Date.now(), SECRET, contentType));
    expect(r.status).toBe(status);
    expect(r.json.error).toBe(error);
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('refuses a truncated multipart body with 400', async () => {
    const { body, contentType } = multipartBody([
      ...Object.entries(submission).map(([name, value]) => ({ name, value })),
      { name: 'f', filename: 'a.pdf', type: 'application/pdf', data: Buffer.alloc(5000, 1) },
    ]);
    const cut = body.subarray(0, body.length - 3000);
    const r = await post(form.url, cut, signedHeaders(cut, Date.now(), SECRET, contentType));
    expect(r.status).toBe(400);
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it.each([
    ['a wrong secret', (b: string) => signedHeaders(b, Date.now(), 'another-secret-0123456789'), 'bad_signature'],
    [
      'no signature',
      (b: string) => ({ 'content-type': 'application/json', 'x-ponte-timestamp': String(Math.floor(Date.now() / 1000)) }),
      'missing_signature',
    ],
    ['a signature from 6 minutes ago (replayed late)', (b: string) => signedHeaders(b, Date.now() - 360_000), 'stale_timestamp'],
  ])('refuses %s with 401 and ingests nothing', async (_name, headers, error) => {
    const body = JSON.stringify(submission);
    const r = await post(form.url, body, headers(body));
    expect(r.status).toBe(401);
    expect(r.json.error).toBe(error);
    expect(JSON.stringify(r.json)).not.toContain(SECRET);
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('refuses an unsigned request before reading its body (401, not 413)', async () => {
    const r = await post(form.url, Buffer.alloc(3 * 1024 * 1024, 0x61), { 'content-type': 'application/json' });
    expect(r).toMatchObject({ status: 401, json: { error: 'missing_signature' } });
  });

  it('refuses a body changed after signing', async () => {
    const body = JSON.stringify(submission);
    const r = await post(form.url, body.replace('PED-1234', 'PED-9999'), signedHeaders(body, Date.now()));
    expect(r).toMatchObject({ status: 401, json: { error: 'bad_signature' } });
  });

  it('answers an exact replay inside the window as a duplicate, never a second ticket', async () => {
    const body = JSON.stringify(submission);
    const headers = signedHeaders(body, Date.now());
    const first = await post(form.url, body, headers);
    const replay = await post(form.url, body, headers);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ outcome: 'duplicate', created: false });
    expect(form.ctx.ingested).toHaveLength(1);
  });

  it('uses the Idempotency-Key header: a re-signed retry is a duplicate', async () => {
    const body = JSON.stringify(submission);
    const first = await post(form.url, body, { ...signedHeaders(body, Date.now() - 2000), 'idempotency-key': 'order-1234-contact' });
    const retry = await post(form.url, body, { ...signedHeaders(body, Date.now()), 'idempotency-key': 'order-1234-contact' });
    const other = await post(form.url, body, { ...signedHeaders(body, Date.now()), 'idempotency-key': 'order-1234-second' });
    expect([first.status, retry.status, other.status]).toEqual([201, 200, 201]);
    expect(retry.json.created).toBe(false);
    expect(form.ctx.ingested).toHaveLength(2);
    expect(form.ctx.ingested[0]!.idempotencyKey).toBe('order-1234-contact');
  });

  it('uses the submission id field like an Idempotency-Key', async () => {
    const b1 = JSON.stringify({ ...submission, submissionId: 'sub-77' });
    const b2 = JSON.stringify({ ...submission, submissionId: 'sub-77', mensagem: 'reenviado' });
    expect((await post(form.url, b1, signedHeaders(b1, Date.now() - 1000))).status).toBe(201);
    expect((await post(form.url, b2, signedHeaders(b2, Date.now()))).status).toBe(200);
    expect(form.ctx.ingested).toHaveLength(1);
  });

  it('refuses an unusable Idempotency-Key', async () => {
    const body = JSON.stringify(submission);
    const r = await post(form.url, body, { ...signedHeaders(body, Date.now()), 'idempotency-key': 'x'.repeat(256) });
    expect(r).toMatchObject({ status: 400, json: { error: 'invalid_idempotency_key' } });
  });

  it('answers 400 listing every bad field with a readable reason', async () => {
    const body = JSON.stringify({ email: 'maria@', telefone: '123', cpf: '111.111.111-11', pedido: { id: 1 } });
    const r = await post(form.url, body, signedHeaders(body, Date.now()));
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('validation_failed');
    expect(r.json.issues).toEqual(
      expect.arrayContaining([
        { path: 'email', message: expect.stringMatching(/valid email/) },
        { path: 'telefone', message: expect.any(String) },
        { path: 'cpf', message: expect.stringMatching(/CPF/) },
        { path: 'pedido', message: 'must be text' },
        { path: 'mensagem', message: 'is required' },
      ]),
    );
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it.each([
    ['text/plain', {}, 415],
    ['application/json', { 'content-encoding': 'gzip' }, 415],
    ['application/json; charset=iso-8859-1', {}, 415],
  ])('refuses content type %s %j', async (type, extra, status) => {
    const body = JSON.stringify(submission);
    const r = await post(form.url, body, { ...signedHeaders(body, Date.now(), SECRET, type), ...extra });
    expect(r.status).toBe(status);
  });

  it('refuses a body over the limit with 413 before reading it', async () => {
    const body = JSON.stringify({ ...submission, mensagem: 'x'.repeat(2 * 1024 * 1024) });
    const r = await post(form.url, body, signedHeaders(body, Date.now()));
    expect(r.status).toBe(413);
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('refuses invalid JSON, a JSON array and invalid UTF-8 with 400', async () => {
    for (const body of [Buffer.from('{"email":'), Buffer.from('[1,2]'), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])]) {
      const r = await post(form.url, body, signedHeaders(body, Date.now()));
      expect(r.status).toBe(400);
    }
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('has no CORS: OPTIONS is 405 and GET is 405', async () => {
    expect((await fetch(form.url, { method: 'OPTIONS', headers: { origin: SITE } })).status).toBe(405);
    expect((await fetch(form.url)).status).toBe(405);
  });

  it('answers 503, not 500, when the core cannot store; 400 when the core refuses a value', async () => {
    const body = JSON.stringify(submission);
    form.ctx.ingest = async () => {
      throw new Error('database is locked');
    };
    const r = await post(form.url, body, signedHeaders(body, Date.now()));
    expect(r).toMatchObject({ status: 503, json: { error: 'unavailable' } });
    expect(r.headers.get('retry-after')).toBe('5');
    form.ctx.ingest = async () => {
      throw new ValidationError('invalid envelope', [{ path: 'message.subject', message: 'too long' }]);
    };
    const v = await post(form.url, body, signedHeaders(body, Date.now()));
    expect(v).toMatchObject({
      status: 400,
      json: { error: 'validation_failed', issues: [{ path: 'message.subject', message: 'too long' }] },
    });
  });
});

describe('public form', () => {
  let form: FormServer;
  const base = {
    id: 'contato',
    mode: 'public',
    allowedOrigins: [SITE],
    fields,
    honeypotField: 'website',
    rateLimit: { perIpPerMinute: 100, perFormPerMinute: 1000 },
  };
  afterEach(() => form.stop());

  it('answers a preflight from the site and refuses one from elsewhere', async () => {
    form = await startFormServer(base);
    const ok = await fetch(form.url, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const bad = await fetch(form.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('accepts a JSON post from the site (201, CORS header), refuses other origins and no origin (403)', async () => {
    form = await startFormServer(base);
    const body = JSON.stringify(submission);
    const ok = await post(form.url, body, { 'content-type': 'application/json', origin: SITE });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    const evil = await post(form.url, body, { 'content-type': 'application/json', origin: 'https://evil.example' });
    expect(evil).toMatchObject({ status: 403, json: { error: 'origin_not_allowed' } });
    const none = await post(form.url, body, { 'content-type': 'application/json' });
    expect(none.status).toBe(403);
    expect(form.ctx.ingested).toHaveLength(1);
    expect(form.ctx.ingested[0]!.message.metadata).toMatchObject({ form: 'contato', mode: 'public', ip: '127.0.0.1' });
  });

  it('accepts a browser FormData post with a file', async () => {
    form = await startFormServer(base);
    const fd = new FormData();
    for (const [k, v] of Object.entries(submission)) fd.append(k, v);
    fd.append('foto', new Blob([Buffer.from('%PDF-1.7 comprovante')], { type: 'application/pdf' }), 'comprovante.pdf');
    fd.append('vazio', new Blob([], { type: 'application/octet-stream' }), '');
    const res = await fetch(form.url, { method: 'POST', body: fd, headers: { origin: SITE } });
    expect(res.status).toBe(201);
    expect(form.ctx.ingested[0]!.message.attachments.map((a) => a.filename)).toEqual(['comprovante.pdf']);
  });

  it('drops a submission whose honeypot is filled, answering like success', async () => {
    form = await startFormServer(base);
    const body = new URLSearchParams({ ...submission, website: 'http://spam.example' }).toString();
    const r = await post(form.url, body, { 'content-type': 'application/x-www-form-urlencoded', origin: SITE });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ created: true });
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('limits each IP, answering 429 with Retry-After', async () => {
    form = await startFormServer({ ...base, rateLimit: { perIpPerMinute: 3, perFormPerMinute: 1000 } });
    const body = JSON.stringify(submission);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await post(form.url, body, { 'content-type': 'application/json', origin: SITE });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(20);
    expect(form.ctx.ingested).toHaveLength(3);
  });

  it('limits the whole form across IPs (X-Forwarded-For is not trusted here)', async () => {
    form = await startFormServer({ ...base, rateLimit: { perIpPerMinute: 100, perFormPerMinute: 2 } });
    const body = JSON.stringify(submission);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await post(form.url, body, { 'content-type': 'application/json', origin: SITE, 'x-forwarded-for': `10.0.0.${i}` })).status,
      );
    }
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('refuses a streamed multipart body over maxBodyBytes with 413 (no Content-Length)', async () => {
    form = await startFormServer({
      ...base,
      maxBodyBytes: 100_000,
      attachments: { maxCount: 2, maxBytes: 1_000_000, allowedTypes: ['application/pdf'] },
    });
    const { body, contentType } = multipartBody([
      ...Object.entries(submission).map(([name, value]) => ({ name, value })),
      { name: 'f', filename: 'a.pdf', type: 'application/pdf', data: Buffer.alloc(300_000, 1) },
    ]);
    const chunks = async function* () {
      for (let i = 0; i < body.length; i += 16_384) yield body.subarray(i, i + 16_384);
    };
    const res = await fetch(form.url, {
      method: 'POST',
      body: ReadableStream.from(chunks()),
      headers: { 'content-type': contentType, origin: SITE },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(form.ctx.ingested).toHaveLength(0);
  });
});
