/**
 * An agent's uploaded file, before it belongs to a message: the blob is stored, and the agent
 * gets a signed token naming it (no table, nothing to clean up). A reply that lists the token
 * attaches the file. Tokens expire; the signature is checked in constant time. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UploadClaim {
  blobKey: string;
  filename: string;
  contentType: string;
  size: number;
  /** epoch ms */
  expiresAt: number;
}

export const UPLOAD_TOKEN_RE = /^up_[A-Za-z0-9_-]{20,2000}\.[A-Za-z0-9_-]{43}$/;

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function createUploadToken(key: Buffer, claim: UploadClaim): string {
  const payload = Buffer.from(JSON.stringify([claim.blobKey, claim.filename, claim.contentType, claim.size, claim.expiresAt])).toString('base64url');
  return `up_${payload}.${sign(key, payload)}`;
}

export type UploadCheck = { ok: true; claim: UploadClaim } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifyUploadToken(key: Buffer, token: string, now: number): UploadCheck {
  if (!UPLOAD_TOKEN_RE.test(token)) return { ok: false, reason: 'malformed' };
  const [payload, signature] = token.slice(3).split('.') as [string, string];
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Array.isArray(parts) || parts.length !== 5) return { ok: false, reason: 'malformed' };
  const [blobKey, filename, contentType, size, expiresAt] = parts as [string, string, string, number, number];
  if (now > expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claim: { blobKey, filename, contentType, size, expiresAt } };
}
