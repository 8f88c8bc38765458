import { createHmac } from 'node:crypto';
import { createMessageIdSigner } from './message-id.js';
import { emailSenderProof, mergeVerdicts, type EmailProofInput } from './sender-proof.js';

const signer = createMessageIdSigner(createHmac('sha256', 's').update('email-message-id').digest(), 'help.test');
const ANA = '01jz8q3m5k7v9xw2yb4c6d8e0a';
const notification = signer.createForAgent(10001, ANA, '01jz8q3m5k7v9xw2yb4c6d8e0f')!;
const PASS = 'mx.google.com; dkim=pass header.d=loja.example; dmarc=pass header.from=loja.example';
const SPOOF = 'mx.google.com; spf=fail smtp.mailfrom=ana@loja.example; dmarc=fail (p=REJECT) header.from=loja.example';

function input(overrides: Partial<EmailProofInput> = {}): EmailProofInput {
  return {
    from: 'ana@loja.example',
    references: [notification],
    recipients: ['support@help.test'],
    authenticationResults: [],
    trustedAuthservIds: ['mx.google.com'],
    verifier: { messageId: (id) => signer.verifyAgent(id), address: (a) => signer.verifyAgentPlusAddress(a, ['support@help.test']) },
    ...overrides,
  };
}

describe('emailSenderProof', () => {
  it.each([
    [
      'a reply to her notification, server says DMARC pass',
      input({ authenticationResults: [PASS] }),
      { level: 'authenticated', agentToken: { agentId: ANA, ticketNumber: 10001 } },
    ],
    [
      'a reply to her notification, no Authentication-Results',
      input(),
      { level: 'none', agentToken: { agentId: ANA, ticketNumber: 10001 } },
    ],
    [
      'a token, but the trusted server reports a DMARC failure for the From domain',
      input({ authenticationResults: [SPOOF] }),
      {
        level: 'none',
        authFailure: 'dmarc=fail header.from=loja.example (reported by mx.google.com)',
        agentToken: { agentId: ANA, ticketNumber: 10001 },
      },
    ],
    ['a forged From with [#N] and no token', input({ references: ['x@evil.example'] }), { level: 'none' }],
    [
      'an untrusted header claiming a pass proves nothing',
      input({ references: [], authenticationResults: ['evil.example; dmarc=pass header.from=loja.example'] }),
      { level: 'none' },
    ],
    [
      "our own check failing while the server's header passed: the failure wins",
      input({
        authenticationResults: [PASS],
        checked: { results: [{ method: 'dmarc', result: 'fail', props: { 'header.from': 'loja.example' } }] },
      }),
      {
        level: 'none',
        authFailure: 'dmarc=fail header.from=loja.example (checked by Ponte)',
        agentToken: { agentId: ANA, ticketNumber: 10001 },
      },
    ],
    [
      'our own check passing, no header',
      input({ checked: { results: [{ method: 'dkim', result: 'pass', props: { 'header.d': 'loja.example' } }] } }),
      { level: 'authenticated', agentToken: { agentId: ANA, ticketNumber: 10001 } },
    ],
  ])('%s', (_label, given, expected) => {
    expect(emailSenderProof(given)).toEqual(expected);
  });
});

describe('mergeVerdicts', () => {
  it('joins failures and bounds the reason', () => {
    expect(
      mergeVerdicts([{ authenticated: true }, { authenticated: false, failure: 'a' }, { authenticated: false, failure: 'b'.repeat(400) }]),
    ).toEqual({
      level: 'none',
      authFailure: `a; ${'b'.repeat(297)}`,
    });
    expect(mergeVerdicts([])).toEqual({ level: 'none' });
  });
});
