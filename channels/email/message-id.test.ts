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
    [
      'a flipped signature digit',
      (id: string) => id.replace(/\.([0-9a-f])([0-9a-f]{19})@/, (_m, a: string, b: string) => `.${a === '0' ? '1' : '0'}${b}@`),
      undefined,
    ],
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
    ["someone else's mailbox", signer.plusAddress('maria@example.com', 10042)],
    ['a plain address', 'support@help.example.com'],
    ['garbage', 'support+hello@help.example.com'],
  ])('rejects %s', (_l, address) => {
    expect(signer.verifyPlusAddress(address, ours)).toBeUndefined();
  });
});

describe('per-agent token in the Message-ID (notifications to an agent)', () => {
  const agent = '01JZ8Q3M5K7V9XW2YB4C6D8E0A';
  const outbox = '01JZ8Q3M5K7V9XW2YB4C6D8E0F';

  it('signs agent and ticket; proves both back, and the ticket alone for threading', () => {
    const id = signer.createForAgent(10001, agent, outbox)!;
    expect(id).toMatch(/^ponte\.10001\.a-01jz8q3m5k7v9xw2yb4c6d8e0a-01jz8q3m5k7v9xw2yb4c6d8e0f\.[0-9a-f]{20}@help\.example\.com$/);
    expect(id.split('@')[0]!.split('.')[2]!.length).toBeLessThanOrEqual(64);
    expect(signer.verifyAgent(id)).toEqual({ agentId: agent.toLowerCase(), ticketNumber: 10001 });
    expect(signer.verifyAgent(`<${id.toUpperCase()}>`)).toEqual({ agentId: agent.toLowerCase(), ticketNumber: 10001 });
    expect(signer.verify(id)).toBe(10001);
    expect(signer.createForAgent(10001, agent, outbox)).toBe(id);
  });

  it.each([
    ['another agent, same signature', (id: string) => id.replace('a-01jz8q3m5k7v9xw2yb4c6d8e0a-', 'a-01jz8q3m5k7v9xw2yb4c6d8e0b-')],
    ['another ticket, same signature', (id: string) => id.replace('ponte.10001.', 'ponte.10002.')],
    [
      'a flipped signature digit',
      (id: string) => id.replace(/\.([0-9a-f])([0-9a-f]{19})@/, (_m, a: string, b: string) => `.${a === '0' ? '1' : '0'}${b}@`),
    ],
    ['signed with another key', () => other.createForAgent(10001, agent, outbox)!],
  ])('a forged or altered token proves nothing: %s', (_label, mutate) => {
    const forged = mutate(signer.createForAgent(10001, agent, outbox)!);
    expect(signer.verifyAgent(forged)).toBeUndefined();
    expect(signer.verify(forged)).toBeUndefined();
  });

  it('a customer Message-ID never proves an agent, even with an agent-shaped nonce', () => {
    expect(signer.verifyAgent(signer.create(10001, outbox))).toBeUndefined();
    const shaped = signer.create(10001, `a-${agent}-${outbox}`);
    expect(signer.verify(shaped)).toBe(10001);
    expect(signer.verifyAgent(shaped)).toBeUndefined();
  });

  it('refuses agent ids that are not 1-40 letters or digits', () => {
    expect(signer.createForAgent(10001, 'ana@x', outbox)).toBeUndefined();
    expect(signer.createForAgent(10001, 'x'.repeat(41), outbox)).toBeUndefined();
    expect(signer.createForAgent(10001, 'Ana1', outbox)).toMatch(/^ponte\.10001\.a-ana1-/);
  });
});

describe('per-agent plus reply-to address', () => {
  const ours = ['support@help.example.com'];
  const agent = '01JZ8Q3M5K7V9XW2YB4C6D8E0A';

  it('round-trips within 64 characters of local part', () => {
    const a = signer.plusAddress('support@help.example.com', 10042, '+', agent);
    expect(a).toMatch(/^support\+10042\.a01jz8q3m5k7v9xw2yb4c6d8e0a\.[0-9a-f]{12}@help\.example\.com$/);
    expect(a.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(signer.verifyAgentPlusAddress(a, ours)).toEqual({ agentId: agent.toLowerCase(), ticketNumber: 10042 });
    expect(signer.verifyAgentPlusAddress(a.toUpperCase(), ours)).toEqual({ agentId: agent.toLowerCase(), ticketNumber: 10042 });
    expect(signer.verifyPlusAddress(a, ours)).toBe(10042);
  });

  it('falls back to the ticket-only form when the local part would pass 64 characters', () => {
    const long = `${'s'.repeat(30)}@help.example.com`;
    const a = signer.plusAddress(long, 10042, '+', agent);
    expect(a).toMatch(/^s{30}\+10042\.[0-9a-f]{12}@/);
    expect(signer.verifyPlusAddress(a, [long])).toBe(10042);
    expect(signer.verifyAgentPlusAddress(a, [long])).toBeUndefined();
  });

  it('works with another separator', () => {
    const a = signer.plusAddress('support@help.example.com', 7, '-', agent);
    expect(signer.verifyAgentPlusAddress(a, ours, '-')).toEqual({ agentId: agent.toLowerCase(), ticketNumber: 7 });
  });

  it.each([
    ['another agent', (a: string) => a.replace('.a01jz8q3m5k7v9xw2yb4c6d8e0a.', '.a01jz8q3m5k7v9xw2yb4c6d8e0b.')],
    ['another ticket', (a: string) => a.replace('+10042.', '+10043.')],
    ['the agent part dropped', (a: string) => a.replace('.a01jz8q3m5k7v9xw2yb4c6d8e0a.', '.')],
    ["someone else's mailbox", (a: string) => a.replace('@help.example.com', '@evil.example')],
    ['a ticket-only plus address', () => signer.plusAddress('support@help.example.com', 10042)],
  ])('rejects %s', (_l, mutate) => {
    expect(signer.verifyAgentPlusAddress(mutate(signer.plusAddress('support@help.example.com', 10042, '+', agent)), ours)).toBeUndefined();
  });
});
