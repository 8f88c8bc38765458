/**
 * Phone numbers typed into a form, to E.164. Pure.
 *
 * People type Brazilian numbers every way: "(11) 98765-4321", "011 98765-4321",
 * "0 21 11 98765-4321" (long-distance carrier code), "+55 11 9 8765-4321", "5511987654321".
 * Numbers without a country code get the form's default calling code (55). We never add or
 * remove the ninth digit: the number is stored as typed; `brazilAlternate` gives the other form
 * for contact lookups only (accounts older than the ninth digit).
 */
export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

const VALID_DDD = /^[1-9][1-9]$/;

export function normalizePhone(input: string, defaultCountryCode = '55'): PhoneResult {
  const trimmed = input.trim();
  if (/[^\d\s().+\-/]/.test(trimmed)) return { ok: false, message: 'a phone number has digits only (and + ( ) - spaces)' };
  const international = trimmed.startsWith('+');
  let d = trimmed.replace(/\D+/g, '');
  if (!international && d.startsWith('00')) return checkInternational(d.slice(2));
  if (international) return checkInternational(d);

  if (defaultCountryCode !== '55') {
    if (d.startsWith('0')) d = d.replace(/^0+/, '');
    return checkInternational(`${defaultCountryCode}${d}`);
  }
  // Brazil, national forms: [0 [carrier]] DDD number
  if (d.length === 13 || d.length === 14) {
    if (d.startsWith('0'))
      d = d.slice(3); // 0 + two-digit carrier code
    else if (d.startsWith('55')) return checkInternational(d);
  } else if ((d.length === 11 || d.length === 12) && d.startsWith('0')) {
    d = d.slice(1);
  } else if (d.length === 12 && d.startsWith('55')) {
    return checkInternational(d);
  }
  if (d.length === 8 || d.length === 9) return { ok: false, message: 'add the area code (DDD), e.g. (11) 98765-4321' };
  return checkInternational(`55${d}`);
}

function checkInternational(d: string): PhoneResult {
  if (d.startsWith('55')) {
    const ddd = d.slice(2, 4);
    const rest = d.slice(4);
    if (!VALID_DDD.test(ddd)) return { ok: false, message: 'not a valid Brazilian area code (DDD)' };
    if (rest.length === 9 && rest.startsWith('9')) return { ok: true, e164: `+${d}` };
    if (rest.length === 8 && /^[2-9]/.test(rest)) return { ok: true, e164: `+${d}` };
    return { ok: false, message: 'a Brazilian number has the DDD and 8 digits (landline) or 9 digits starting with 9 (mobile)' };
  }
  if (d.length < 8 || d.length > 15 || d.startsWith('0'))
    return { ok: false, message: 'not a valid phone number (use +<country code> and the number)' };
  return { ok: true, e164: `+${d}` };
}

/** `+5581987654321` <-> `+558187654321` for lookups; undefined for landlines and other countries. */
export function brazilAlternate(e164: string): string | undefined {
  const m = /^\+55([1-9][1-9])(\d{8,9})$/.exec(e164);
  if (!m) return undefined;
  const [, ddd, rest] = m as unknown as [string, string, string];
  if (rest.length === 9 && rest.startsWith('9')) return `+55${ddd}${rest.slice(1)}`;
  if (rest.length === 8 && /^[6-9]/.test(rest)) return `+55${ddd}9${rest}`;
  return undefined;
}
