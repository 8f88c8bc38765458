import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signing.js';

describe('Standard Webhooks signing', () => {
  // The test vector from the Standard Webhooks reference libraries.
  test('matches the reference vector', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  test('verifies its own headers; a changed body, id, old timestamp or other secret fails', () => {
    const secret = newWebhookSecret();
    const h = webhookHeaders(secret, 'msg_1', 1000, '{"a":1}');
    expect(verifyWebhook(secret, { ...h }, '{"a":1}', 1010)).toBe(true);
    expect(verifyWebhook(secret, { ...h }, '{"a":2}', 1010)).toBe(false);
    expect(verifyWebhook(secret, { ...h, 'webhook-id': 'msg_2' }, '{"a":1}', 1010)).toBe(false);
    expect(verifyWebhook(secret, { ...h }, '{"a":1}', 2000)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), { ...h }, '{"a":1}', 1010)).toBe(false);
    expect(verifyWebhook(secret, { ...h, 'webhook-signature': `v1,bad ${h['webhook-signature']}` }, '{"a":1}', 1010)).toBe(true);
  });
});
