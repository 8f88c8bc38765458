/**
 * LGPD erasure through the API, as a data-protection officer checks it: afterwards no byte of the
 * person's messages, addresses or attachments is in the SQLite files or the blob folder (searched
 * directly), the same mail is not imported again, another customer's data is untouched, the
 * ticket skeleton (number, status, dates) stays, and the receipt lists what was removed.
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDatabase } from '../core/db-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

const mail = createTestChannelDefinition('test', 'email');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAbCdEfGh';
const PERSONAL = ['marina.quintela', 'Quintela', 'Rua Ametista', '123.456.789-09', 'RG-scan-7781', '11 98888-2222'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describeEachDatabase('LGPD erasure on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition],
      channels: [{ id: 'mail', kind: 'test' }],
      database: kind,
      // A subscription whose receiver never answers: its log holds the events until erased.
      config: { webhooks: { subscriptions: [{ id: 'crm', url: 'http://127.0.0.1:9/none', secret: SECRET }] } },
    });
  });
  afterAll(() => t?.stop());

  test('DELETE /api/contacts/:id erases the person everywhere, keeps the skeleton and others, and never re-imports', async () => {
    const ctx = t.context('mail');
    const raw = await ctx.blobs.put(
      'From: Marina Quintela <marina.quintela@example.com>\r\nSubject: Entrega\r\n\r\nMeu CPF 123.456.789-09, Rua Ametista 42\r\n',
    );
    const scan = await ctx.blobs.put('RG-scan-7781 of Marina Quintela');
    const first = {
      rawKey: raw.key,
      message: {
        externalId: '<m1-entrega@mail.example.com>',
        from: { kind: 'email' as const, address: 'marina.quintela@example.com', displayName: 'Marina Quintela' },
        subject: 'Entrega para Marina Quintela',
        text: 'Meu CPF 123.456.789-09, Rua Ametista 42, telefone 11 98888-2222',
        attachments: [{ blobKey: scan.key, filename: 'RG-scan-7781.pdf', contentType: 'application/pdf', size: scan.size }],
      },
    };
    const created = await ctx.ingest(first);
    if (created.status !== 'created') throw new Error(created.status);
    // A second request of hers (a ticket of its own).
    expect(
      await ctx.ingest({
        message: {
          externalId: '<m2-troca@mail.example.com>',
          from: { kind: 'email', address: 'marina.quintela@example.com' },
          subject: 'Troca',
          text: 'Ainda na Rua Ametista',
        },
      }),
    ).toMatchObject({ status: 'created' });
    expect(
      (
        await t.api('POST', `/api/tickets/${created.ticketNumber}/replies`, {
          body: 'Olá Marina Quintela, sua entrega na Rua Ametista sai hoje.',
        })
      ).status,
    ).toBe(202);
    await t.drainOutbox();
    const other = await ctx.ingest({
      message: {
        externalId: '<o1@mail.example.com>',
        from: { kind: 'email', address: 'otavio.brandao@example.com', displayName: 'Otavio Brandao' },
        subject: 'Pedido 999',
        text: 'Otavio aguarda o pedido 999',
      },
    });
    if (other.status !== 'created') throw new Error(other.status);

    const contactId = (await t.getTicket(created.ticketNumber)).requesterId as string;
    const agent = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
    expect((await t.api('DELETE', `/api/contacts/${contactId}?confirm=erase`, undefined, agent.token)).status).toBe(403);
    expect(await t.api('DELETE', `/api/contacts/${contactId}`)).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'query.confirm' }] },
    });
    expect((await t.api('DELETE', '/api/contacts/01J00000000000000000000000?confirm=erase')).status).toBe(404);

    const erased = await t.api('DELETE', `/api/contacts/${contactId}?confirm=erase`);
    expect(erased.status).toBe(200);
    expect(erased.body.receipt).toMatchObject({
      contactId,
      scope: 'tickets',
      actor: { type: 'agent', id: t.adminId },
      removed: { tickets: 2, messages: 3, attachments: 1, blobs: 2, identities: 1, tombstones: 2, outbox: 1 },
    });
    expect(erased.body.receipt.removed.webhookEvents).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(erased.body)).not.toMatch(/quintela|Ametista/i);

    // The skeleton: the number, status and dates stay; nothing the person wrote.
    const ticket = await t.api('GET', `/api/tickets/${created.ticketNumber}`);
    expect(ticket).toMatchObject({ status: 200, body: { number: created.ticketNumber, subject: '[erased]' } });
    expect(ticket.body.status).toEqual(expect.any(String));
    expect(JSON.stringify(ticket.body)).not.toMatch(/quintela|Ametista|123\.456/i);
    expect(await t.api('GET', `/api/contacts/${contactId}`)).toMatchObject({ status: 200, body: { name: null, identities: [] } });

    // Not imported again on the next sync; the other customer is untouched.
    expect(await ctx.ingest(first)).toEqual({ status: 'ignored', reason: 'erased' });
    expect((await t.getTicket(other.ticketNumber)).subject).toBe('Pedido 999');
    expect(await t.api('GET', `/api/erasures?contact=${contactId}`)).toMatchObject({
      status: 200,
      body: { receipts: [{ id: erased.body.receipt.id, removed: erased.body.receipt.removed }] },
    });
    const audit = await t.api('GET', `/api/audit?targetType=contact&targetId=${contactId}`);
    expect(audit.body.entries[0]).toMatchObject({ action: 'contact.erased', actor: { id: t.adminId } });

    // Searched directly: the blob folder, and (SQLite) every byte of the database files.
    const blobFiles = filesUnder(join(t.dataDir, 'blobs'));
    for (const f of blobFiles) {
      const bytes = readFileSync(f).toString('latin1');
      for (const s of PERSONAL) expect({ file: f, found: bytes.includes(s) ? s : null }).toEqual({ file: f, found: null });
    }
    if (kind === 'sqlite') {
      const dbFiles = filesUnder(t.dataDir).filter((f) => /ponte\.db/.test(f));
      expect(dbFiles.length).toBeGreaterThan(0);
      const all = dbFiles.map((f) => readFileSync(f).toString('latin1')).join('\n');
      for (const s of PERSONAL) expect({ string: s, found: all.includes(s) }).toEqual({ string: s, found: false });
      expect(all).toContain('Otavio aguarda o pedido 999');
    } else {
      const kysely = t.app.database.kysely;
      const texts = await kysely.selectFrom('messages').select(['text', 'subject', 'sender_address', 'metadata']).execute();
      expect(JSON.stringify(texts)).not.toMatch(/quintela|Ametista|123\.456/i);
    }
  });

  test('scope=messages erases only what they wrote and their addresses; the agents’ words on the ticket stay', async () => {
    const ctx = t.context('mail');
    const o = await ctx.ingest({
      message: {
        externalId: '<s1@mail.example.com>',
        from: { kind: 'email', address: 'sofia.prates@example.com', displayName: 'Sofia Prates' },
        subject: 'Troca',
        text: 'Quero trocar, Sofia Prates',
      },
    });
    if (o.status !== 'created') throw new Error(o.status);
    expect((await t.api('POST', `/api/tickets/${o.ticketNumber}/replies`, { body: 'Pode trazer a peça na loja.' })).status).toBe(202);
    await t.drainOutbox();
    const contactId = (await t.getTicket(o.ticketNumber)).requesterId as string;
    const r = await t.api('DELETE', `/api/contacts/${contactId}?confirm=erase&scope=messages`);
    expect(r).toMatchObject({ status: 200, body: { receipt: { scope: 'messages', removed: { tickets: 0, messages: 2 } } } });
    const view = await t.api('GET', `/api/tickets/${o.ticketNumber}`);
    expect(JSON.stringify(view.body)).not.toMatch(/Sofia|sofia\.prates/);
    expect(JSON.stringify(view.body)).toContain('Pode trazer a peça na loja.');
  });
});
