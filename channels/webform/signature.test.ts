import { signPayload, verifySignature, type VerifyInput } from './signature.js';

const SECRET = 'a-very-long-shared-secret';
const NOW = Date.UTC(2026, 10, 22, 18, 0, 0);
const TS = Math.floor(NOW / 1000);
const BODY = Buffer.from('{"email":"maria@example.com","message":"Olá"}');

function input(over: Partial<VerifyInput> = {}): VerifyInput {
  return {
    secrets: [SECRET],
    signature: signPayload(SECRET, TS, BODY),
    timestamp: String(TS),
    rawBody: BODY,
    nowMs: NOW,
    toleranceSeconds: 300,
    ...over,
  };
}

describe('verifySignature', () => {
  it('accepts the signature of the exact bytes within the window', () => {
    const r = verifySignature(input());
    expect(r.ok).toBe(true);
  });

  it.each<[string, Partial<VerifyInput>, string]>([
    ['no signature header', { signature: undefined }, 'missing_signature'],
    ['no timestamp header', { timestamp: undefined }, 'missing_timestamp'],
    ['timestamp not digits', { timestamp: '2026-11-22T18:00:00Z' }, 'malformed_timestamp'],
    ['signature without scheme', { signature: 'abc' }, 'malformed_signature'],
    ['signature of wrong length', { signature: 'sha256=abcd' }, 'malformed_signature'],
    ['one byte of the body changed', { rawBody: Buffer.from('{"email":"maria@example.com","message":"Olb"}') }, 'bad_signature'],
    ['signed with another secret', { signature: signPayload('another-secret-of-16+', TS, BODY) }, 'bad_signature'],
    ['timestamp changed after signing', { timestamp: String(TS + 1) }, 'bad_signature'],
    ['signed 301 s ago', { timestamp: String(TS - 301), signature: signPayload(SECRET, TS - 301, BODY) }, 'stale_timestamp'],
    ['signed 301 s in the future', { timestamp: String(TS + 301), signature: signPayload(SECRET, TS + 301, BODY) }, 'stale_timestamp'],
  ])('%s -> %s', (_name, over, reason) => {
    const r = verifySignature(input(over));
    expect(r).toMatchObject({ ok: false, reason });
  });

  it('accepts the edges of the window (±300 s)', () => {
    for (const ts of [TS - 300, TS + 300]) {
      expect(verifySignature(input({ timestamp: String(ts), signature: signPayload(SECRET, ts, BODY) })).ok).toBe(true);
    }
  });

  it('hints at milliseconds when the sender used Date.now()', () => {
    const r = verifySignature(input({ timestamp: String(NOW), signature: signPayload(SECRET, NOW, BODY) }));
    expect(r).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(!r.ok && r.message).toMatch(/milliseconds/);
  });

  it('accepts the previous secret while rotating, and several signatures in one header', () => {
    const old = 'the-previous-secret-value';
    expect(verifySignature(input({ secrets: [SECRET, old], signature: signPayload(old, TS, BODY) })).ok).toBe(true);
    const both = `${signPayload('unknown-secret-xxxxxxxx', TS, BODY)}, ${signPayload(SECRET, TS, BODY)}`;
    expect(verifySignature(input({ signature: both })).ok).toBe(true);
  });

  it('accepts upper-case hex', () => {
    const sig = signPayload(SECRET, TS, BODY)
      .replace(/[a-f]/g, (c) => c.toUpperCase())
      .replace('SHA256', 'sha256');
    expect(verifySignature(input({ signature: sig })).ok).toBe(true);
  });

  it('gives an exact replay the same replay key, and a new submission another', () => {
    const a = verifySignature(input());
    const b = verifySignature(input());
    const other = Buffer.from('{"email":"maria@example.com","message":"Olá de novo"}');
    const c = verifySignature(input({ rawBody: other, signature: signPayload(SECRET, TS, other) }));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(a.replayKey).toBe(b.replayKey);
      expect(c.replayKey).not.toBe(a.replayKey);
    }
  });

  it('never echoes the secret or the expected signature in a failure message', () => {
    const r = verifySignature(input({ rawBody: Buffer.from('x') }));
    const expected = signPayload(SECRET, TS, Buffer.from('x'));
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain(expected.slice(7));
  });
});
