import { whatsappIdentityKinds } from '../../channels/whatsapp-shared/identity-kinds.js';
import type { ChannelDefinition } from './contract.js';
import { identityLookups } from './directory.js';

const jidAlias = (e164: string) => [{ kind: 'whatsapp' as const, address: `${e164.slice(1)}@s.whatsapp.net` }];
const wa = { kind: 'whatsapp', identityKinds: whatsappIdentityKinds, phoneAliases: jidAlias } as unknown as ChannelDefinition;
const cloud = { kind: 'whatsapp-cloud', identityKinds: whatsappIdentityKinds, phoneAliases: jidAlias } as unknown as ChannelDefinition;
const mail = { kind: 'email' } as unknown as ChannelDefinition;

describe('identity kinds through the channel directory', () => {
  test('the core asks the definitions: a JID is checked by WhatsApp and read as its phone', () => {
    const d = identityLookups([mail, wa, cloud]);
    expect(d.identityKind('whatsapp')?.validate('5511987654321@s.whatsapp.net')).toBe('5511987654321@s.whatsapp.net');
    expect(d.identityKind('whatsapp_lid')?.validate('nope')).toBeUndefined();
    expect(d.identityKind('email')).toBeUndefined();
    expect(d.phoneOf('5511987654321@s.whatsapp.net')).toBe('+5511987654321');
    expect(d.phoneOf('203948571620394@lid')).toBeUndefined();
    // Two WhatsApp kinds know the phone by the same JID: one alias.
    expect(d.phoneAliases('+5511987654321')).toEqual([{ kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' }]);
  });

  test('without a WhatsApp kind the core knows no JID', () => {
    const d = identityLookups([mail]);
    expect(d.identityKind('whatsapp')).toBeUndefined();
    expect(d.phoneOf('5511987654321@s.whatsapp.net')).toBeUndefined();
    expect(d.phoneAliases('+5511987654321')).toEqual([]);
  });
});
