import { ChannelError } from '../../src/domain/errors.js';
import { classifyWhatsappSendError, NOT_CONNECTED_RETRY_MS, RATE_LIMIT_RETRY_MS, REPAIR_RETRY_MS, sendErrors } from './send-errors.js';
import { WaSocketError } from './socket-port.js';

describe('classifyWhatsappSendError', () => {
  test.each([
    // [case, error, code, retryable, retryAfterMs]
    ['connection closed (428): the source reconnects, retry', new WaSocketError('Connection Closed', 428), 'whatsapp_428', true, undefined],
    ['connection lost / timed out (408): retry', new WaSocketError('Connection was lost', 408), 'whatsapp_408', true, undefined],
    ['replaced by another client (440): retry', new WaSocketError('Stream Errored (conflict)', 440), 'whatsapp_440', true, undefined],
    ['bad session (500): retry', new WaSocketError('All encryptions failed', 500), 'whatsapp_500', true, undefined],
    ['service unavailable (503): retry', new WaSocketError('Service Unavailable', 503), 'whatsapp_503', true, undefined],
    ['restart required (515): retry', new WaSocketError('Stream Errored (restart required)', 515), 'whatsapp_515', true, undefined],
    ['logged out (401): retry after a new pairing', new WaSocketError('Intentional Logout', 401), 'whatsapp_401', true, REPAIR_RETRY_MS],
    ['forbidden (403): retry slowly', new WaSocketError('forbidden', 403), 'whatsapp_403', true, REPAIR_RETRY_MS],
    ['multi-device mismatch (411): retry slowly', new WaSocketError('multi-device mismatch', 411), 'whatsapp_411', true, REPAIR_RETRY_MS],
    [
      'rate-overlimit stanza (Boom 500, server code 429): rate limited',
      new WaSocketError('rate-overlimit', 500, 429),
      'whatsapp_rate_limited',
      true,
      RATE_LIMIT_RETRY_MS,
    ],
    ['HTTP-style 429: rate limited', new WaSocketError('Too Many Requests', 429), 'whatsapp_rate_limited', true, RATE_LIMIT_RETRY_MS],
    [
      'attachment too large (413): never retried',
      new WaSocketError('Payload Too Large', 413),
      'whatsapp_media_too_large',
      false,
      undefined,
    ],
    ['server stanza 413 inside a 500', new WaSocketError('too large', 500, 413), 'whatsapp_media_too_large', false, undefined],
    ['invalid jid (400): fail', new WaSocketError('Invalid jid: x', 400), 'whatsapp_400', false, undefined],
    ['unknown item (404): fail', new WaSocketError('item-not-found', 404), 'whatsapp_404', false, undefined],
    ['not acceptable (406): fail', new WaSocketError('not-acceptable', 406), 'whatsapp_406', false, undefined],
    ['no status (a socket that died under us): network, retry', new Error('socket hang up'), 'network', true, undefined],
    ['not even an Error', 'boom', 'network', true, undefined],
  ])('%s', (_case, err, code, retryable, retryAfterMs) => {
    const e = classifyWhatsappSendError(err);
    expect(e).toBeInstanceOf(ChannelError);
    expect({ code: e.code, retryable: e.retryable, retryAfterMs: e.retryAfterMs }).toEqual({ code, retryable, retryAfterMs });
  });

  test('a ChannelError passes through unchanged', () => {
    const original = sendErrors.notOnWhatsapp('+5511900000000');
    expect(classifyWhatsappSendError(original)).toBe(original);
  });

  test('the message is kept (bounded) so the agent reads what WhatsApp said', () => {
    expect(classifyWhatsappSendError(new WaSocketError('x'.repeat(1000), 400)).message).toHaveLength(300);
    expect(classifyWhatsappSendError(new WaSocketError('', 500)).message).toBe('WhatsApp send failed');
  });

  test('the sender’s own errors carry their literal codes', () => {
    expect(sendErrors.notConnected()).toMatchObject({
      code: 'whatsapp_not_connected',
      retryable: true,
      retryAfterMs: NOT_CONNECTED_RETRY_MS,
    });
    expect(sendErrors.badRecipient('not a phone number: x')).toMatchObject({ code: 'whatsapp_bad_recipient', retryable: false });
    expect(sendErrors.notOnWhatsapp('+5511900000000')).toMatchObject({ code: 'whatsapp_not_on_whatsapp', retryable: false });
    expect(sendErrors.emptyMessage()).toMatchObject({ code: 'whatsapp_empty_message', retryable: false });
  });
});
