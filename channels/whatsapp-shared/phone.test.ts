import { brazilAlternate, jidKind, normalizeJid, toE164 } from './phone.js';

describe('phone rules', () => {
  test.each([
    ['+5581987654321', '+558187654321'],
    ['+558187654321', '+5581987654321'],
    ['+551132654321', undefined], // São Paulo landline: never a ninth digit
    ['+5491155554444', undefined], // Argentina
  ])('brazilAlternate(%s) = %s', (input, expected) => {
    expect(brazilAlternate(input)).toBe(expected);
  });

  test('JIDs', () => {
    expect(normalizeJid('5511912345678:12@s.whatsapp.net')).toBe('5511912345678@s.whatsapp.net');
    expect(toE164('5511987654321@s.whatsapp.net')).toBe('+5511987654321');
    expect(toE164('+55 (11) 98765-4321')).toBe('+5511987654321');
    expect(jidKind('120363025246125888@g.us')).toBe('group');
    expect(jidKind('status@broadcast')).toBe('status');
    expect(jidKind('203948571620394@lid')).toBe('lid');
  });
});
