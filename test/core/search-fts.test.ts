/**
 * Full-text search over subjects and messages (SQLite FTS5, PostgreSQL tsvector indexes): any
 * message of a thread finds its ticket, accents and case never matter, the last word is a prefix,
 * and the index follows the data in the same transaction (edits, rollbacks, deletions).
 */
import { sql } from 'kysely';
import { ticketTextCondition } from '../../src/db/repositories/ticket-search.repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describeEachDatabase('full-text ticket search on %s', (kind) => {
  let t: TestApp;
  const search = async (q: string): Promise<number[]> => {
    const r = await t.api('GET', `/api/tickets?q=${encodeURIComponent(q)}`);
    expect(r.status).toBe(200);
    return r.body.tickets.map((x: { number: number }) => x.number).sort();
  };
  const created = (o: { status: string; ticketNumber?: number }): number => {
    if (o.status !== 'created' && o.status !== 'appended') throw new Error(`unexpected ${o.status}`);
    return o.ticketNumber!;
  };
  let geladeira = 0;
  let boleto = 0;
  let chatTicket = 0;

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
      database: kind,
    });
    const ctx = t.context('mail');
    geladeira = created(
      await ctx.ingest({
        message: {
          externalId: 'g1',
          from: { kind: 'email', address: 'rita@example.com' },
          subject: 'Geladeira com defeito',
          text: 'Comprei semana passada.',
        },
      }),
    );
    // A later message of the same thread carries the words searched for.
    created(
      await ctx.ingest({
        message: {
          externalId: 'g2',
          from: { kind: 'email', address: 'rita@example.com' },
          subject: `Re: Geladeira com defeito [#${geladeira}]`,
          text: 'O técnico não apareceu até agora.',
          threadHints: { references: ['g1'] },
        },
      }),
    );
    boleto = created(
      await ctx.ingest({
        message: {
          externalId: 'b1',
          from: { kind: 'email', address: 'otavio@example.com' },
          subject: 'Segunda via',
          text: 'Preciso da segunda via do boleto_vencido, pedido PED-20931.',
        },
      }),
    );
    chatTicket = created(
      await t.context('zap').ingest({
        message: {
          externalId: 'z1',
          from: { kind: 'phone', address: '+5521988887777' },
          proof: { level: 'channel' },
          text: 'Olá! A promoção de Natal ainda vale?',
        },
      }),
    );
  });
  afterAll(() => t?.stop());

  test('words in any message of the thread find the ticket, whatever the accents and case', async () => {
    for (const q of ['tecnico nao apareceu', 'TÉCNICO', 'Não Apareceu']) expect(await search(q)).toEqual([geladeira]);
    for (const q of ['promocao de natal', 'PROMOÇÃO']) expect(await search(q)).toEqual([chatTicket]);
  });

  test('subjects are searched; the last word typed is a prefix; the words must come in order', async () => {
    expect(await search('geladeira')).toEqual([geladeira]);
    expect(await search('gelad')).toEqual([geladeira]);
    expect(await search('tecnico nao apar')).toEqual([geladeira]);
    expect(await search('apareceu tecnico')).toEqual([]);
  });

  test('punctuation inside what was typed is a word break, as in the text', async () => {
    expect(await search('boleto_vencido')).toEqual([boleto]);
    expect(await search('ped-20931')).toEqual([boleto]);
    expect(await search('20931')).toEqual([boleto]);
    expect(await search('"segunda via"')).toEqual([boleto]);
  });

  test('a search of only spaces is refused with the reason; spaces around words are ignored', async () => {
    const r = await t.api('GET', `/api/tickets?q=${encodeURIComponent('   ')}`);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/\bq\b/);
    expect(await search('  geladeira  ')).toEqual([geladeira]);
    // Only punctuation and spaces: nothing word- or address-like, and still an answer, not an error.
    expect(await search(' -- ')).toEqual([]);
    // The condition itself stays valid SQL whatever it is given (the console trims on its own).
    const blank = await ticketTextCondition(t.app.database.kysely, '    ');
    await expect(t.app.database.kysely.selectFrom('tickets').select('id').where(blank.where).execute()).resolves.toBeDefined();
  });

  test('requester identities are still searched (email, phone typed as people write it)', async () => {
    expect(await search('otavio@example')).toEqual([boleto]);
    expect(await search('(21) 98888-7777')).toEqual([chatTicket]);
  });

  test('an edited message is found by its new words only', async () => {
    expect(
      await t.context('mail').updateMessage({ externalId: 'g2', edit: { text: 'O técnico veio, mas faltou a peça.', at: Date.now() } }),
    ).toBe(true);
    expect(await search('nao apareceu')).toEqual([]);
    expect(await search('faltou a peca')).toEqual([geladeira]);
  });

  test('the index follows the transaction: a rolled-back change is never found, a committed deletion is gone', async () => {
    const db = t.app.database.kysely;
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`UPDATE messages SET text = ${'palavra fantasma xylofone'} WHERE external_id = ${'b1'}`.execute(trx);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await search('xylofone')).toEqual([]);
    expect(await search('segunda via do boleto')).toEqual([boleto]);

    await db.deleteFrom('messages').where('external_id', '=', 'b1').execute();
    expect(await search('boleto')).toEqual([]);
  });
});
