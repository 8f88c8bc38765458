/**
 * CSRF tokens: an HMAC of the session id (signed in) or of a random pre-session cookie (the
 * sign-in form). A cross-site page can neither read the token nor, under SameSite=Lax, send the
 * cookie with a POST, so a forged form fails on both counts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function csrfToken(key: Buffer, binding: string): string {
  return createHmac('sha256', key).update(`csrf:${binding}`).digest('base64url');
}

export function csrfValid(key: Buffer, binding: string | undefined, presented: unknown): boolean {
  if (!binding || typeof presented !== 'string' || presented.length === 0 || presented.length > 100) return false;
  const expected = Buffer.from(csrfToken(key, binding));
  const got = Buffer.from(presented);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
