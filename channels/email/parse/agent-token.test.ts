import { createHmac } from 'node:crypto';
import { createMessageIdSigner } from '../message-id.js';
import { envelopeRecipients, findAgentToken, type AgentTokenVerifier } from './agent-token.js';

const signer = createMessageIdSigner(createHmac('sha256', 'k').update('email-message-id').digest(), 'help.test');
const stranger = createMessageIdSigner(createHmac('sha256', 'other').update('email-message-id').digest(), 'help.test');
const ours = ['support@help.test'];
const verify: AgentTokenVerifier = {
  messageId: (id) => signer.verifyAgent(id),
  address: (a) => signer.verifyAgentPlusAddress(a, ours, '+'),
};
const ANA = '01jz8q3m5k7v9xw2yb4c6d8e0a';
const BIA = '01jz8q3m5k7v9xw2yb4c6d8e0b';
const notification = signer.createForAgent(10001, ANA, '01jz8q3m5k7v9xw2yb4c6d8e0f')!;
const plus = signer.plusAddress('support@help.test', 10001, '+', ANA);

describe('findAgentToken', () => {
  it.each([
    [
      'In-Reply-To names the notification',
      { references: [notification, 'c1@customer.test'], recipients: ['support@help.test'] },
      { agentId: ANA, ticketNumber: 10001 },
    ],
    [
      'only References (a client that dropped In-Reply-To)',
      { references: ['x@agent.test', notification], recipients: [] },
      { agentId: ANA, ticketNumber: 10001 },
    ],
    ['the per-agent plus address in To', { references: [], recipients: [plus] }, { agentId: ANA, ticketNumber: 10001 }],
    [
      'the plus address only in Delivered-To',
      { references: [], recipients: ['support@help.test', ...envelopeRecipients([`<${plus}>`])] },
      { agentId: ANA, ticketNumber: 10001 },
    ],
    [
      'the first valid token wins',
      { references: [signer.createForAgent(10002, BIA, 'x')!, notification], recipients: [plus] },
      { agentId: BIA, ticketNumber: 10002 },
    ],
    [
      'a customer Message-ID of the same ticket is no agent token',
      { references: [signer.create(10001, 'x')], recipients: [signer.plusAddress('support@help.test', 10001)] },
      undefined,
    ],
    [
      'a token signed with another key',
      { references: [stranger.createForAgent(10001, ANA, 'x')!], recipients: [stranger.plusAddress('support@help.test', 10001, '+', ANA)] },
      undefined,
    ],
    [
      'a token for Ana altered to name Bia',
      { references: [notification.replace(ANA, BIA)], recipients: [plus.replace(ANA, BIA)] },
      undefined,
    ],
    ['nothing', { references: [], recipients: [] }, undefined],
  ])('%s', (_label, places, expected) => {
    expect(findAgentToken(places, verify)).toEqual(expected);
  });

  it('a verifier that throws proves nothing', () => {
    expect(
      findAgentToken(
        { references: ['x'], recipients: ['y@z'] },
        {
          messageId: () => {
            throw new Error('boom');
          },
          address: () => {
            throw new Error('boom');
          },
        },
      ),
    ).toBeUndefined();
  });
});

describe('envelopeRecipients', () => {
  it('reads bare, bracketed and listed addresses', () => {
    expect(envelopeRecipients(['Support+10001.abc@Help.test', '<a@x.test>, b@y.test', 'not an address'])).toEqual([
      'support+10001.abc@help.test',
      'a@x.test',
      'b@y.test',
    ]);
  });
  it('is bounded on hostile input', () => {
    const start = performance.now();
    expect(envelopeRecipients(['@'.repeat(1_000_000)]).length).toBeLessThanOrEqual(1);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
