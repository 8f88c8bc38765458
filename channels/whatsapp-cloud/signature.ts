/**
 * Webhook authenticity for the WhatsApp Cloud API. Pure.
 *
 * - POST: `X-Hub-Signature-256: sha256=<hex>` is HMAC-SHA256 of the *raw request bytes* with the
 *   app secret. Meta escapes non-ASCII as \uXXXX in the body it signs, so a re-serialized
 *   `JSON.stringify(body)` never verifies: always hash the bytes as received.
 * - GET: Meta's subscription handshake (`hub.mode=subscribe`, `hub.verify_token`,
 *   `hub.challenge`): echo the challenge only when the token matches.
 * Every secret comparison is constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch'; message: string };

const HEADER_RE = /^sha256=([0-9a-f]{64})$/i;

export function signBody(rawBody: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export function verifySignature(rawBody: Uint8Array, header: string | string[] | undefined, appSecret: string): SignatureCheck {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') {
    return { ok: false, reason: 'missing', message: 'missing X-Hub-Signature-256 header' };
  }
  const m = HEADER_RE.exec(value.trim());
  if (!m) {
    return { ok: false, reason: 'malformed', message: 'X-Hub-Signature-256 must be "sha256=" followed by 64 hex digits' };
  }
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  const given = Buffer.from(m[1]!, 'hex');
  // Both are 32 bytes here (the regex fixes the length); the check keeps timingSafeEqual from throwing.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'mismatch', message: 'X-Hub-Signature-256 does not match the body (wrong app secret or altered body)' };
  }
  return { ok: true };
}

/** Constant-time string equality that also hides the length of the secret (both sides hashed first). */
export function secretEquals(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export type HandshakeResult = { status: 200; challenge: string } | { status: 403; message: string } | { status: 400; message: string };

/** Meta sends a numeric challenge; anything we echo stays short and inert. */
const CHALLENGE_RE = /^[A-Za-z0-9_.-]{1,256}$/;

/** `query` is the parsed query string (express gives `hub.mode` etc. as flat keys). */
export function verifyHandshake(query: Record<string, unknown>, verifyToken: string): HandshakeResult {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (typeof mode !== 'string' || typeof token !== 'string' || typeof challenge !== 'string') {
    return { status: 403, message: 'expected hub.mode, hub.verify_token and hub.challenge' };
  }
  const tokenOk = secretEquals(token, verifyToken);
  if (mode !== 'subscribe' || !tokenOk) {
    return { status: 403, message: 'verification refused (mode must be subscribe and the verify token must match)' };
  }
  if (!CHALLENGE_RE.test(challenge)) {
    return { status: 400, message: 'hub.challenge has unexpected characters' };
  }
  return { status: 200, challenge };
}
