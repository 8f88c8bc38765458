/**
 * A wrong IMAP password against a real Dovecot: the channel goes to `auth_failed` and waits a
 * long interval instead of retrying every few seconds (accounts get locked for that); with
 * `requireTls` a server without STARTTLS never sees the password; `email check` says how the
 * login really travelled.
 */
import { checkEmailChannel } from '../../channels/email/cli.js';
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { emailConfig, FAST_RECONNECT, waitUntil } from '../email/helpers.js';
import { createFakeContext } from '../support/fake-context.js';
import { serviceAvailable } from '../support/services.js';

const dv = dovecotAvailable();
const d = serviceAvailable('dovecot', dv.available, dv.why) ? describe : describe.skip;

d('IMAP authentication failures (Dovecot)', () => {
  let dovecot: TestDovecot;
  beforeAll(async () => {
    dovecot = await startDovecot({ password: 'the-right-password' });
  });
  afterAll(() => dovecot.dispose());

  test('a refused password sets auth_failed and the next attempt waits minutes, not seconds', async () => {
    // Network failures retry within a second here (FAST_RECONNECT); refused credentials must not.
    const definition = createEmailChannelDefinition({ reconnect: FAST_RECONNECT });
    const ctx = createFakeContext('support');
    const rt = definition.create(emailConfig(dovecot, undefined, { imap: { password: 'a-wrong-password' } }), ctx);
    await rt.source!.start();
    try {
      await waitUntil(() => rt.source!.health().state === 'auth_failed', 10_000, 'auth_failed');
      const h = rt.source!.health();
      expect(h.lastError).toMatch(/refused the credentials/);
      expect(h.lastError).not.toContain('a-wrong-password');
      const next = (h.detail!.folders as Record<string, { nextAttemptAt: number }>).INBOX!.nextAttemptAt;
      expect(next - ctx.clock.now()).toBe(5 * 60_000);
      // No retry meanwhile: the state never goes back to connecting.
      for (let i = 0; i < 30; i++) {
        await new Promise((r) => setTimeout(r, 100));
        expect(rt.source!.health().state).toBe('auth_failed');
      }
    } finally {
      ctx.abort();
      await rt.source!.stop();
    }
  });

  test('email check reports the real security of the login, and requireTls keeps the password off a plain connection', async () => {
    const ctx = createFakeContext('support');
    const plain = await checkEmailChannel(emailConfig(dovecot, undefined, { imap: { password: 'the-right-password' } }), ctx);
    expect(plain.lines.join('\n')).toMatch(/WARN {2}IMAP login .* over plain text \(password\)/);
    const strict = await checkEmailChannel(
      emailConfig(dovecot, undefined, { imap: { password: 'the-right-password', requireTls: true } }),
      ctx,
    );
    expect(strict.ok).toBe(false);
    expect(strict.lines.join('\n')).toMatch(/FAIL {2}IMAP login .*STARTTLS required/);
  });
});
