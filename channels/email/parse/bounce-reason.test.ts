import { bounceReason } from './bounce-reason.js';

const table: Array<[string | undefined, string | undefined, string | undefined, string]> = [
  ['5.1.1', 'smtp; 550 5.1.1 <a@b>: Recipient address rejected: User unknown', 'failed', 'user_unknown'],
  ['5.2.2', 'smtp; 552 5.2.2 Mailbox full', 'failed', 'mailbox_full'],
  ['4.2.2', 'over quota', 'failed', 'mailbox_full'],
  ['5.7.1', 'smtp; 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org', 'failed', 'blocked'],
  ['5.4.4', 'Host or domain name not found', 'failed', 'domain_error'],
  ['5.1.2', undefined, 'failed', 'domain_error'],
  ['5.2.1', 'account disabled', 'failed', 'mailbox_disabled'],
  ['5.3.4', 'message too big', 'failed', 'message_too_large'],
  ['4.4.1', 'connection timed out', 'delayed', 'delayed'],
  ['4.4.1', 'connection timed out', 'failed', 'transient'],
  [undefined, '550 Requested action not taken: mailbox unavailable', undefined, 'user_unknown'],
  [undefined, 'The user does not exist', undefined, 'user_unknown'],
  [undefined, 'Sorry, no mailbox here by that name. (#5.1.1)', undefined, 'user_unknown'],
  [undefined, 'quota exceeded', undefined, 'mailbox_full'],
  [undefined, '421 try again later', undefined, 'transient'],
  [undefined, undefined, undefined, 'unknown'],
];

describe('bounceReason', () => {
  it.each(table)('%s / %s / %s -> %s', (status, diagnostic, action, expected) => {
    expect(bounceReason(status, diagnostic, action)).toBe(expected);
  });

  it('is fast on a long hostile diagnostic', () => {
    const t0 = performance.now();
    bounceReason(undefined, `${'user '.repeat(200_000)}x`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
