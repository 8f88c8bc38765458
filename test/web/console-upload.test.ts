/**
 * Files from the reply box without the page script (a plain multipart form): a reply with a
 * file reaches the channel with the file, a note keeps its file inside, and refused files
 * (too large, wrong type, too many, no CSRF field) are answered in the agent's language with
 * nothing sent or stored.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword } from './browser-harness.js';
import { consoleClient, type ConsoleClient } from './console-http.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

function filesUnder(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true }).filter((f) => statSync(join(dir, String(f))).isFile()).length;
  } catch {
    return 0;
  }
}

describe('console reply box: file upload without JavaScript', () => {
  const mail = createTestChannelDefinition('test', 'email');
  let t: TestApp;
  let c: ConsoleClient;
  let blobsDir: string;
  beforeEach(async () => {
    blobsDir = join(mkdtempSync(join(tmpdir(), 'ponte-console-blobs-')), 'blobs');
    t = await startTestApp({
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      config: {
        storage: { blobsDir },
        console: { attachments: { maxCount: 2, maxBytes: 50_000, allowedTypes: ['image/*', 'application/pdf', 'text/plain'] } },
      },
    });
    await givePassword(t.app.database.kysely, t.adminId, 'admin-password-1');
    c = consoleClient(t.baseUrl);
    await c.get('/login');
    expect((await c.post('/login', { email: 'admin@loja.example', password: 'admin-password-1' })).status).toBe(303);
    await t.context('mail').ingest({
      message: {
        externalId: 'm1',
        from: { kind: 'email', address: 'maria@example.com', displayName: 'Maria' },
        subject: 'Nota fiscal',
        text: 'Preciso da nota',
      },
    });
  });
  afterEach(() => t.stop());

  test('a public reply carries the file to the channel; the thread shows it, downloadable and previewed', async () => {
    const page = await c.get('/tickets/10001');
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toMatch(/<input type="file" id="reply-files" name="files" multiple/);
    expect(page.text).toContain('Até 2 arquivos, 49 KB cada.');
    const r = await c.postMultipart('/tickets/10001/reply', { body: 'Segue a nota.', visibility: 'public' }, [
      { field: 'files', name: 'nota-10001.pdf', type: 'application/pdf', data: '%PDF-1.4 nota fiscal' },
      { field: 'files', name: 'foto.png', type: 'image/png', data: PNG },
    ]);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/tickets/10001?m=sent&c=mail');
    await t.drainOutbox();
    const [sent] = mail.outbox('mail').sent;
    expect(sent!.text).toBe('Segue a nota.');
    expect(sent!.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['nota-10001.pdf', 'application/pdf', 20],
      ['foto.png', 'image/png', PNG.length],
    ]);
    const after = await c.get('/tickets/10001');
    const out = after.text.slice(after.text.indexOf('class="msg out"'));
    expect(out).toContain('nota-10001.pdf');
    expect(out).toMatch(/<img src="\/attachments\/[0-9A-Z]+\?inline=1" alt="foto.png"/);
    const id = /href="\/attachments\/([0-9A-Z]+)">nota-10001.pdf/.exec(out)![1]!;
    const file = await c.get(`/attachments/${id}`);
    expect(file.text).toBe('%PDF-1.4 nota fiscal');
  });

  test('an internal note keeps its file inside: shown to agents, nothing queued for the customer', async () => {
    await c.get('/tickets/10001');
    const r = await c.postMultipart('/tickets/10001/reply', { body: '', visibility: 'internal' }, [
      { field: 'files', name: 'print-estoque.txt', type: 'text/plain', data: 'estoque: 0' },
    ]);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/tickets/10001?m=note');
    await t.drainOutbox();
    expect(mail.outbox('mail').sent).toHaveLength(0);
    const page = await c.get('/tickets/10001');
    const note = page.text.slice(page.text.indexOf('class="msg internal"'));
    expect(note).toContain('print-estoque.txt');
  });

  test('too large, wrong type, too many, or no CSRF field: refused in the agent language, nothing sent or stored', async () => {
    await c.get('/tickets/10001');
    const blobsBefore = filesUnder(blobsDir);
    const big = await c.postMultipart('/tickets/10001/reply', { body: 'x', visibility: 'public' }, [
      { field: 'files', name: 'video.png', type: 'image/png', data: Buffer.alloc(60_000, 1) },
    ]);
    expect(big.status).toBe(413);
    expect(big.text).toContain('Um arquivo passa de 49 KB, o limite para anexos. Nada foi enviado.');
    const exe = await c.postMultipart('/tickets/10001/reply', { body: 'x', visibility: 'public' }, [
      { field: 'files', name: 'setup.exe', type: 'application/x-msdownload', data: 'MZ' },
    ]);
    expect(exe.status).toBe(415);
    expect(exe.text).toContain('Este tipo de arquivo não pode ser anexado. Permitidos: image/*, application/pdf, text/plain.');
    const many = await c.postMultipart(
      '/tickets/10001/reply',
      { body: 'x', visibility: 'public' },
      ['a', 'b', 'c'].map((n) => ({ field: 'files', name: `${n}.txt`, type: 'text/plain', data: n })),
    );
    expect(many.status).toBe(413);
    expect(many.text).toContain('Anexe no máximo 2 arquivos por vez.');
    c.cookies.set('ponte_lang', 'en');
    const forged = await c.postMultipart(
      '/tickets/10001/reply',
      { body: 'forged', visibility: 'public' },
      [{ field: 'files', name: 'a.txt', type: 'text/plain', data: 'a' }],
      { csrf: null },
    );
    expect(forged.status).toBe(403);
    const enBig = await c.postMultipart('/tickets/10001/reply', { body: 'x', visibility: 'public' }, [
      { field: 'files', name: 'big.pdf', type: 'application/pdf', data: Buffer.alloc(60_000, 1) },
    ]);
    expect(enBig.text).toContain('A file is larger than 49 KB, the limit for attachments. Nothing was sent.');
    await t.drainOutbox();
    expect(mail.outbox('mail').sent).toHaveLength(0);
    const attachments = await t.app.database.kysely.selectFrom('attachments').select('filename').execute();
    expect(attachments.map((a) => a.filename)).toEqual([]);
    expect(filesUnder(blobsDir)).toBe(blobsBefore);
  });
  test('a refused file keeps the typed reply in the box (without the page script), only for the agent own form', async () => {
    await c.get('/tickets/10001');
    const typed = 'Olá Maria, segue a nota fiscal do pedido 4471 <b>em anexo</b>.';
    const big = await c.postMultipart('/tickets/10001/reply', { body: typed, visibility: 'internal' }, [
      { field: 'files', name: 'nota.pdf', type: 'application/pdf', data: Buffer.alloc(60_000, 1) },
    ]);
    expect(big.status).toBe(413);
    const box = big.text.slice(big.text.indexOf('<textarea'));
    expect(box).toContain('Olá Maria, segue a nota fiscal do pedido 4471 &lt;b&gt;em anexo&lt;/b&gt;.</textarea>');
    expect(big.text).toMatch(/value="internal"[^>]*checked|checked[^>]*value="internal"/);
    // A cross-site form (no CSRF field of this session) is refused without its text put into the page.
    const forged = await c.postMultipart(
      '/tickets/10001/reply',
      { body: 'texto de outro site', visibility: 'public' },
      [{ field: 'files', name: 'nota.pdf', type: 'application/pdf', data: Buffer.alloc(60_000, 1) }],
      { csrf: null },
    );
    expect(forged.status).toBe(413);
    expect(forged.text).not.toContain('texto de outro site');
  });
  test('a reply refused after its files were read (a ticket that does not exist) keeps none of them in the blob store', async () => {
    await c.get('/tickets/10001');
    const blobsBefore = filesUnder(blobsDir);
    const r = await c.postMultipart('/tickets/99999/reply', { body: 'Segue o RG.', visibility: 'public' }, [
      { field: 'files', name: 'rg-maria.pdf', type: 'application/pdf', data: '%PDF-1.4 documento de identidade' },
    ]);
    expect(r.status).toBe(404);
    await t.drainOutbox();
    expect(mail.outbox('mail').sent).toHaveLength(0);
    expect(filesUnder(blobsDir)).toBe(blobsBefore);
  });
});
