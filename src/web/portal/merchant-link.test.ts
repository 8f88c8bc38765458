import { signLink, verifySignedLink } from './merchant-link.js';

const SECRET = 'merchant-secret-0123456789abcdef0123';
const NOW = 1_800_000_000_000;
const exp = NOW / 1000 + 600;

function link(over: Record<string, string> = {}) {
  const q = { email: 'maria@cliente.test', phone: '', org: 'acme', exp: String(exp), ...over };
  return { ...q, sig: signLink(SECRET, { email: q.email, phone: q.phone, org: q.org, exp: Number(q.exp) }) };
}

describe('merchant-signed links', () => {
  test('a link signed with the secret is accepted with its claims', () => {
    expect(verifySignedLink(SECRET, link(), NOW, 60)).toEqual({
      ok: true,
      claims: { email: 'maria@cliente.test', phone: '', org: 'acme', exp },
    });
  });
  test('a changed email, organization or expiry breaks the signature', () => {
    for (const field of ['email', 'org', 'exp'] as const) {
      const q = link();
      const tampered = { ...q, [field]: field === 'exp' ? String(exp + 1) : `${q[field]}x` };
      expect(verifySignedLink(SECRET, tampered, NOW, 60)).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });
  test('another secret, an expired link, one too far ahead, or no secret configured are refused', () => {
    expect(verifySignedLink('another-secret-0123456789abcdef0123', link(), NOW, 60)).toMatchObject({ reason: 'bad_signature' });
    expect(verifySignedLink(SECRET, link({ exp: String(NOW / 1000 - 1) }), NOW, 60)).toMatchObject({ reason: 'expired' });
    expect(verifySignedLink(SECRET, link({ exp: String(NOW / 1000 + 3601) }), NOW, 60)).toMatchObject({ reason: 'too_far' });
    expect(verifySignedLink(undefined, link(), NOW, 60)).toMatchObject({ reason: 'not_configured' });
  });
  test('malformed queries are refused before any HMAC', () => {
    expect(verifySignedLink(SECRET, { ...link(), sig: 'zz' }, NOW, 60)).toMatchObject({ reason: 'malformed' });
    expect(verifySignedLink(SECRET, { ...link(), email: ['a', 'b'] }, NOW, 60)).toMatchObject({ reason: 'malformed' });
    expect(verifySignedLink(SECRET, { ...link(), email: '', phone: '' }, NOW, 60)).toMatchObject({ reason: 'malformed' });
  });
});
