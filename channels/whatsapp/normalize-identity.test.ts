import { senderIdentity } from './normalize-identity.js';

describe('sender identity', () => {
  test('LID-only sender uses the learned phone when the table knows it', () => {
    const lidKey = { remoteJid: '87123456789012@lid', fromMe: false, id: 'L1' };
    expect(senderIdentity(lidKey).from).toEqual({ kind: 'whatsapp_lid', address: '87123456789012@lid' });
    const mapped = senderIdentity(lidKey, () => '5521998877665@s.whatsapp.net');
    expect(mapped.from).toEqual({ kind: 'whatsapp', address: '5521998877665@s.whatsapp.net' });
    expect(mapped.fromAliases).toEqual([
      { kind: 'whatsapp_lid', address: '87123456789012@lid' },
      { kind: 'phone', address: '+5521998877665' },
    ]);
    expect(mapped.lookupAlso).toEqual([
      { kind: 'phone', address: '+552198877665' },
      { kind: 'whatsapp', address: '552198877665@s.whatsapp.net' },
    ]);
    expect(mapped.learned).toBeUndefined(); // only a key that carries both forms proves a mapping
  });

  test('device suffixes and c.us are normalized', () => {
    expect(senderIdentity({ remoteJid: '5511987654321:3@c.us', id: 'x' }).from.address).toBe('5511987654321@s.whatsapp.net');
  });
});
