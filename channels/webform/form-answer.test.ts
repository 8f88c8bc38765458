import type { IngestOutcome } from '../../src/channel/contract.js';
import { answerFor, pickLocale, prefersHtml, withQuery } from './form-answer.js';

const created: IngestOutcome = {
  status: 'created',
  ticketId: 't1',
  ticketNumber: 10002,
  ticketStatus: 'new',
  messageId: 'm1',
  matchedBy: 'new_ticket',
};
const appended: IngestOutcome = {
  status: 'appended',
  ticketId: 't0',
  ticketNumber: 10001,
  ticketStatus: 'open',
  messageId: 'm2',
  matchedBy: 'existing_request',
};
const duplicate: IngestOutcome = { status: 'duplicate', ticketId: 't0', ticketNumber: 10001, ticketStatus: 'open', messageId: 'm0' };

describe('answerFor', () => {
  it('names the ticket a public submission created', () => {
    expect(answerFor(created, 'created_only')).toEqual({
      status: 201,
      body: { ticketNumber: 10002, status: 'new', outcome: 'created', created: true },
      counted: true,
      ticketNumber: 10002,
    });
  });

  it.each([
    ['appended to an existing request', appended],
    ['a duplicate', duplicate],
  ])('names nothing on a public form when %s, and both answers are the same', (_name, outcome) => {
    const a = answerFor(outcome, 'created_only');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ outcome: 'received', created: false, message: 'received; we will answer at your address' });
    expect(a.ticketNumber).toBeUndefined();
    expect(JSON.stringify(a.body)).not.toContain('10001');
  });

  it("keeps every detail for a signed form (the merchant's server)", () => {
    expect(answerFor(appended, 'full').body).toEqual({
      ticketNumber: 10001,
      status: 'open',
      outcome: 'appended',
      created: false,
      matchedBy: 'existing_request',
    });
    expect(answerFor(duplicate, 'full').body).toEqual({ ticketNumber: 10001, status: 'open', outcome: 'duplicate', created: false });
  });

  it('answers an ignored submission with 202 and nothing else', () => {
    expect(answerFor({ status: 'ignored', reason: 'x' }, 'created_only')).toMatchObject({
      status: 202,
      body: { status: 'ignored', created: false },
    });
  });
});

describe('prefersHtml', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // a browser navigating
    ['*/*', false], // fetch()
    [undefined, false],
    ['application/json', false],
    ['application/json, text/html', false],
    ['text/html, application/json', true],
    ['text/html;q=0.5, application/json', false],
    ['text/html;q=0', false],
  ])('%s -> %s', (accept, html) => {
    expect(prefersHtml(accept)).toBe(html);
  });
});

describe('pickLocale', () => {
  it.each([
    ['en', 'pt-BR,pt;q=0.9', 'en'],
    [undefined, 'es-AR,es;q=0.9,en;q=0.8', 'es'],
    [undefined, 'de-DE,en;q=0.5', 'en'],
    [undefined, 'en;q=0.4,pt-PT;q=0.8', 'pt-BR'],
    [undefined, 'fr', 'pt-BR'],
    [undefined, undefined, 'pt-BR'],
  ])('form %s, Accept-Language %s -> %s', (form, header, locale) => {
    expect(pickLocale(form, header)).toBe(locale);
  });
});

describe('withQuery', () => {
  it('adds parameters and keeps the ones already there', () => {
    expect(withQuery('https://loja.example.com.br/obrigado?src=form', { ticket: '10002' })).toBe(
      'https://loja.example.com.br/obrigado?src=form&ticket=10002',
    );
  });
});
