/**
 * Attachments as an attacker sends them, and what agents then see and download: a name with
 * path parts and a right-to-left override, a content type carrying a header injection, an HTML
 * page declared as an image, a file whose blob is gone; and upload tokens, which work once and
 * only for the agent who uploaded the file.
 */
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const EVIL_NAME = '../../etc/passwd\u202Egnp.exe';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const HTML = Buffer.from('<!doctype html><script>fetch("/api/agents")</script>');

describeEachDatabase('attachment safety on %s', (kind) => {
  let t: TestApp;
  let seq = 0;
  let ana: { id: string; token: string };
  let bia: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp({ definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }], database: kind });
    ana = await t.createAgent({ name: 'Ana', email: 'ana@loja.example' });
    bia = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
  });
  afterAll(() => t?.stop());

  /** A customer mail with one attachment; answers the ticket number and the attachment's id. */
  async function mailWith(bytes: Buffer | string, filename: string, contentType: string) {
    const blob = await t.context('mail').blobs.put(bytes);
    const o = await t.context('mail').ingest({
      message: {
        externalId: `<a-${seq++}@example.com>`,
        from: { kind: 'email', address: `cliente${seq}@example.com` },
        subject: 'Segue o arquivo',
        text: 'anexo',
        attachments: [{ blobKey: blob.key, filename, contentType, size: blob.size }],
      },
    });
    if (o.status !== 'created') throw new Error(`expected a ticket, got ${o.status}`);
    const a = (await t.getTicket(o.ticketNumber)).messages[0]!.attachments[0]!;
    return { number: o.ticketNumber, attachment: a };
  }
  const download = (id: string) => fetch(`${t.baseUrl}/api/attachments/${id}`, { headers: { authorization: `Bearer ${ana.token}` } });
  const upload = (bytes: Buffer | string, filename: string, contentType: string, token = ana.token) =>
    fetch(`${t.baseUrl}/api/uploads?filename=${encodeURIComponent(filename)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: bytes,
    });

  test('a name with path parts and a right-to-left override is shown and downloaded under a safe name; the original is kept beside it', async () => {
    const { attachment } = await mailWith('MZ not really an exe', EVIL_NAME, 'application/x-msdownload');
    expect(attachment.filename).toBe('passwdgnp.exe');
    const row = await t.app.database.kysely
      .selectFrom('attachments')
      .select(['filename', 'original_filename'])
      .where('id', '=', attachment.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ filename: 'passwdgnp.exe', original_filename: EVIL_NAME });

    const r = await download(attachment.id);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="passwdgnp.exe"; filename*=UTF-8''passwdgnp.exe`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toBe('MZ not really an exe');
  });

  test('a content type with CR/LF is stored as application/octet-stream with the original recorded; the download is a 200, never a 500, with no injected header', async () => {
    const { attachment } = await mailWith('oi', 'nota.txt', 'text/plain\r\nX-Evil: 1');
    expect(attachment.contentType).toBe('application/octet-stream');
    const row = await t.app.database.kysely
      .selectFrom('attachments')
      .select('declared_content_type')
      .where('id', '=', attachment.id)
      .executeTakeFirstOrThrow();
    expect(row.declared_content_type).toBe('text/plain\r\nX-Evil: 1');
    const r = await download(attachment.id);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('x-evil')).toBeNull();

    // A row stored before validation existed (written straight to the table) downloads just as safely.
    await sql`UPDATE attachments SET content_type = ${'text/html\r\nSet-Cookie: a=b'} WHERE id = ${attachment.id}`.execute(
      t.app.database.kysely,
    );
    const legacy = await download(attachment.id);
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get('content-type')).toBe('application/octet-stream');
    expect(legacy.headers.get('set-cookie')).toBeNull();
  });

  test('an HTML page declared as an image downloads as application/octet-stream; a real PNG as image/png', async () => {
    const fake = await mailWith(HTML, 'foto.png', 'image/png');
    const r = await download(fake.attachment.id);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('content-security-policy')).toContain('sandbox');
    const real = await mailWith(PNG, 'foto.png', 'image/png');
    expect((await download(real.attachment.id)).headers.get('content-type')).toBe('image/png');
  });

  test('a file whose stored blob is gone answers 404 with a code, never a 5xx', async () => {
    const { attachment } = await mailWith('vai sumir', 'x.txt', 'text/plain');
    await sql`UPDATE attachments SET blob_key = ${'f'.repeat(64)} WHERE id = ${attachment.id}`.execute(t.app.database.kysely);
    const gone = await download(attachment.id);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: 'not_found' });
    await sql`UPDATE attachments SET blob_key = ${'../../etc/passwd'} WHERE id = ${attachment.id}`.execute(t.app.database.kysely);
    expect((await download(attachment.id)).status).toBe(404);
  });

  test('an agent upload: the name is made safe, an HTML "image" is stored as application/octet-stream, the declared type kept', async () => {
    const r = await upload(HTML, 'C:\\fotos\\..\\perfil\u202Egnp.html', 'image/png');
    expect(r.status).toBe(201);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      filename: 'perfilgnp.html',
      contentType: 'application/octet-stream',
      declaredContentType: 'image/png',
      singleUse: true,
    });
    const { number } = await mailWith('x', 'x.txt', 'text/plain');
    const reply = await t.api('POST', `/api/tickets/${number}/replies`, { body: 'segue', attachments: [body.upload] }, ana.token);
    expect(reply.status).toBe(202);
    const sent = (await t.getTicket(number)).messages.find((m) => m.direction === 'out')!;
    expect(sent.attachments[0]).toMatchObject({ filename: 'perfilgnp.html', contentType: 'application/octet-stream' });
  });

  test('an upload token works once and only for its uploader: reuse and another agent get a clear 4xx and attach nothing', async () => {
    const up = (await (await upload('%PDF-1.4 boleto', 'boleto.pdf', 'application/pdf')).json()) as { upload: string };
    const { number } = await mailWith('x', 'x.txt', 'text/plain');
    const attachmentsOnTicket = async () => (await t.getTicket(number)).messages.reduce((n, m) => n + m.attachments.length, 0);
    const before = await attachmentsOnTicket();

    const foreign = await t.api('POST', `/api/tickets/${number}/replies`, { body: 'roubado', attachments: [up.upload] }, bia.token);
    expect(foreign).toMatchObject({ status: 403, body: { error: 'upload_not_yours' } });
    expect(await attachmentsOnTicket()).toBe(before);

    const first = await t.api('POST', `/api/tickets/${number}/replies`, { body: 'segue o boleto', attachments: [up.upload] }, ana.token);
    expect(first.status).toBe(202);
    expect(await attachmentsOnTicket()).toBe(before + 1);
    const messages = (await t.getTicket(number)).messages.length;

    const again = await t.api('POST', `/api/tickets/${number}/replies`, { body: 'de novo', attachments: [up.upload] }, ana.token);
    expect(again).toMatchObject({ status: 409, body: { error: 'upload_already_used' } });
    const note = await t.api(
      'POST',
      `/api/tickets/${number}/replies`,
      { body: 'nota', visibility: 'internal', attachments: [up.upload] },
      ana.token,
    );
    expect(note).toMatchObject({ status: 409, body: { error: 'upload_already_used' } });
    expect((await t.getTicket(number)).messages.length).toBe(messages);
    expect(await attachmentsOnTicket()).toBe(before + 1);
    // The use is recorded in the database (so it holds for every gateway process).
    const used = await t.app.database.kysely.selectFrom('used_upload_tokens').selectAll().where('agent_id', '=', ana.id).execute();
    expect(used.length).toBeGreaterThanOrEqual(1);
  });

  test('a reply that fails leaves the upload token usable', async () => {
    const up = (await (await upload('conteúdo', 'a.txt', 'text/plain')).json()) as { upload: string };
    const closed = await mailWith('x', 'x.txt', 'text/plain');
    expect((await t.api('PATCH', `/api/tickets/${closed.number}`, { status: 'closed' })).status).toBe(200);
    expect(await t.api('POST', `/api/tickets/${closed.number}/replies`, { body: 'oi', attachments: [up.upload] }, ana.token)).toMatchObject(
      { status: 409, body: { reason: 'ticket_closed' } },
    );
    const open = await mailWith('x', 'x.txt', 'text/plain');
    expect((await t.api('POST', `/api/tickets/${open.number}/replies`, { body: 'oi', attachments: [up.upload] }, ana.token)).status).toBe(
      202,
    );
  });
});
