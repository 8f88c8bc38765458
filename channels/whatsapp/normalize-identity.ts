/**
 * Who wrote a 1:1 chat message, from its key: the phone JID when known, else the LID, with the
 * other forms as aliases. Pure; the LID<->phone table is looked up by the caller.
 */
import type { Address } from '../../src/domain/model.js';
import { brazilAlternate, jidKind, normalizeJid, phoneToJid, toE164 } from '../whatsapp-shared/phone.js';
import { str } from './normalize-values.js';
import type { WaKey } from './socket-port.js';

export interface SenderIdentity {
  from: Address;
  fromAliases: Address[];
  lookupAlso: Address[];
  chatJid: string;
  /** A LID<->phone pair this message proved (remoteJidAlt), to remember. */
  learned?: { lid: string; pn: string } | undefined;
}

/**
 * The customer behind a 1:1 chat key. `from` is the phone JID when known (kind `whatsapp`),
 * else the LID (`whatsapp_lid`); the other forms are aliases. A LID-only contact never gets an
 * invented number. Brazilian numbers add the other ninth-digit form as lookup-only.
 */
export function senderIdentity(key: WaKey, lidToPn?: (lid: string) => string | undefined, displayName?: string): SenderIdentity {
  const chatJid = normalizeJid(String(key.remoteJid ?? ''));
  const alt = str(key.remoteJidAlt) ? normalizeJid(String(key.remoteJidAlt)) : undefined;
  const lid = jidKind(chatJid) === 'lid' ? chatJid : alt && jidKind(alt) === 'lid' ? alt : undefined;
  let pn = jidKind(chatJid) === 'user' ? chatJid : alt && jidKind(alt) === 'user' ? alt : undefined;
  const provedByKey = Boolean(pn && lid);
  if (!pn && lid && lidToPn) {
    const mapped = lidToPn(lid);
    if (mapped && jidKind(mapped) === 'user') pn = normalizeJid(mapped);
  }
  const name = displayName ? { displayName: displayName.slice(0, 200) } : {};
  const fromAliases: Address[] = [];
  const lookupAlso: Address[] = [];
  let from: Address;
  if (pn) {
    from = { kind: 'whatsapp', address: pn, ...name };
    if (lid) fromAliases.push({ kind: 'whatsapp_lid', address: lid });
    const e164 = toE164(pn);
    if (e164) {
      fromAliases.push({ kind: 'phone', address: e164 });
      const other = brazilAlternate(e164);
      if (other) lookupAlso.push({ kind: 'phone', address: other }, { kind: 'whatsapp', address: phoneToJid(other) });
    }
  } else {
    from = { kind: 'whatsapp_lid', address: lid ?? chatJid, ...name };
  }
  return { from, fromAliases, lookupAlso, chatJid, learned: provedByKey ? { lid: lid!, pn: pn! } : undefined };
}
