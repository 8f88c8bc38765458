/**
 * Ticket search has two plans (ticket-search.repository.ts): rare words collect their matches,
 * common words walk the tickets newest first. Whichever runs, an agent sees the same tickets;
 * addresses are found by their start and phones by their last digits, through indexes.
 */
import { ticketTextCondition } from '../../src/db/repositories/ticket-search.repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describeEachDatabase('search plans on %s', (kind) => {
  let t: TestApp;
  const numbers: Record<string, number> = {};
  const created = (name: string, o: { status: string; ticketNumber?: number }) => {
    if (o.status !== 'created') throw new Error(`unexpected ${o.status}`);
    numbers[name] = o.ticketNumber!;
  };
  /** Ticket numbers found by a plan, newest first, with an optional status filter and page size. */
  const found = async (q: string, plan: 'collect' | 'walk', opts: { status?: string; limit?: number } = {}): Promise<number[]> => {
    const db = t.app.database.kysely;
    const cond = await ticketTextCondition(db, q, { collectCap: plan === 'walk' ? 0 : 1_000_000 });
    let query = db.selectFrom('tickets').select('number').where(cond.where);
    if (opts.status) query = query.where('status', '=', opts.status as 'new');
    const rows = await query
      .orderBy('id', 'desc')
      .limit(opts.limit ?? 50)
      .execute();
    return rows.map((r) => Number(r.number));
  };

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
      database: kind,
    });
    const m = t.context('mail');
    created(
      'fridge',
      await m.ingest({
        message: {
          externalId: 'p1',
          from: { kind: 'email', address: 'Rita.Souza@Example.com' },
          subject: 'Geladeira',
          text: 'O reembolso não chegou.',
        },
      }),
    );
    created(
      'refund',
      await m.ingest({
        message: {
          externalId: 'p2',
          from: { kind: 'email', address: 'otavio@example.com' },
          subject: 'Reembolso pendente',
          text: 'Aguardo retorno.',
        },
      }),
    );
    created(
      'fields',
      await m.ingest({
        message: {
          externalId: 'p3',
          from: { kind: 'email', address: 'bia@example.com' },
          subject: 'Troca',
          text: 'Quero o reembolso, por favor',
          ticketFields: { customFields: { document: '52998224725' } },
        },
      }),
    );
    created(
      'chat',
      await t.context('zap').ingest({
        message: {
          externalId: 'p4',
          from: { kind: 'phone', address: '+5521988887777' },
          proof: { level: 'channel' },
          text: 'Olá, o pedido não chegou',
        },
      }),
    );
    created(
      'other',
      await m.ingest({
        message: { externalId: 'p5', from: { kind: 'email', address: 'nina@example.org' }, subject: 'Dúvida', text: 'Nada a ver.' },
      }),
    );
  });
  afterAll(() => t?.stop());

  test('both plans find the same tickets, newest first', async () => {
    const cases: Array<[string, string[]]> = [
      ['reembolso', ['fields', 'refund', 'fridge']],
      ['REEMB', ['fields', 'refund', 'fridge']],
      ['nao chegou', ['chat', 'fridge']],
      ['geladeira', ['fridge']],
      ['rita.souza@exa', ['fridge']],
      ['otavio', ['refund']],
      ['(21) 98888-7777', ['chat']],
      ['+55 21 98888', ['chat']],
      ['529.982.247-25', ['fields']],
      ['paralelepipedo', []],
      ['...', []],
    ];
    for (const [q, names] of cases) {
      const expected = names.map((n) => numbers[n]);
      expect({ q, tickets: await found(q, 'collect') }).toEqual({ q, tickets: expected });
      expect({ q, tickets: await found(q, 'walk') }).toEqual({ q, tickets: expected });
    }
  });

  test('the walk honours the other filters and the page size', async () => {
    expect(await found('reembolso', 'walk', { limit: 2 })).toEqual([numbers.fields, numbers.refund]);
    expect(await found('reembolso', 'walk', { status: 'closed' })).toEqual([]);
    expect(await found('reembolso', 'walk', { status: 'new' })).toEqual(await found('reembolso', 'collect', { status: 'new' }));
  });

  test('an address is matched by its start, not its middle; a phone by its last digits', async () => {
    expect(await found('souza@example', 'collect')).toEqual([]);
    expect(await found('7777', 'collect')).toEqual([]);
    expect(await found('988887777', 'collect')).toEqual([numbers.chat]);
  });
});
