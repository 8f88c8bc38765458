/**
 * Merchant-signed links: the shop's backend, where the shopper is already signed in, sends them
 * straight to their requests with
 *   <portal>/signed?email=…&phone=…&org=…&exp=<unix seconds>&sig=<hex>
 * where sig = HMAC-SHA256(secret, "ponte-portal-v1\n" + email + "\n" + phone + "\n" + org + "\n" + exp)
 * (empty strings for absent values; email lower-cased, phone as the shop stores it: we normalize
 * after checking). Pure: the route adds the replay guard and the session.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedLinkClaims {
  email: string;
  phone: string;
  org: string;
  exp: number;
}

export function signingPayload(c: SignedLinkClaims): string {
  return `ponte-portal-v1\n${c.email}\n${c.phone}\n${c.org}\n${c.exp}`;
}

export function signLink(secret: string, c: SignedLinkClaims): string {
  return createHmac('sha256', secret).update(signingPayload(c)).digest('hex');
}

export type SignedLinkCheck =
  | { ok: true; claims: SignedLinkClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'too_far' | 'not_configured' };

const str = (v: unknown, max: number): string | undefined =>
  v === undefined ? '' : typeof v === 'string' && v.length <= max ? v : undefined;

/** Checks a link's query: signature first (constant time), then expiry (not past, not too far ahead). */
export function verifySignedLink(
  secret: string | undefined,
  query: Record<string, unknown>,
  nowMs: number,
  maxMinutes: number,
): SignedLinkCheck {
  if (!secret) return { ok: false, reason: 'not_configured' };
  const email = str(query.email, 320);
  const phone = str(query.phone, 40);
  const org = str(query.org, 200);
  const expText = str(query.exp, 12);
  const sig = str(query.sig, 64);
  if (
    email === undefined ||
    phone === undefined ||
    org === undefined ||
    !expText ||
    !/^\d{1,12}$/.test(expText) ||
    !sig ||
    !/^[0-9a-f]{64}$/i.test(sig)
  )
    return { ok: false, reason: 'malformed' };
  if (!email && !phone) return { ok: false, reason: 'malformed' };
  const claims = { email: email.trim().toLowerCase(), phone: phone.trim(), org: org.trim(), exp: Number(expText) };
  const expected = Buffer.from(signLink(secret, { email, phone, org, exp: claims.exp }), 'hex');
  const got = Buffer.from(sig, 'hex');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: 'bad_signature' };
  const nowS = Math.floor(nowMs / 1000);
  if (claims.exp <= nowS) return { ok: false, reason: 'expired' };
  if (claims.exp > nowS + maxMinutes * 60) return { ok: false, reason: 'too_far' };
  return { ok: true, claims };
}
