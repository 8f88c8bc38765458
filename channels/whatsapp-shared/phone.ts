/**
 * Phone and JID rules shared by the Baileys and Cloud API adapters. Pure.
 *
 * Brazil: mobile numbers gained a ninth digit (9) in 2012–2016, but WhatsApp accounts created
 * before that still answer on the old 12-digit JID (55 + DDD + 8 digits). We never add or remove
 * the 9 by guesswork when sending; for *matching* an inbound sender to a known contact both forms
 * are looked up.
 */

/** Digits only. */
export function digits(value: string): string {
  return value.replace(/\D+/g, '');
}

/** `+5511987654321` from `5511987654321`, `+55 (11) 98765-4321`, a JID … ; undefined when not a plausible number. */
export function toE164(value: string): string | undefined {
  const user = value.includes('@') ? value.slice(0, value.indexOf('@')).split(':')[0]! : value;
  const d = digits(user);
  if (d.length < 8 || d.length > 15) return undefined;
  return `+${d}`;
}

/** Phone JID (`5511987654321@s.whatsapp.net`) for an E.164 number or digits. */
export function phoneToJid(phone: string): string {
  return `${digits(phone)}@s.whatsapp.net`;
}

/** `5511912345678:12@s.whatsapp.net` -> `5511912345678@s.whatsapp.net` (device suffix removed). */
export function normalizeJid(jid: string): string {
  const at = jid.indexOf('@');
  if (at < 0) return jid;
  const user = jid.slice(0, at).split(':')[0]!;
  const server = jid.slice(at + 1);
  return `${user}@${server === 'c.us' ? 's.whatsapp.net' : server}`;
}

export type JidKind = 'user' | 'lid' | 'group' | 'broadcast' | 'status' | 'newsletter' | 'other';

export function jidKind(jid: string): JidKind {
  if (jid === 'status@broadcast') return 'status';
  if (jid.endsWith('@s.whatsapp.net') || jid.endsWith('@c.us')) return 'user';
  if (jid.endsWith('@lid')) return 'lid';
  if (jid.endsWith('@g.us')) return 'group';
  if (jid.endsWith('@broadcast')) return 'broadcast';
  if (jid.endsWith('@newsletter')) return 'newsletter';
  return 'other';
}

/**
 * The other Brazilian form of a mobile number, for lookups only:
 * `+5581987654321` <-> `+558187654321`. Undefined for non-Brazilian or non-mobile numbers.
 */
export function brazilAlternate(e164: string): string | undefined {
  const d = digits(e164);
  if (!d.startsWith('55')) return undefined;
  const ddd = d.slice(2, 4);
  const rest = d.slice(4);
  if (!/^[1-9][1-9]$/.test(ddd)) return undefined;
  if (rest.length === 9 && rest.startsWith('9')) return `+55${ddd}${rest.slice(1)}`;
  // Old 8-digit mobile numbers started with 6–9; landlines (2–5) never got the 9.
  if (rest.length === 8 && /^[6-9]/.test(rest)) return `+55${ddd}9${rest}`;
  return undefined;
}
