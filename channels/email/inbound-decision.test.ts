import { inboundDecision } from './inbound-decision.js';

const plain = { loop: { fromSelf: false, ourMessageId: false, xLoop: false }, classification: 'customer' };

describe('inboundDecision', () => {
  it('a customer mail is just ingested', () => {
    expect(inboundDecision(plain)).toEqual({});
  });

  it('names the loop that made a mail ignored, our own address first', () => {
    expect(inboundDecision({ ...plain, loop: { fromSelf: true, ourMessageId: true, xLoop: true } }).ignore).toEqual({
      reason: 'loop: sent from our own support address',
    });
    expect(inboundDecision({ ...plain, loop: { fromSelf: false, ourMessageId: true, xLoop: true } }).ignore).toEqual({
      reason: 'loop: carries our own Message-ID',
    });
    expect(inboundDecision({ ...plain, loop: { fromSelf: false, ourMessageId: false, xLoop: true } }).ignore).toEqual({
      reason: 'loop: X-Loop names our address',
    });
  });

  it('a bounce about our message fails its delivery with the status and diagnostic of the first recipient', () => {
    const d = inboundDecision({
      ...plain,
      classification: 'bounce',
      bounce: {
        originalMessageId: '<ponte.10001.x.abc@help.test>',
        recipients: [
          { address: 'gone@customer.test', status: '5.1.1', diagnostic: '550 no such user' },
          { address: 'other@customer.test' },
        ],
      },
    });
    expect(d.deliveryFailure).toEqual({
      externalId: 'ponte.10001.x.abc@help.test',
      errorCode: 'bounce_5.1.1',
      errorMessage: 'gone@customer.test: 550 no such user',
      status: '5.1.1',
    });
    expect(d.ignore).toBeUndefined();
  });

  it('a bounce without recipients still fails the message; a delay warning or a bounce about nothing known does not', () => {
    expect(
      inboundDecision({ ...plain, classification: 'bounce', bounce: { originalMessageId: 'm@x', recipients: [] } }).deliveryFailure,
    ).toEqual({
      externalId: 'm@x',
      errorCode: 'bounce',
      errorMessage: 'delivery failed (bounce)',
      status: undefined,
    });
    expect(
      inboundDecision({ ...plain, classification: 'bounce', bounce: { originalMessageId: 'm@x', delayed: true, recipients: [] } })
        .deliveryFailure,
    ).toBeUndefined();
    expect(
      inboundDecision({ ...plain, classification: 'bounce', bounce: { recipients: [{ address: 'a@b.test' }] } }).deliveryFailure,
    ).toBeUndefined();
    expect(
      inboundDecision({ ...plain, classification: 'auto_reply', bounce: { originalMessageId: 'm@x', recipients: [] } }).deliveryFailure,
    ).toBeUndefined();
  });
});
