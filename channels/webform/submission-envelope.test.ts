import type { MappedSubmission } from './field-mapping.js';
import { FormRejection } from './form-rejection.js';
import { buildEnvelope, subjectOf, submissionIdentity } from './submission-envelope.js';

const base: MappedSubmission = { message: 'Meu pedido não chegou.\nAguardo.', phoneLookupAlso: [], custom: {} };

describe('submissionIdentity', () => {
  it('derives the external id from the client key, header first', () => {
    const a = submissionIdentity({ header: 'k-1', field: 'other' });
    const b = submissionIdentity({ header: 'k-1' });
    const c = submissionIdentity({ field: 'k-1' });
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    expect(a.idempotencyKey).toBe('k-1');
    expect(a.externalId).toMatch(/^webform:key:[0-9a-f]{64}$/);
  });

  it('accepts a numeric submission id', () => {
    expect(submissionIdentity({ field: 12345 }).idempotencyKey).toBe('12345');
  });

  it('uses the signed replay key whatever client key comes with it (the key is not signed), and a random id otherwise', () => {
    expect(submissionIdentity({ replayKey: 'abc' })).toEqual({ externalId: 'webform:sig:abc' });
    expect(submissionIdentity({ replayKey: 'abc', header: 'fresh-key-1' })).toEqual({
      externalId: 'webform:sig:abc',
      idempotencyKey: 'fresh-key-1',
    });
    const r1 = submissionIdentity({});
    const r2 = submissionIdentity({});
    expect(r1.externalId).not.toBe(r2.externalId);
    expect(r1.idempotencyKey).toBeUndefined();
  });

  it.each([['x'.repeat(256)], ['has space'], ['acentuação']])('refuses the key %s', (key) => {
    expect(() => submissionIdentity({ header: key })).toThrow(FormRejection);
  });

  it('refuses a submission id that is not text, naming the field', () => {
    try {
      submissionIdentity({ field: { id: 1 }, fieldName: 'envio' });
      throw new Error('expected a rejection');
    } catch (err) {
      expect((err as FormRejection).issues).toEqual([{ path: 'envio', message: 'must be text' }]);
    }
  });
});

describe('buildEnvelope', () => {
  const common = {
    formId: 'contato',
    replyTo: 'email' as const,
    trustIdentities: false,
    origin: 'site form',
    existingRequest: true,
    identity: { externalId: 'webform:x' },
    attachments: [],
    metadata: {},
  };
  const both = { ...base, name: 'Maria', email: 'maria@example.com', phone: '+5511987654321', phoneLookupAlso: ['+551187654321'] };

  it('addresses the requester by email; the typed phone is only a claim (no alias, no lookup); never an agent', () => {
    const env = buildEnvelope({ ...common, submission: both });
    expect(env.message.from).toEqual({ kind: 'email', address: 'maria@example.com', displayName: 'Maria' });
    expect(env.message.fromAliases).toEqual([]);
    expect(env.message.claims).toEqual([{ kind: 'phone', address: '+5511987654321', displayName: 'Maria' }]);
    expect(env.message.lookupAlso).toEqual([]);
    expect(env.message.proof).toEqual({ level: 'none' });
    expect(env.message.agentCommands).toBe(false);
  });

  it('addresses the requester by phone for a WhatsApp replyVia (replyTo: phone), with its ninth-digit variant; the email is a claim', () => {
    const env = buildEnvelope({ ...common, replyTo: 'phone', submission: both });
    expect(env.message.from).toEqual({ kind: 'phone', address: '+5511987654321', displayName: 'Maria' });
    expect(env.message.lookupAlso).toEqual([{ kind: 'phone', address: '+551187654321' }]);
    expect(env.message.claims).toEqual([{ kind: 'email', address: 'maria@example.com', displayName: 'Maria' }]);
    expect(env.message.fromAliases).toEqual([]);
  });

  it('addresses the requester by phone when no email was given', () => {
    const env = buildEnvelope({ ...common, submission: { ...base, phone: '+5511987654321' } });
    expect(env.message.from).toEqual({ kind: 'phone', address: '+5511987654321' });
    expect(env.message.fromAliases).toEqual([]);
    expect(env.message.claims).toEqual([]);
  });

  it('a signed form that vouches for its customers (trustIdentities) sends both as identities, still never an agent', () => {
    const env = buildEnvelope({ ...common, trustIdentities: true, submission: both });
    expect(env.message.fromAliases).toEqual([{ kind: 'phone', address: '+5511987654321', displayName: 'Maria' }]);
    expect(env.message.claims).toEqual([]);
    expect(env.message.proof).toEqual({ level: 'authenticated' });
    expect(env.message.agentCommands).toBe(false);
  });

  it('carries ticket fields, the document as a custom field, the key and the raw payload', () => {
    const env = buildEnvelope({
      ...common,
      existingRequest: false,
      identity: { externalId: 'webform:key:1', idempotencyKey: 'k' },
      rawKey: 'f'.repeat(64),
      sentAt: 1_700_000_000_000,
      submission: {
        ...base,
        email: 'a@b.co',
        category: 'troca',
        reference: 'PED-1',
        priority: 'high',
        document: { type: 'cnpj', value: '11222333000181' },
        custom: { loja: 'Centro' },
      },
    });
    expect(env).toMatchObject({
      idempotencyKey: 'k',
      rawKey: 'f'.repeat(64),
      message: {
        sentAt: 1_700_000_000_000,
        metadata: { form: 'contato' },
        ticketFields: {
          category: 'troca',
          reference: 'PED-1',
          priority: 'high',
          origin: 'site form',
          matchExistingRequest: false,
          customFields: { loja: 'Centro', document: '11222333000181', documentType: 'cnpj' },
        },
      },
    });
  });
});

describe('subjectOf', () => {
  it.each<[Partial<MappedSubmission>, string]>([
    [{ subject: 'Troca de tamanho' }, 'Troca de tamanho'],
    [{ category: 'entrega', reference: 'PED-1' }, 'entrega (PED-1)'],
    [{ category: 'entrega' }, 'entrega'],
    [{}, 'Meu pedido não chegou.'],
    [{ message: `\n\n${'a'.repeat(100)}` }, `${'a'.repeat(79)}…`],
    [{ message: '' }, 'site form'],
  ])('%j -> %s', (over, subject) => {
    expect(subjectOf({ ...base, ...over }, 'site form')).toBe(subject);
  });
});
