/**
 * An agent's uploaded file, before it belongs to a message: the blob is stored, and the agent
 * gets a signed token naming it, the agent who uploaded it and a random token id. A reply that
 * lists the token attaches the file, once: the id is then recorded as used (see
 * upload-redeem.ts), and a token is refused to any other agent. The incident behind the
 * binding: a token could be reused by any agent for 24 h. Tokens expire; the signature is
 * checked in constant time. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UploadClaim {
  /** Random, unique per upload: the single-use key. */
  id: string;
  /** The agent who uploaded the file; nobody else may attach it. */
  agentId: string;
  blobKey: string;
  filename: string;
  /** The media type to store (validated, checked against the bytes for images). */
  contentType: string;
  /** What the uploader declared, when it differs from `contentType`. */
  declaredContentType: string | null;
  size: number;
  /** epoch ms */
  expiresAt: number;
}

export const UPLOAD_TOKEN_RE = /^up_[A-Za-z0-9_-]{20,2000}\.[A-Za-z0-9_-]{43}$/;

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function createUploadToken(key: Buffer, claim: UploadClaim): string {
  const payload = Buffer.from(
    JSON.stringify([
      1,
      claim.id,
      claim.agentId,
      claim.blobKey,
      claim.filename,
      claim.contentType,
      claim.declaredContentType,
      claim.size,
      claim.expiresAt,
    ]),
  ).toString('base64url');
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
  // Version 1 only: a token signed before tokens were bound to an agent is refused (re-upload).
  if (!Array.isArray(parts) || parts.length !== 9 || parts[0] !== 1) return { ok: false, reason: 'malformed' };
  const [, id, agentId, blobKey, filename, contentType, declaredContentType, size, expiresAt] = parts as [
    1,
    string,
    string,
    string,
    string,
    string,
    string | null,
    number,
    number,
  ];
  if (typeof id !== 'string' || typeof agentId !== 'string' || typeof expiresAt !== 'number') return { ok: false, reason: 'malformed' };
  if (now > expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claim: { id, agentId, blobKey, filename, contentType, declaredContentType, size, expiresAt } };
}
