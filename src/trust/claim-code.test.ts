import { codeMatches, codesIn, hashClaimCode, newClaimCode } from './claim-code.js';

describe('claim codes', () => {
  test('six digits, found in a reply however it was typed', () => {
    expect(newClaimCode()).toMatch(/^\d{6}$/);
    expect(codesIn('123456')).toEqual(['123456']);
    expect(codesIn('o código é 123 456, obrigado')).toEqual(['123456']);
    expect(codesIn('Código: 123-456')).toEqual(['123456']);
    expect(codesIn('pedido 1234567')).toEqual([]);
    expect(codesIn('x'.repeat(600) + '123456')).toEqual([]);
  });

  test('only the code sent for that claim matches', () => {
    const h = hashClaimCode('claimA', '042137');
    expect(codeMatches('claimA', h, ['999999', '042137'])).toBe(true);
    expect(codeMatches('claimB', h, ['042137'])).toBe(false);
    expect(codeMatches('claimA', h, ['042138'])).toBe(false);
  });
});
