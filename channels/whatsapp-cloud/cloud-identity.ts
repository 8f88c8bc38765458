/**
 * Who wrote a Cloud API message. A phone `wa_id` is `{kind:'whatsapp', address:'<wa_id>@s.whatsapp.net'}`
 * with the E.164 phone (and the BSUID when Meta sends one) as aliases, and the Brazilian
 * with/without-9 forms as lookups only. A user known only by BSUID (username, phone hidden) is
 * `{kind:'whatsapp_bsuid'}`; no number is ever invented. Pure.
 */
import { brazilAlternate, toE164 } from '../whatsapp-shared/phone.js';
import { clip, isObj, str, type Json } from './cloud-values.js';

export type CloudAddress = { kind: 'whatsapp' | 'phone' | 'whatsapp_bsuid'; address: string; displayName?: string };
type Address = CloudAddress;

export const WA_ID_RE = /^\d{6,20}$/;
export const BSUID_RE = /^[A-Z]{2}\.[A-Za-z0-9.]{1,200}$/;

export function waIdToJid(waId: string): string {
  return `${waId}@s.whatsapp.net`;
}

export interface CloudIdentity {
  from: Address;
  fromAliases: Address[];
  lookupAlso: Address[];
  waId?: string;
  bsuid?: string;
  username?: string;
  profileName?: string;
}

export function identifySender(message: Json, contacts: Json[]): CloudIdentity | undefined {
  const rawFrom = str(message.from);
  let waId = rawFrom && WA_ID_RE.test(rawFrom) ? rawFrom : undefined;
  let bsuid = str(message.from_user_id) ?? (rawFrom && BSUID_RE.test(rawFrom) ? rawFrom : undefined);
  const contact =
    contacts.find((c) => waId !== undefined && c.wa_id === waId) ??
    contacts.find((c) => bsuid !== undefined && c.user_id === bsuid) ??
    (contacts.length === 1 ? contacts[0] : undefined);
  if (contact) {
    if (!waId && !rawFrom && typeof contact.wa_id === 'string' && WA_ID_RE.test(contact.wa_id)) waId = contact.wa_id;
    if (!bsuid && typeof contact.user_id === 'string' && BSUID_RE.test(contact.user_id)) bsuid = contact.user_id;
  }
  const profile = contact && isObj(contact.profile) ? contact.profile : {};
  const profileName = clip(str(profile.name), 200);
  const username = clip(str(profile.username), 100);
  const displayName = profileName ?? username;
  const named = <T extends Address>(a: T): T => (displayName ? { ...a, displayName } : a);

  if (waId) {
    const e164 = toE164(waId);
    const fromAliases: Address[] = [];
    if (e164) fromAliases.push(named({ kind: 'phone', address: e164 }));
    if (bsuid) fromAliases.push({ kind: 'whatsapp_bsuid', address: bsuid });
    const lookupAlso: Address[] = [];
    const alt = e164 ? brazilAlternate(e164) : undefined;
    if (alt) {
      lookupAlso.push({ kind: 'phone', address: alt }, { kind: 'whatsapp', address: waIdToJid(alt.slice(1)) });
    }
    return {
      from: named({ kind: 'whatsapp', address: waIdToJid(waId) }),
      fromAliases,
      lookupAlso,
      waId,
      ...(bsuid ? { bsuid } : {}),
      ...(username ? { username } : {}),
      ...(profileName ? { profileName } : {}),
    };
  }
  if (bsuid) {
    return {
      from: named({ kind: 'whatsapp_bsuid', address: bsuid }),
      fromAliases: [],
      lookupAlso: [],
      bsuid,
      ...(username ? { username } : {}),
      ...(profileName ? { profileName } : {}),
    };
  }
  return undefined;
}
