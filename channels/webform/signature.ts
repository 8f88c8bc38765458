/**
 * Signed webhooks (server-to-server forms). Pure.
 *
 * The sender computes `sha256=<hex>` = HMAC-SHA256(secret, `<timestamp>.<raw body>`) and sends
 * it with the timestamp (unix seconds). We recompute over the exact bytes received, compare in
 * constant time, and only then look at the clock: a stale answer is given only to someone who
 * holds the secret.
 *
 * Replay window: a request is accepted only within ±tolerance of its timestamp. Inside that
 * window an exact replay (same timestamp, same body, same signature) is not a new submission:
 * the router derives the message's external id from the signature (`replayKey`), so the core
 * answers `duplicate` with the first ticket, in every process, instead of opening a second one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function signPayload(secret: string, timestampSeconds: number | string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

export type SignatureFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'bad_signature'
  | 'stale_timestamp';

export type SignatureResult =
  | { ok: true; timestampSeconds: number; replayKey: string }
  | { ok: false; reason: SignatureFailure; message: string };

export interface VerifyInput {
  /** Current secret first; a previous one while rotating. */
  secrets: readonly string[];
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer;
  nowMs: number;
  toleranceSeconds: number;
}

const SIG_RE = /^sha256=([0-9a-f]{64})$/i;
const TS_RE = /^\d{1,13}$/;

type HeaderCheck = { ok: true; ts: string; provided: Buffer[] } | { ok: false; reason: SignatureFailure; message: string };

/** Header shape only, before any body is read: a request that cannot be signed is refused without buffering it. */
export function checkSignatureHeaders(signature: string | undefined, timestamp: string | undefined): HeaderCheck {
  if (!signature) return fail('missing_signature', 'the signature header is missing');
  if (!timestamp) return fail('missing_timestamp', 'the timestamp header is missing');
  const ts = timestamp.trim();
  if (!TS_RE.test(ts)) return fail('malformed_timestamp', 'the timestamp must be unix seconds (digits only)');
  // One header may carry several signatures while the sender rotates secrets: "sha256=a, sha256=b".
  const provided: Buffer[] = [];
  for (const part of signature.split(',').slice(0, 4)) {
    const m = SIG_RE.exec(part.trim());
    if (m) provided.push(Buffer.from(m[1]!, 'hex'));
  }
  if (provided.length === 0) return fail('malformed_signature', 'the signature must look like sha256=<64 hex digits>');
  return { ok: true, ts, provided };
}

export function verifySignature(input: VerifyInput): SignatureResult {
  const headers = checkSignatureHeaders(input.signature, input.timestamp);
  if (!headers.ok) return headers;
  const { ts, provided } = headers;

  let matched = false;
  for (const secret of input.secrets) {
    const expected = createHmac('sha256', secret).update(`${ts}.`).update(input.rawBody).digest();
    for (const candidate of provided) {
      // Both are 32 bytes (checked by the pattern), so timingSafeEqual never throws here.
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  if (!matched) return fail('bad_signature', 'the signature does not match the body');

  const seconds = Number(ts);
  const skewSeconds = Math.abs(input.nowMs / 1000 - seconds);
  if (skewSeconds > input.toleranceSeconds) {
    const hint = seconds > 1e11 ? ' (it looks like milliseconds; send seconds)' : '';
    return fail('stale_timestamp', `the timestamp is outside the accepted window of ±${input.toleranceSeconds} s${hint}`);
  }
  const replayKey = createHash('sha256').update(`${ts}.`).update(input.rawBody).digest('hex');
  return { ok: true, timestampSeconds: seconds, replayKey };
}

function fail(reason: SignatureFailure, message: string): { ok: false; reason: SignatureFailure; message: string } {
  return { ok: false, reason, message };
}
