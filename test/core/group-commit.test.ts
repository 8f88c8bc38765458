/**
 * Group commit (issue 15) against real databases: envelopes that arrive together share one
 * transaction (tried without savepoints, then, when one fails, each in its own). A message that fails (in its follow-ups, or with a
 * database error that aborts a PostgreSQL transaction) is rolled back alone: its neighbours are
 * stored, their callers answered after the commit, and the failed one's adapter sees what it
 * would see from a transaction of its own (its error, nothing written, its checkpoint not
 * saved), so its redelivery is simply ingested.
 */
import { sql } from 'kysely';
import pino from 'pino';
import { parseConfig } from '../../src/config/loader.js';
import type { InboundEnvelopeInput } from '../../src/domain/envelope.js';
import { createIngest, type IngestFn } from '../../src/ingest/pipeline.js';
import { sanitizeEmailHtml } from '../../src/ingest/sanitize-html.js';
import { createTicketEvents } from '../../src/tickets/ticket-events.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const CHANNELS = [{ id: 'mail', kind: 'test' }];

describeEachDatabase('group commit on %s', (kind) => {
  let t: TestApp;
  let ingest: IngestFn;
  let seq = 0;
  const now = Date.UTC(2026, 10, 2, 12, 0, 0);
  /** Transaction ids seen by the follow-ups, per message text (PostgreSQL only). */
  const txids = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({ definitions: [mail.definition], channels: CHANNELS, database: kind, clock: { now: () => now } });
    const loaded = parseConfig(
      { security: { secret: 'test-secret-0123456789abcdef' }, channels: CHANNELS },
      { env: {}, definitions: [mail.definition] },
    );
    const events = createTicketEvents();
    // The faults are chosen by the message text: a follow-up that throws after the ticket and
    // the message are written, or a statement the database refuses.
    events.on('message.received', async (db, e) => {
      if (kind === 'postgres')
        txids.set(e.text, String((await sql<{ id: string }>`SELECT txid_current()::text AS id`.execute(db)).rows[0]!.id));
      if (e.text.startsWith('THROW')) throw new Error('injected failure');
      if (e.text.startsWith('BADSQL')) await sql`SELECT * FROM no_such_table`.execute(db);
    });
    ingest = createIngest({
      database: t.app.database,
      clock: { now: () => now },
      config: loaded.config,
      channels: t.app.channels,
      events,
      logger: pino({ level: 'silent' }),
      sanitizeHtml: sanitizeEmailHtml,
      rawPayloads: { blobs: t.app.blobs, inlineMaxBytes: loaded.config.storage.inlineMaxBytes },
    });
  });
  afterAll(() => t?.stop());

  const envelope = (text: string, checkpoint?: number): InboundEnvelopeInput => {
    const n = ++seq;
    return {
      message: {
        externalId: `<g${n}@example.com>`,
        from: { kind: 'email', address: `person${n}@example.com` },
        subject: `Pedido ${n}`,
        text,
      },
      ...(checkpoint !== undefined ? { checkpoint: { key: `cursor-${kind}`, value: { uid: checkpoint } } } : {}),
    } as InboundEnvelopeInput;
  };
  const db = () => t.app.database.kysely;
  const ticketsWithText = async (text: string) =>
    (await db().selectFrom('messages').select('ticket_id').where('text', '=', text).execute()).length;

  test('one failing message never fails its neighbours; each caller gets its own outcome', async () => {
    const texts = ['good one', 'THROW in follow-ups', 'good two', 'BADSQL in follow-ups', 'good three'].map((x) => `${x} ${kind}`);
    const envs = texts.map((x) => envelope(x));
    const settled = await Promise.allSettled(envs.map((e) => ingest('mail', e)));

    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(expect.objectContaining({ message: 'injected failure' }));
    expect(String((settled[3] as PromiseRejectedResult).reason)).toMatch(/no such table|does not exist/);
    const numbers = settled.filter((s): s is PromiseFulfilledResult<any> => s.status === 'fulfilled').map((s) => s.value);
    for (const o of numbers) expect(o).toMatchObject({ status: 'created', matchedBy: 'new_ticket' });
    // Distinct tickets, numbered without gaps by the stored ones only.
    const ns = numbers.map((o) => o.ticketNumber);
    expect(new Set(ns).size).toBe(3);
    // Nothing of the attempt rolled back when a message failed (its counter increments included) remains.
    expect(Math.max(...ns) - Math.min(...ns)).toBe(2);

    // The good ones are stored (and visible to any reader once answered); the failed ones left nothing.
    for (const i of [0, 2, 4]) expect(await ticketsWithText(texts[i]!)).toBe(1);
    for (const i of [1, 3]) {
      expect(await ticketsWithText(texts[i]!)).toBe(0);
      const receipt = await db()
        .selectFrom('inbound_receipts')
        .select('external_id')
        .where('external_id', '=', (envs[i]!.message as any).externalId)
        .executeTakeFirst();
      expect(receipt).toBeUndefined();
    }
    // On PostgreSQL the follow-ups of the batch ran in one transaction.
    if (kind === 'postgres') expect(new Set(texts.filter((x) => x.startsWith('good')).map((x) => txids.get(x))).size).toBe(1);
  });

  test('a failed message’s checkpoint is not saved, its neighbours’ are; the redelivery is ingested', async () => {
    const cursor = () => t.context('mail').state.get(`cursor-${kind}`);
    const good = envelope(`checkpointed ${kind}`, 41);
    const bad = envelope(`THROW checkpointed ${kind}`, 42);
    const [a, b] = await Promise.allSettled([ingest('mail', good), ingest('mail', bad)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(await cursor()).toEqual({ uid: 41 });

    // The adapter redelivers the same message (the fault is gone): created, and its checkpoint saved.
    const fixed = { ...bad, message: { ...(bad.message as any), text: `fixed ${kind}` } } as InboundEnvelopeInput;
    expect(await ingest('mail', fixed)).toMatchObject({ status: 'created' });
    expect(await cursor()).toEqual({ uid: 42 });
    // And once more: a duplicate, as for any redelivery.
    expect(await ingest('mail', fixed)).toMatchObject({ status: 'duplicate' });
  });

  test('the same message twice in one batch: created once, then duplicate with the same ids', async () => {
    const env = envelope(`twice ${kind}`);
    const [first, second] = await Promise.all([ingest('mail', env), ingest('mail', env)]);
    expect(first).toMatchObject({ status: 'created' });
    if (first.status !== 'created') throw new Error('unreachable');
    expect(second).toEqual({
      status: 'duplicate',
      ticketId: first.ticketId,
      ticketNumber: first.ticketNumber,
      ticketStatus: first.ticketStatus,
      messageId: first.messageId,
    });
  });
});
