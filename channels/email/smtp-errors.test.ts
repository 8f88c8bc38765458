import { ChannelError } from '../../src/domain/errors.js';
import { classifySmtpError } from './smtp-errors.js';

describe('classifySmtpError', () => {
  it.each<[string, unknown, string, boolean]>([
    [
      '550 unknown user: permanent',
      { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <x@y>: Recipient address rejected' },
      'smtp_550',
      false,
    ],
    [
      '552 message too big: permanent',
      { code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Message size exceeds fixed limit' },
      'smtp_552',
      false,
    ],
    ['554 spam: permanent', { responseCode: 554, response: '554 5.7.1 rejected' }, 'smtp_554', false],
    ['421 service not available: retry', { code: 'EPROTOCOL', responseCode: 421, response: '421 4.3.2 try later' }, 'smtp_421', true],
    ['450 greylisted: retry', { code: 'EENVELOPE', responseCode: 450, response: '450 4.2.0 Greylisted' }, 'smtp_450', true],
    ['451 local error: retry', { responseCode: 451 }, 'smtp_451', true],
    [
      'connection refused: network, retry',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ECONNREFUSED', errno: -111 }),
      'network',
      true,
    ],
    ['nodemailer ECONNECTION: network, retry', { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'network', true],
    ['timeout: network, retry', { code: 'ETIMEDOUT', message: 'Greeting never received' }, 'network', true],
    ['reset: network, retry', { code: 'ECONNRESET' }, 'network', true],
    ['socket error: network, retry', { code: 'ESOCKET', message: 'read ECONNRESET' }, 'network', true],
    [
      'bad credentials (535): keep queued for the admin',
      { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication credentials invalid' },
      'smtp_auth',
      true,
    ],
    ['envelope without code: permanent', { code: 'EENVELOPE', message: 'No recipients defined' }, 'smtp_envelope', false],
    ['something unknown: retry', new Error('weird'), 'smtp_unknown', true],
    ['a thrown string: retry', 'boom', 'smtp_unknown', true],
  ])('%s', (_label, input, code, retryable) => {
    const err = classifySmtpError(input);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
  });

  it('passes a ChannelError through untouched', () => {
    const original = new ChannelError('smtp_rejected', 'x', false);
    expect(classifySmtpError(original)).toBe(original);
  });

  it('keeps the server response in the message, shortened', () => {
    const err = classifySmtpError({ responseCode: 550, response: `550 ${'x'.repeat(2000)}` });
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).toContain('550 xxx');
  });
});
