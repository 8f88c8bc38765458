import { hashPassword, passwordProblem, verifyPassword } from './password-hash.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  test('the right password verifies, a wrong one does not; each hash has its own salt', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });
  test('a composed and a decomposed accent are the same password', async () => {
    const h = await hashPassword('senha-s\u00e9gura-123', FAST);
    expect(await verifyPassword('senha-se\u0301gura-123', h)).toBe(true);
  });
  test('malformed or tampered stored hashes never verify (and never throw)', async () => {
    const h = await hashPassword('another long one', FAST);
    for (const bad of [
      '',
      'scrypt$1$2',
      h.replace('scrypt', 'bcrypt'),
      h.slice(0, -4),
      h.replace('$1024$', '$99999999$'),
      h.replace('$8$', '$x$'),
    ]) {
      expect(await verifyPassword('another long one', bad)).toBe(false);
    }
  });
  test('length rules', () => {
    expect(passwordProblem('short')).toBe('too_short');
    expect(passwordProblem('x'.repeat(300))).toBe('too_long');
    expect(passwordProblem('long enough pass')).toBeUndefined();
  });
});
