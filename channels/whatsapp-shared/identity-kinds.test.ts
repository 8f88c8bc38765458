import { whatsappIdentityKinds } from './identity-kinds.js';

const [jid, lid] = whatsappIdentityKinds;

describe('WhatsApp identity kinds', () => {
  test('a phone JID is checked and stands for its phone', () => {
    expect(jid!.validate(' 5511987654321@s.whatsapp.net ')).toBe('5511987654321@s.whatsapp.net');
    expect(jid!.validate('5511987654321:12@s.whatsapp.net')).toBeUndefined();
    expect(jid!.validate('+5511987654321')).toBeUndefined();
    expect(jid!.phoneOf!('5511987654321@s.whatsapp.net')).toBe('+5511987654321');
    expect(jid!.phoneOf!('ana@example.com')).toBeUndefined();
  });

  test('a LID is checked and names no phone', () => {
    expect(lid!.validate('123456789@lid')).toBe('123456789@lid');
    expect(lid!.validate('123456789@s.whatsapp.net')).toBeUndefined();
    expect(lid!.phoneOf).toBeUndefined();
  });
});
