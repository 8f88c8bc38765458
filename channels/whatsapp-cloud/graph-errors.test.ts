import { ChannelError } from '../../src/domain/errors.js';
import { mapGraphError, networkError, parseRetryAfter } from './graph-errors.js';

const graph = (code: number, message = 'x', details?: string) => ({
  error: { message, type: 'OAuthException', code, ...(details ? { error_data: { details } } : {}), fbtrace_id: 'Axyz' },
});

describe('mapGraphError', () => {
  it.each([
    // [http status, body, code, retryable]
    [400, graph(131047, 'Re-engagement message'), 'whatsapp_131047', false],
    [400, graph(131026, 'Message undeliverable'), 'whatsapp_131026', false],
    [400, graph(4, 'Application request limit reached'), 'whatsapp_4', true],
    [400, graph(80007, 'Rate limit issues'), 'whatsapp_80007', true],
    [429, graph(130429, 'Rate limit hit'), 'whatsapp_130429', true],
    [400, graph(131056, 'pair rate limit'), 'whatsapp_131056', true],
    [401, graph(190, 'Error validating access token'), 'whatsapp_190', false],
    [400, graph(132001, 'Template name does not exist'), 'whatsapp_132001', false],
    [400, graph(100, 'Invalid parameter'), 'whatsapp_100', false],
    [500, graph(131000, 'Something went wrong'), 'whatsapp_131000', true],
    [503, graph(2, 'Service temporarily unavailable'), 'whatsapp_2', true],
    [502, undefined, 'whatsapp_http_502', true],
    [500, '<html>oops</html>', 'whatsapp_http_500', true],
    [429, {}, 'whatsapp_http_429', true],
    [404, { error: {} }, 'whatsapp_http_404', false],
    [400, { error: { code: '131047' } }, 'whatsapp_131047', false],
  ])('HTTP %i %j -> %s retryable=%s', (status, body, code, retryable) => {
    const e = mapGraphError(status, body);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });

  it('explains 131047 as a closed window that needs a template', () => {
    const e = mapGraphError(400, graph(131047, 'Re-engagement message', 'More than 24 hours have passed'));
    expect(e.message).toMatch(/Re-engagement message — More than 24 hours have passed — .*template/);
  });

  it('waits at least the rate-limit pause, or longer when Retry-After says so', () => {
    expect(mapGraphError(400, graph(80007)).retryAfterMs).toBe(60_000);
    expect(mapGraphError(400, graph(80007), 120_000).retryAfterMs).toBe(120_000);
    expect(mapGraphError(503, undefined, 5_000).retryAfterMs).toBe(5_000);
    expect(mapGraphError(400, graph(131047), 5_000).retryAfterMs).toBeUndefined();
  });

  it('parses Retry-After as seconds or a date', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('classifies network failures as retryable', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(networkError(timeout, 'send')).toMatchObject({ code: 'network', retryable: true, message: expect.stringMatching(/timed out/) });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(networkError(refused, 'send').message).toMatch(/ECONNREFUSED/);
  });
});
