/**
 * Filters normalize what the agent types: accents and case in text search, documents and phone
 * numbers typed with punctuation (issue: `field=document:529.982.247-25` used to find nothing).
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describeEachDatabase('ticket filters on %s', (kind) => {
  let t: TestApp;
  const numbers = (r: { body: any }) => r.body.tickets.map((x: any) => x.number);
  let withAccent = 0;
  let withDocument = 0;
  let byPhone = 0;

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
      database: kind,
    });
    const a = await t.context('mail').ingest({
      message: {
        externalId: 'a1',
        from: { kind: 'email', address: 'ana@example.com' },
        subject: 'Pedido NÃO chegou',
        text: 'Atenção: a entrega atrasou',
      },
    });
    const b = await t.context('mail').ingest({
      message: {
        externalId: 'b1',
        from: { kind: 'email', address: 'bia@example.com' },
        subject: 'Troca',
        text: 'x',
        ticketFields: { customFields: { document: '52998224725', documentType: 'cpf' } },
      },
    });
    const c = await t.context('zap').ingest({
      message: { externalId: 'c1', from: { kind: 'phone', address: '+5511987654321' }, proof: { level: 'channel' }, text: 'oi' },
    });
    if (a.status !== 'created' || b.status !== 'created' || c.status !== 'created') throw new Error('expected tickets');
    [withAccent, withDocument, byPhone] = [a.ticketNumber, b.ticketNumber, c.ticketNumber];
  });
  afterAll(() => t?.stop());

  test('accents and case never matter', async () => {
    for (const q of ['nao chegou', 'NAO', 'não', 'atencao', 'ATENÇÃO'])
      expect(numbers(await t.api('GET', `/api/tickets?q=${encodeURIComponent(q)}`))).toEqual([withAccent]);
  });

  test('a CPF typed with its punctuation finds the document stored as digits', async () => {
    expect(numbers(await t.api('GET', `/api/tickets?field=${encodeURIComponent('document:529.982.247-25')}`))).toEqual([withDocument]);
    expect(numbers(await t.api('GET', `/api/tickets?field=${encodeURIComponent('document:52998224725')}`))).toEqual([withDocument]);
    expect(numbers(await t.api('GET', `/api/tickets?q=${encodeURIComponent('529.982.247-25')}`))).toEqual([withDocument]);
  });

  test('a phone typed as people write it finds the requester', async () => {
    for (const q of ['(11) 98765-4321', '11 98765 4321', '+55 11 98765-4321'])
      expect(numbers(await t.api('GET', `/api/tickets?q=${encodeURIComponent(q)}`))).toEqual([byPhone]);
  });
});
