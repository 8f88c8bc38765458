import { mapSubmission, type MappingRules } from './field-mapping.js';
import { DEFAULT_FIELDS } from './webform-config.js';

const rules: MappingRules = {
  fields: {
    nome: 'name',
    email: 'email',
    telefone: 'phone',
    assunto: 'subject',
    mensagem: 'message',
    motivo: 'category',
    pedido: 'reference',
    cpf: 'document',
    prioridade: 'priority',
    loja: 'custom:store',
  },
  required: ['message', 'category'],
  defaultCountryCode: '55',
  maxMessageChars: 1000,
};

describe('mapSubmission', () => {
  it('maps and normalizes every kind of field', () => {
    const r = mapSubmission(
      {
        nome: '  Maria   da  Silva ',
        email: ' Maria@Example.COM ',
        telefone: '(11) 98765-4321',
        assunto: 'Pedido\natrasado',
        mensagem: 'Olá,\r\nmeu pedido não chegou.\u0000',
        motivo: 'entrega',
        pedido: 12345,
        cpf: '529.982.247-25',
        prioridade: 'Média',
        loja: 'Centro',
        ignored: 'not mapped',
      },
      rules,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'Maria da Silva',
        email: 'maria@example.com',
        phone: '+5511987654321',
        phoneLookupAlso: ['+551187654321'],
        subject: 'Pedido atrasado',
        message: 'Olá,\nmeu pedido não chegou.',
        category: 'entrega',
        reference: '12345',
        document: { type: 'cpf', value: '52998224725' },
        priority: 'normal',
        custom: { store: 'Centro' },
      },
    });
  });

  it('lists every bad field at once, under the submitted name, with a reason', () => {
    const r = mapSubmission(
      {
        email: 'maria@',
        telefone: '98765-4321',
        mensagem: 'x'.repeat(1001),
        cpf: '529.982.247-24',
        prioridade: 'asap',
        loja: { nested: true },
      },
      rules,
    );
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['cpf', 'email', 'loja', 'mensagem', 'motivo', 'prioridade', 'telefone']);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath).toEqual({
      email: expect.stringMatching(/valid email/),
      telefone: expect.stringMatching(/area code/),
      mensagem: expect.stringMatching(/too long \(max 1000/),
      cpf: expect.stringMatching(/check digits/),
      prioridade: expect.stringMatching(/low, normal, high, urgent/),
      loja: 'must be text',
      motivo: 'is required',
    });
  });

  it('requires an email or a phone to answer to', () => {
    const r = mapSubmission({ mensagem: 'oi', motivo: 'troca' }, rules);
    expect(r).toEqual({ ok: false, issues: [{ path: 'email', message: expect.stringMatching(/email or a phone/) }] });
  });

  it('treats blank values as absent, and a repeated value as an error', () => {
    const r = mapSubmission({ email: ['a@b.co', 'c@d.co'], telefone: '   ', mensagem: 'oi', motivo: 'troca' }, rules);
    expect(r).toEqual({ ok: false, issues: [{ path: 'email', message: expect.stringMatching(/more than once/) }] });
    const single = mapSubmission({ email: ['a@b.co', ''], mensagem: 'oi', motivo: 'troca' }, rules);
    expect(single.ok && single.value.email).toBe('a@b.co');
  });

  it('restricts categories when the form lists them, answering with the listed spelling', () => {
    const r = mapSubmission({ email: 'a@b.co', mensagem: 'oi', motivo: 'DEVOLUCAO' }, { ...rules, categories: ['Devolução', 'Entrega'] });
    expect(r.ok && r.value.category).toBe('Devolução');
    const bad = mapSubmission({ email: 'a@b.co', mensagem: 'oi', motivo: 'outro' }, { ...rules, categories: ['Devolução', 'Entrega'] });
    expect(bad).toEqual({ ok: false, issues: [{ path: 'motivo', message: 'choose one of: Devolução, Entrega' }] });
  });

  it('lets two submitted names feed one ticket field (first non-empty wins)', () => {
    const r = mapSubmission(
      { 'e-mail': '', email2: 'B@x.io', mensagem: 'oi' },
      { ...rules, required: ['message'], fields: { 'e-mail': 'email', email2: 'email', mensagem: 'message' } },
    );
    expect(r.ok && r.value.email).toBe('b@x.io');
  });

  it('a message made only of control characters is missing, not empty', () => {
    const r = mapSubmission({ email: 'a@b.co', message: '\u0000\u0007' }, { ...rules, fields: DEFAULT_FIELDS, required: ['message'] });
    expect(r).toEqual({ ok: false, issues: [{ path: 'message', message: 'is required' }] });
  });

  it('does not read inherited properties as submitted values', () => {
    const r = mapSubmission(JSON.parse('{"__proto__": {"email": "x@y.z"}, "message": "oi"}'), {
      ...rules,
      fields: DEFAULT_FIELDS,
      required: ['message'],
    });
    expect(r.ok).toBe(false);
  });
});
