/**
 * Signed webhooks (server-to-server forms). Pure.
 *
 * The sender computes `sha256=<hex>` = HMAC-SHA256(secret, `<timestamp>.<raw body>`) and sends
 * it with the timestamp (unix seconds). The headers are checked first (shape, then the clock:
 * a stale timestamp is refused before a single body byte is read), then the body streams
 * through the HMAC (`createSignatureVerifier`) and is compared in constant time. Nothing of an
 * unauthenticated body is kept in memory beyond a small limit (see signed-body.ts): a forged
 * 24 MB post once cost 24 MB of RAM each.
 *
 * Replay window: a request is accepted only within ±tolerance of its timestamp. Inside that
 * window an exact replay (same timestamp, same body) is not a new submission: the router
 * derives the message's external id from the verified signature and timestamp (`replayKey`),
 * so the core answers `duplicate` with the first ticket, in every process, whatever
 * Idempotency-Key the replay carries (that header is not signed).
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
  const clock = checkTimestamp(headers.ts, input.nowMs, input.toleranceSeconds);
  if (!clock.ok) return clock;
  const verifier = createSignatureVerifier(input.secrets, headers.ts);
  verifier.update(input.rawBody);
  const r = verifier.verify(headers.provided);
  return r.ok ? { ok: true, timestampSeconds: clock.seconds, replayKey: r.replayKey } : r;
}

/** The clock check, done before the body is read (the timestamp is a header). */
export function checkTimestamp(
  ts: string,
  nowMs: number,
  toleranceSeconds: number,
): { ok: true; seconds: number } | { ok: false; reason: SignatureFailure; message: string } {
  const seconds = Number(ts);
  const skewSeconds = Math.abs(nowMs / 1000 - seconds);
  if (skewSeconds > toleranceSeconds) {
    const hint = seconds > 1e11 ? ' (it looks like milliseconds; send seconds)' : '';
    return fail('stale_timestamp', `the timestamp is outside the accepted window of ±${toleranceSeconds} s${hint}`);
  }
  return { ok: true, seconds };
}

export interface SignatureVerifier {
  /** Feed the body as it arrives. */
  update(chunk: Buffer): void;
  /** After the last byte: does any provided signature match a secret? */
  verify(provided: readonly Buffer[]): { ok: true; replayKey: string } | { ok: false; reason: SignatureFailure; message: string };
}

/** HMAC over `<timestamp>.<body>` computed incrementally, one per secret (current, previous). */
export function createSignatureVerifier(secrets: readonly string[], ts: string): SignatureVerifier {
  const macs = secrets.map((secret) => createHmac('sha256', secret).update(`${ts}.`));
  let done = false;
  return {
    update(chunk) {
      if (!done) for (const mac of macs) mac.update(chunk);
    },
    verify(provided) {
      done = true;
      let matched: Buffer | undefined;
      for (const mac of macs) {
        const expected = mac.digest();
        for (const candidate of provided) {
          // Both are 32 bytes (checked by the pattern), so timingSafeEqual never throws here.
          if (timingSafeEqual(expected, candidate) && !matched) matched = expected;
        }
      }
      if (!matched) return fail('bad_signature', 'the signature does not match the body');
      // From the verified MAC (not the header text, which may carry extra junk signatures).
      const replayKey = createHash('sha256').update(`ponte-webform-replay:${ts}:`).update(matched).digest('hex');
      return { ok: true, replayKey };
    },
  };
}

function fail(reason: SignatureFailure, message: string): { ok: false; reason: SignatureFailure; message: string } {
  return { ok: false, reason, message };
}
