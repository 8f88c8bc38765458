import { createAutomaticMailCap, fromDisplayName, referencesHeader, replySubject } from './outbound-mail.js';

describe('replySubject', () => {
  it.each([
    ['Pedido 4411 não chegou', '[#10001]', 'Re: Pedido 4411 não chegou [#10001]'],
    ['Re: Pedido 4411 não chegou', '[#10001]', 'Re: Pedido 4411 não chegou [#10001]'],
    ['RE: Re: Res: Pedido [#10001]', '[#10001]', 'Re: Pedido [#10001]'],
    ['[#10001] Pedido', '[#10001]', 'Re: Pedido [#10001]'],
    ['Fwd: AW: Rechnung', '[#7]', 'Re: Rechnung [#7]'],
    ['', '[#10001]', 'Re: [#10001]'],
    ['Refund please', '[#10001]', 'Re: Refund please [#10001]'],
    ['Resumo do pedido', '[#3]', 'Re: Resumo do pedido [#3]'],
    ['  many   spaces  ', '', 'Re: many spaces'],
  ])('%j + %s -> %j', (subject, token, expected) => {
    expect(replySubject(subject, token)).toBe(expected);
  });
});

describe('referencesHeader', () => {
  it('orders oldest first and ends with the message answered', () => {
    expect(referencesHeader('<c@x>', ['<c@x>', '<b@x>', '<a@x>'])).toEqual(['<a@x>', '<b@x>', '<c@x>']);
    expect(referencesHeader('<d@x>', ['<b@x>', '<a@x>'])).toEqual(['<a@x>', '<b@x>', '<d@x>']);
    expect(referencesHeader(undefined, [])).toEqual([]);
  });
  it('keeps the root and the newest ten of a long chain', () => {
    const ids = Array.from({ length: 40 }, (_v, i) => `<m${i}@x>`); // m0 oldest
    const out = referencesHeader('<m39@x>', [...ids].reverse());
    expect(out).toHaveLength(11);
    expect(out[0]).toBe('<m0@x>');
    expect(out.slice(1)).toEqual(ids.slice(30));
  });
  it('drops duplicates and blanks', () => {
    expect(referencesHeader('<b@x>', ['<b@x>', ' ', '<a@x>', '<a@x>'])).toEqual(['<a@x>', '<b@x>']);
  });
});

describe('fromDisplayName', () => {
  it.each([
    ['Support', 'Ana', false, 'Ana via Support'],
    ['Support', 'Ana', true, 'Support'],
    ['Support', undefined, false, 'Support'],
    ['Support', 'Evil"\r\nBcc: x', false, 'Evil   Bcc: x via Support'],
  ])('%s / %s / automatic=%s', (display, author, automatic, expected) => {
    expect(fromDisplayName(display, author, automatic)).toBe(expected);
  });
});

describe('automatic mail cap', () => {
  it('allows N per hour per address, then refuses until the hour slides', () => {
    const cap = createAutomaticMailCap(2);
    const t = 1_000_000;
    expect(cap.take('Maria@Example.com', t)).toBe(true);
    expect(cap.take('maria@example.com', t + 1)).toBe(true);
    expect(cap.take('maria@example.com', t + 2)).toBe(false);
    expect(cap.take('joao@example.com', t + 3)).toBe(true);
    expect(cap.take('maria@example.com', t + 3_600_001)).toBe(true);
  });
  it('0 disables the cap', () => {
    const cap = createAutomaticMailCap(0);
    for (let i = 0; i < 50; i++) expect(cap.take('a@b.c', i)).toBe(true);
  });
});
