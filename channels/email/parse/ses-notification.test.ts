import { readSesNotification } from './ses-notification.js';

// Shapes from the Amazon SES developer guide ("Amazon SNS notification contents").
const sesBounce = {
  notificationType: 'Bounce',
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [
      { emailAddress: 'Jane@Example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
    ],
    timestamp: '2016-01-27T14:59:38.237Z',
    feedbackId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
  },
  mail: {
    timestamp: '2016-01-27T14:59:38.237Z',
    messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
    source: 'john@example.com',
  },
};

describe('readSesNotification', () => {
  it('reads an SES bounce notification body', () => {
    expect(readSesNotification(JSON.stringify(sesBounce))).toEqual({
      kind: 'bounce',
      detail: 'ses Bounce Permanent/General',
      recipients: [{ address: 'jane@example.com', action: 'failed', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 user unknown' }],
      originalMessageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
    });
  });

  it('unwraps the SNS envelope (Message is a JSON string)', () => {
    const sns = {
      Type: 'Notification',
      MessageId: 'x',
      TopicArn: 'arn:aws:sns:us-east-1:123:ses',
      Message: JSON.stringify({
        ...sesBounce,
        notificationType: undefined,
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'a@b.example' }], complaintFeedbackType: 'abuse' },
      }),
    };
    expect(readSesNotification(JSON.stringify(sns))).toMatchObject({ kind: 'complaint', recipients: [{ address: 'a@b.example' }] });
    // The plain "email" subscription: the event text, then SNS's footer.
    const footer =
      '\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:';
    expect(readSesNotification(`${sns.Message}${footer}`)).toMatchObject({ kind: 'complaint' });
  });

  it('reads delivery and transient bounces as receipts and delays', () => {
    expect(readSesNotification(JSON.stringify({ notificationType: 'Delivery', mail: {} }))?.kind).toBe('delivery');
    expect(
      readSesNotification(JSON.stringify({ notificationType: 'Bounce', bounce: { bounceType: 'Transient', bouncedRecipients: [] } }))?.kind,
    ).toBe('delay');
  });

  it('ignores ordinary text and other JSON', () => {
    expect(readSesNotification('Hello, my order {123} did not arrive')).toBeUndefined();
    expect(readSesNotification('{"order": 123}')).toBeUndefined();
    expect(readSesNotification('{not json')).toBeUndefined();
  });
});
