import { createMessageIdSigner } from './message-id.js';
import { isOwnMessageId, signedTicketNumbers } from './signed-tickets.js';

const signer = createMessageIdSigner(Buffer.alloc(32, 7), 'help.test');
const ours = ['support@help.test'];
const verify = { messageId: (id: string) => signer.verify(id) };
const withPlus = { ...verify, plusAddress: (a: string) => signer.verifyPlusAddress(a, ours, '+') };

describe('signedTicketNumbers', () => {
  it('finds the tickets our signed Message-IDs prove, in reference order, once each', () => {
    const refs = [signer.create(10002), 'someone-else@mail.example', signer.create(10001), signer.create(10002)];
    expect(signedTicketNumbers({ references: refs }, verify)).toEqual([10002, 10001]);
  });

  it('a forged or altered id proves nothing', () => {
    const real = signer.create(10001);
    const forged = real.replace('ponte.10001.', 'ponte.10002.');
    const other = createMessageIdSigner(Buffer.alloc(32, 8), 'help.test').create(10003);
    expect(signedTicketNumbers({ references: [forged, other] }, verify)).toEqual([]);
  });

  it('plus addresses count only when plus mode gives a verifier, and only signed ones of our addresses', () => {
    const plus = signer.plusAddress('support@help.test', 10077);
    const forged = 'support+10078.000000000000@help.test';
    const foreign = signer.plusAddress('other@help.test', 10079);
    const places = { references: [signer.create(10001)], recipients: [forged, plus, foreign] };
    expect(signedTicketNumbers(places, withPlus)).toEqual([10001, 10077]);
    expect(signedTicketNumbers(places, verify)).toEqual([10001]);
  });

  it('stops at 20 numbers and survives a verifier that throws', () => {
    const refs = Array.from({ length: 30 }, (_, i) => signer.create(20000 + i));
    expect(signedTicketNumbers({ references: refs }, verify)).toHaveLength(20);
    const throwing = {
      messageId: () => {
        throw new Error('boom');
      },
    };
    expect(signedTicketNumbers({ references: refs }, throwing)).toEqual([]);
  });
});

describe('isOwnMessageId', () => {
  it('is true only for an id we signed', () => {
    expect(isOwnMessageId(signer.create(10001), verify)).toBe(true);
    expect(isOwnMessageId('abc@mail.example', verify)).toBe(false);
    expect(isOwnMessageId(undefined, verify)).toBe(false);
  });
});
