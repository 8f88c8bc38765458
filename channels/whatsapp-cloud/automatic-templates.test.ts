import { outboundMessage } from '../../test/support/outbound-message.js';
import { automaticTemplatesSchema, templateFor, templateParamText } from './automatic-templates.js';

const templates = automaticTemplatesSchema.parse({
  auto_ack: { name: 'ponte_recebido', language: 'pt_BR', params: ['ticket.number'] },
  status_notice: { name: 'ponte_status', language: 'pt-BR', params: ['ticket.token', 'text', { literal: 'Loja Aurora' }] },
  reminder: { name: 'ponte_lembrete', language: 'es' },
});

describe('templates per automatic-message kind', () => {
  test('an automatic message of a configured kind gets its template, parameters filled in order', () => {
    const m = outboundMessage({ automatic: true, purpose: 'status_notice', text: 'Seu pedido\nsaiu para entrega.\tObrigado!' });
    expect(templateFor(m, templates)).toEqual({
      name: 'ponte_status',
      language: 'pt-BR',
      params: ['[#10001]', 'Seu pedido saiu para entrega. Obrigado!', 'Loja Aurora'],
    });
    expect(templateFor(outboundMessage({ automatic: true, purpose: 'auto_ack' }), templates)).toEqual({
      name: 'ponte_recebido',
      language: 'pt_BR',
      params: ['10001'],
    });
    expect(templateFor(outboundMessage({ automatic: true, purpose: 'reminder' }), templates)).toEqual({
      name: 'ponte_lembrete',
      language: 'es',
      params: [],
    });
  });

  test('none for a kind without a template, for human replies, or without any configuration', () => {
    expect(templateFor(outboundMessage({ automatic: true, purpose: 'out_of_hours' }), templates)).toBeUndefined();
    expect(templateFor(outboundMessage({ automatic: false, purpose: 'reply' }), templates)).toBeUndefined();
    expect(templateFor(outboundMessage({ automatic: true, purpose: 'auto_ack' }), undefined)).toBeUndefined();
    expect(
      templateFor(outboundMessage({ automatic: true, purpose: 'auto_ack' }), automaticTemplatesSchema.parse(undefined)),
    ).toBeUndefined();
  });

  test('parameter text follows WhatsApp rules: no newline or tab, at most 4 spaces in a row, 1024 characters, never empty', () => {
    expect(templateParamText('a\r\n\r\nb\tc          d')).toBe('a b c    d');
    expect(templateParamText('x'.repeat(2000))).toHaveLength(1024);
    expect(templateParamText('  \n ')).toBe('-');
  });

  test('config errors name the path: an unknown kind, a bad name, a bad parameter source', () => {
    const bad = (v: unknown) => automaticTemplatesSchema.safeParse(v).error?.issues.map((i) => i.path.join('.'));
    expect(bad({ auto_reply: { name: 'x', language: 'pt_BR' } })).toEqual(['']);
    expect(bad({ auto_ack: { name: 'Ponte Ack', language: 'pt_BR' } })).toEqual(['auto_ack.name']);
    expect(bad({ auto_ack: { name: 'ponte_ack', language: 'pt_BR', params: ['ticket.owner'] } })).toEqual(['auto_ack.params.0']);
  });
});
