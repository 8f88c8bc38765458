import { brazilAlternate, normalizePhone } from './phone-number.js';

describe('normalizePhone (default country 55)', () => {
  it.each([
    ['(11) 98765-4321', '+5511987654321'],
    ['11987654321', '+5511987654321'],
    ['011 98765-4321', '+5511987654321'], // trunk prefix
    ['0 21 11 98765-4321', '+5511987654321'], // carrier code
    ['+55 11 9 8765-4321', '+5511987654321'],
    ['5511987654321', '+5511987654321'],
    ['(11) 3333-4444', '+551133334444'], // landline
    ['81 8765-4321', '+558187654321'], // pre-ninth-digit mobile kept as typed
    ['+1 415 555 0100', '+14155550100'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('%s -> %s', (input, e164) => {
    expect(normalizePhone(input)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['98765-4321', /area code/],
    ['(10) 98765-4321', /area code/],
    ['(11) 88765-43210', /9 digits starting with 9/],
    ['abc', /digits only/],
    ['+12', /not a valid phone/],
  ])('refuses %s', (input, reason) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(reason);
  });

  it('uses another default calling code for national numbers', () => {
    expect(normalizePhone('0612 345 678', '351')).toEqual({ ok: true, e164: '+351612345678' });
  });
});

describe('brazilAlternate', () => {
  it.each<[string, string | undefined]>([
    ['+5581987654321', '+558187654321'],
    ['+558187654321', '+5581987654321'],
    ['+551133334444', undefined],
    ['+14155550100', undefined],
  ])('%s -> %s', (input, alt) => {
    expect(brazilAlternate(input)).toBe(alt);
  });
});
