import { APP_SECRET, loadCloudFixture, webhookFixtureNames, type WebhookFixture } from '../../test/whatsapp/cloud-fixtures.js';
import { secretEquals, signBody, verifyHandshake, verifySignature } from './signature.js';

describe('X-Hub-Signature-256 over the raw bytes', () => {
  const names = webhookFixtureNames();

  it('covers every signed webhook fixture', () => {
    expect(names.length).toBeGreaterThanOrEqual(26);
  });

  it.each(names)('%s', (name) => {
    const f = loadCloudFixture<WebhookFixture>(name);
    const raw = Buffer.from(f.request.rawBody, 'utf8');
    const result = verifySignature(raw, f.request.headers['x-hub-signature-256'], APP_SECRET);
    if (name === 'cloud-text-bad-signature') {
      expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
    } else {
      expect(result).toEqual({ ok: true });
      // A re-serialization of the parsed body is not what Meta signed (non-ASCII was escaped).
      const reserialized = Buffer.from(JSON.stringify(f.body), 'utf8');
      if (!reserialized.equals(raw)) {
        expect(verifySignature(reserialized, f.request.headers['x-hub-signature-256'], APP_SECRET).ok).toBe(false);
      }
    }
  });

  const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
  const good = signBody(raw, APP_SECRET);
  it.each([
    ['missing header', undefined, 'missing'],
    ['empty header', '', 'missing'],
    ['no sha256= prefix', good.slice(7), 'malformed'],
    ['sha1 header form', `sha1=${'a'.repeat(40)}`, 'malformed'],
    ['too short digest', good.slice(0, -2), 'malformed'],
    ['non-hex digest', `sha256=${'z'.repeat(64)}`, 'malformed'],
    ['other secret', signBody(raw, 'another-secret'), 'mismatch'],
    ['one byte changed in the body', signBody(Buffer.from(raw.toString().replace('entry', 'entrY')), APP_SECRET), 'mismatch'],
  ])('rejects %s', (_label, header, reason) => {
    expect(verifySignature(raw, header, APP_SECRET)).toMatchObject({ ok: false, reason });
  });

  it('accepts an upper-case hex digest and the first of repeated headers', () => {
    expect(verifySignature(raw, `sha256=${good.slice(7).toUpperCase()}`, APP_SECRET).ok).toBe(true);
    expect(verifySignature(raw, [good, 'sha256=00'], APP_SECRET).ok).toBe(true);
  });

  it('never puts the secret in the rejection message', () => {
    const r = verifySignature(raw, signBody(raw, 'x'), APP_SECRET);
    expect(JSON.stringify(r)).not.toContain(APP_SECRET);
  });
});

describe('GET verification handshake (cloud-verify-get.json)', () => {
  const f = loadCloudFixture<{
    config: { verifyToken: string };
    cases: Array<{ request: { query: Record<string, string> }; expect: { status: number; body?: string } }>;
  }>('cloud-verify-get');

  it.each(f.cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const result = verifyHandshake(c.request.query, f.config.verifyToken);
    expect(result.status).toBe(c.expect.status);
    if (c.expect.body !== undefined) expect(result).toEqual({ status: 200, challenge: c.expect.body });
  });

  it.each([
    ['no query at all', {}, 403],
    ['token of a different length', { 'hub.mode': 'subscribe', 'hub.verify_token': 'a', 'hub.challenge': '1' }, 403],
    ['token as an array', { 'hub.mode': 'subscribe', 'hub.verify_token': [f.config.verifyToken], 'hub.challenge': '1' }, 403],
    ['challenge with markup', { 'hub.mode': 'subscribe', 'hub.verify_token': f.config.verifyToken, 'hub.challenge': '<script>' }, 400],
  ])('refuses %s', (_label, query, status) => {
    expect(verifyHandshake(query as Record<string, unknown>, f.config.verifyToken).status).toBe(status);
  });

  it('compares secrets of any length without throwing', () => {
    expect(secretEquals('abc', 'abc')).toBe(true);
    expect(secretEquals('abc', 'abcd')).toBe(false);
    expect(secretEquals('', 'abcd')).toBe(false);
  });
});
