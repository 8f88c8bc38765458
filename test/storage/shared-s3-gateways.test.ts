/**
 * Two gateways, each with its own local folder, sharing one database and one S3-compatible store:
 * an attachment received by one is downloaded through the other, and no blob lands on either
 * local folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrateToLatest } from '../../src/db/migrator.js';
import { describeEachDatabase, scratchDatabase, type ScratchDatabase } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { startTestS3, type TestS3 } from './s3-server.js';

const PDF = Buffer.from('%PDF-1.4\n% boleto 88123 compartilhado\n%%EOF\n', 'utf8');
const RECEIPT = Buffer.from('%PDF-1.4\n% recibo 5521\n%%EOF\n', 'utf8');

const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
    : [];

describeEachDatabase('two gateways sharing an S3 store on %s', (kind) => {
  let s3: TestS3;
  let scratch: ScratchDatabase;
  let a: TestApp;
  let b: TestApp;
  let firstNumber = 0;
  const mailA = createTestChannelDefinition();

  beforeAll(async () => {
    s3 = await startTestS3();
    scratch = await scratchDatabase(kind);
    await migrateToLatest(scratch.database);
    const storage = {
      driver: 's3',
      s3: {
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: '${S3_ACCESS_KEY_ID}',
        secretAccessKey: '${S3_SECRET_ACCESS_KEY}',
      },
    };
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const open = (mail: ReturnType<typeof createTestChannelDefinition>) =>
      startTestApp({
        definitions: [mail.definition],
        channels: [{ id: 'mail', kind: 'test' }],
        config: { database: scratch.config, storage },
        env,
      });
    a = await open(mailA);
    b = await open(createTestChannelDefinition());
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await scratch?.drop();
    await s3?.close();
  });

  test('an attachment received by gateway A downloads byte for byte through gateway B', async () => {
    const blob = await a.context('mail').blobs.put(PDF);
    const outcome = await a.context('mail').ingest({
      message: {
        externalId: '<boleto-1@example.com>',
        from: { kind: 'email', address: 'carla@example.com', displayName: 'Carla' },
        subject: 'Boleto em anexo',
        text: 'Segue o boleto.',
        attachments: [{ blobKey: blob.key, filename: 'boleto.pdf', contentType: 'application/pdf', size: blob.size }],
      },
    });
    expect(outcome.status).toBe('created');
    const number = (firstNumber = (outcome as { ticketNumber: number }).ticketNumber);

    const ticket = await b.api('GET', `/api/tickets/${number}`, undefined, a.adminToken);
    expect(ticket.status).toBe(200);
    const [att] = ticket.body.messages[0].attachments;
    expect(att).toMatchObject({ filename: 'boleto.pdf', size: PDF.length });
    const res = await fetch(b.baseUrl + att.url, { headers: { authorization: `Bearer ${b.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);

    // The bytes live in the bucket only: neither gateway's local folder has them.
    expect(filesUnder(join(a.dataDir, 'blobs')).concat(filesUnder(join(b.dataDir, 'blobs')))).toEqual([]);
    expect(filesUnder(s3.dir).some((f) => f.includes(blob.key))).toBe(true);
  });

  test('a file uploaded through B goes out as a reply attachment sent by A, with the same bytes', async () => {
    const up = await fetch(`${b.baseUrl}/api/uploads?filename=recibo.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.adminToken}`, 'content-type': 'application/pdf' },
      body: RECEIPT,
    });
    expect(up.status).toBe(201);
    const { upload } = (await up.json()) as { upload: string };
    const r = await a.api('POST', `/api/tickets/${firstNumber}/replies`, { body: 'Segue o recibo.', attachments: [upload] }, b.adminToken);
    expect(r.status).toBe(202);
    await a.drainOutbox();
    const sent = mailA.outbox('mail').sent.at(-1)!;
    expect(sent.attachments).toEqual([
      { blobKey: expect.any(String), filename: 'recibo.pdf', contentType: 'application/pdf', size: RECEIPT.length },
    ]);
    expect((await a.app.blobs.read(sent.attachments[0]!.blobKey)).equals(RECEIPT)).toBe(true);
  });
});
