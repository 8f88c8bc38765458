/**
 * The identity kinds WhatsApp owns, declared by both WhatsApp channel definitions so the core
 * never parses a JID: a phone JID (`5511987654321@s.whatsapp.net`, which stands for the phone
 * +5511987654321) and a LID (`123456789@lid`, WhatsApp's privacy id, which names no phone).
 */
import type { IdentityKindDescription } from '../../src/channel/contract.js';

const PHONE_JID = /^(\d{6,15})@s\.whatsapp\.net$/;

export const whatsappIdentityKinds: readonly IdentityKindDescription[] = [
  {
    kind: 'whatsapp',
    hint: 'a WhatsApp JID like 5511987654321@s.whatsapp.net',
    validate: (address) => {
      const a = address.trim();
      return /^\d{8,15}@s\.whatsapp\.net$/.test(a) ? a : undefined;
    },
    phoneOf: (address) => {
      const jid = PHONE_JID.exec(address);
      return jid ? `+${jid[1]}` : undefined;
    },
  },
  {
    kind: 'whatsapp_lid',
    hint: 'a WhatsApp LID like 123456789@lid',
    validate: (address) => {
      const a = address.trim();
      return /^\d{1,24}@lid$/.test(a) ? a : undefined;
    },
  },
];
