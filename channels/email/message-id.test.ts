import { createHmac } from 'node:crypto';
import { createMessageIdSigner } from './message-id.js';

const key = createHmac('sha256', 'server-secret').update('email-message-id').digest();
const signer = createMessageIdSigner(key, 'Help.Example.com');
const other = createMessageIdSigner(createHmac('sha256', 'other').update('x').digest(), 'help.example.com');

describe('our signed Message-ID', () => {
  it('embeds the ticket number and proves it back', () => {
    const id = signer.create(10001, '01JZ8Q3M5K7V9XW2YB4C6D8E0F');
    expect(id).toMatch(/^ponte\.10001\.01jz8q3m5k7v9xw2yb4c6d8e0f\.[0-9a-f]{20}@help\.example\.com$/);
    expect(signer.verify(id)).toBe(10001);
  });

  it('is deterministic for the same nonce (retries reuse the id) and random without one', () => {
    expect(signer.create(7, 'abc')).toBe(signer.create(7, 'abc'));
    expect(signer.create(7)).not.toBe(signer.create(7));
    expect(signer.verify(signer.create(7))).toBe(7);
  });

  it.each([
    ['with angle brackets (as in a header)', (id: string) => `<${id}>`, 10001],
    ['upper-cased by a client', (id: string) => id.toUpperCase(), 10001],
    ['with surrounding spaces', (id: string) => `  ${id} `, 10001],
    ['another ticket number, same signature', (id: string) => id.replace('ponte.10001.', 'ponte.10002.'), undefined],
    ['another nonce', (id: string) => id.replace('.abc.', '.abd.'), undefined],
    ['a flipped signature digit', (id: string) => id.replace(/\.([0-9a-f])([0-9a-f]{19})@/, (_m, a: string, b: string) => `.${a === '0' ? '1' : '0'}${b}@`), undefined],
    ['a truncated signature', (id: string) => id.replace(/[0-9a-f]{4}@/, '@'), undefined],
    ['not ours at all', () => '<CAH+abc123@mail.gmail.com>', undefined],
    ['empty', () => '', undefined],
  ])('verify: %s', (_label, mutate, expected) => {
    expect(signer.verify(mutate(signer.create(10001, 'abc')))).toBe(expected);
  });

  it('rejects an id signed with another key', () => {
    expect(signer.verify(other.create(10001, 'abc'))).toBeUndefined();
  });

  it('refuses to make an id for a non-positive ticket number', () => {
    expect(() => signer.create(0)).toThrow(/invalid ticket number/);
  });
});

describe('plus reply-to address', () => {
  const ours = ['support@help.example.com', 'vendas@help.example.com'];
  it('round-trips', () => {
    const a = signer.plusAddress('support@help.example.com', 10042);
    expect(a).toMatch(/^support\+10042\.[0-9a-f]{12}@help\.example\.com$/);
    expect(signer.verifyPlusAddress(a, ours)).toBe(10042);
    expect(signer.verifyPlusAddress(a.toUpperCase(), ours)).toBe(10042);
  });
  it.each([
    ['a forged number', 'support+10043.000000000000@help.example.com'],
    ['someone else\'s mailbox', signer.plusAddress('maria@example.com', 10042)],
    ['a plain address', 'support@help.example.com'],
    ['garbage', 'support+hello@help.example.com'],
  ])('rejects %s', (_l, address) => {
    expect(signer.verifyPlusAddress(address, ours)).toBeUndefined();
  });
});
