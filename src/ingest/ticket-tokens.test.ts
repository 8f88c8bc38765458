import { cleanSubject, compileSubjectToken, numbersInSubject, numbersInText, subjectTokenFor } from './ticket-tokens.js';

describe('ticket tokens', () => {
  const re = compileSubjectToken({ subjectToken: '[#{number}]' });
  test.each([
    ['Re: Pedido atrasado [#10001]', [10001]],
    ['RES: [#10001] e [#10002]', [10001, 10002]],
    ['Pedido 10001 atrasado', []],
    ['#10001 sem colchetes', []],
  ])('subject %s', (subject, expected) => expect(numbersInSubject(subject, re)).toEqual(expected));

  test('custom token format', () => {
    const custom = compileSubjectToken({ subjectToken: '(Chamado {number})' });
    expect(numbersInSubject('Re: ajuda (Chamado 555)', custom)).toEqual([555]);
    expect(subjectTokenFor({ subjectToken: '(Chamado {number})' }, 555)).toBe('(Chamado 555)');
  });

  test.each([
    ['#10001 já chegou?', [10001]],
    ['sobre o pedido #10482, e o chamado #48213', [10482, 48213]],
    ['meu cartão#1234', []],
    ['cor #ff0000', []],
  ])('text %s', (text, expected) => expect(numbersInText(text)).toEqual(expected));

  test('clean subject drops prefixes and our token', () => {
    expect(cleanSubject('RE: Fwd: Re: Pedido atrasado [#10001]', re)).toBe('Pedido atrasado');
  });
});
