import { ccRecipients, fromDisplayName, MAX_CC, referencesHeader, replySubject } from './outbound-mail.js';

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

describe('ccRecipients', () => {
  const ours = ['support@help.test'];
  it('copies participants, never the recipient, our own address or a non-email identity, each once', () => {
    expect(
      ccRecipients(
        [
          { kind: 'email', address: 'joao@customer.test', displayName: 'João' },
          { kind: 'email', address: 'Maria@Customer.test' },
          { kind: 'email', address: 'SUPPORT@help.test' },
          { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
          { kind: 'email', address: 'JOAO@customer.test' },
          { kind: 'email', address: 'ana@customer.test', displayName: 'Ana "x"\r\nBcc: y' },
        ],
        'maria@customer.test',
        ours,
      ),
    ).toEqual([
      { address: 'joao@customer.test', name: 'João' },
      { address: 'ana@customer.test', name: 'Ana  x   Bcc: y' },
    ]);
  });
  it('is empty without participants and bounded with too many', () => {
    expect(ccRecipients(undefined, 'maria@customer.test', ours)).toEqual([]);
    const many = Array.from({ length: MAX_CC + 10 }, (_v, i) => ({ kind: 'email', address: `p${i}@x.test` }));
    expect(ccRecipients(many, 'maria@customer.test', ours)).toHaveLength(MAX_CC);
  });
});
