import { parseDeliveryReport, parseDeliveryStatus, parseNonStandardBounce, readMessageStructure, recipientsFromBounceText } from './dsn.js';

const TWO_RECIPIENT_DSN = [
  'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
  'To: support@ponte.example',
  'Subject: Undelivered Mail Returned to Sender',
  'Auto-Submitted: auto-replied',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status;',
  '\tboundary="BOUNDARY1"',
  'Message-Id: <20260518170211.ABC@mx.example.com>',
  '',
  'This is a MIME-encapsulated message.',
  '',
  '--BOUNDARY1',
  'Content-Description: Notification',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  "I'm sorry to have to inform you that your message could not",
  'be delivered to one or more recipients.',
  '',
  '--BOUNDARY1',
  'Content-Description: Delivery report',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.example.com',
  'Arrival-Date: Mon, 18 May 2026 17:02:11 +0000',
  '',
  'Final-Recipient: rfc822; Maria@Example.com',
  'Original-Recipient: rfc822;maria@example.com',
  'Action: failed',
  'Status: 5.1.1',
  'Remote-MTA: dns; mx.example.com',
  'Diagnostic-Code: smtp; 550 5.1.1 <maria@example.com>: Recipient address',
  '    rejected: User unknown in virtual mailbox table',
  '',
  'Final-Recipient: rfc822; joao@example.org',
  'Action: failed',
  'Status: 5.2.2',
  'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
  '',
  '--BOUNDARY1',
  'Content-Description: Undelivered Message Headers',
  'Content-Type: text/rfc822-headers',
  '',
  'From: Suporte <support@ponte.example>',
  'To: maria@example.com',
  'Subject: Re: Pedido 123 [#10001]',
  'Message-ID: <t10001.abc.def@ponte.example>',
  '',
  '--BOUNDARY1--',
  '',
].join('\r\n');

describe('parseDeliveryReport (RFC 3464)', () => {
  it('reads both failed recipients with status and diagnostic, and the original Message-ID', () => {
    const report = parseDeliveryReport(TWO_RECIPIENT_DSN)!;
    expect(report.reportType).toBe('delivery-status');
    expect(report.originalMessageId).toBe('t10001.abc.def@ponte.example');
    expect(report.recipients).toEqual([
      {
        address: 'maria@example.com',
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <maria@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
      },
      { address: 'joao@example.org', action: 'failed', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' },
    ]);
  });

  it('finds the Message-ID inside a returned message/rfc822 part', () => {
    const raw = TWO_RECIPIENT_DSN.replace('Content-Type: text/rfc822-headers', 'Content-Type: message/rfc822');
    expect(parseDeliveryReport(raw)!.originalMessageId).toBe('t10001.abc.def@ponte.example');
  });

  it('is undefined for a message that is not a report', () => {
    expect(parseDeliveryReport('Content-Type: text/plain\r\n\r\nhello')).toBeUndefined();
  });

  it('survives a truncated report', () => {
    const cut = TWO_RECIPIENT_DSN.slice(0, TWO_RECIPIENT_DSN.indexOf('Status: 5.1.1'));
    const report = parseDeliveryReport(cut)!;
    expect(report.recipients[0]!.address).toBe('maria@example.com');
  });
});

describe('parseDeliveryStatus', () => {
  it('skips the per-message group and keeps per-recipient groups', () => {
    const r = parseDeliveryStatus('Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; a@b.example\nAction: delayed\nStatus: 4.4.1\n');
    expect(r).toEqual([{ address: 'a@b.example', action: 'delayed', status: '4.4.1' }]);
  });
});

describe('parseNonStandardBounce', () => {
  it('reads a qmail bounce', () => {
    const body = [
      'Hi. This is the qmail-send program at mail.example.net.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '<nobody@example.net>:',
      'Sorry, no mailbox here by that name. (#5.1.1)',
      '',
      '--- Below this line is a copy of the message.',
      '',
      'Message-ID: <t10002.x@ponte.example>',
      'Subject: Re: hello',
    ].join('\n');
    const r = parseNonStandardBounce(body)!;
    expect(r.kind).toBe('qmail');
    expect(r.originalMessageId).toBe('t10002.x@ponte.example');
    expect(r.recipients).toEqual([
      { address: 'nobody@example.net', action: 'failed', status: '5.1.1', diagnostic: 'Sorry, no mailbox here by that name. (#5.1.1)' },
    ]);
  });

  it('reads an Exim bounce', () => {
    const body = [
      'This message was created automatically by mail delivery software.',
      '',
      'A message that you sent could not be delivered to one or more of its',
      'recipients. This is a permanent error. The following address(es) failed:',
      '',
      '  ghost@example.com',
      '    SMTP error from remote mail server after RCPT TO:<ghost@example.com>:',
      '    550 5.1.1 User unknown',
      '',
      '------ This is a copy of the message, including all the headers. ------',
      'Message-Id: <t10003.y@ponte.example>',
    ].join('\n');
    const r = parseNonStandardBounce(body)!;
    expect(r.kind).toBe('exim');
    expect(r.originalMessageId).toBe('t10003.y@ponte.example');
    expect(r.recipients[0]).toMatchObject({ address: 'ghost@example.com', status: '5.1.1' });
  });

  it('ignores ordinary text', () => {
    expect(parseNonStandardBounce('Hello, my order did not arrive.')).toBeUndefined();
  });
});

describe('recipientsFromBounceText', () => {
  it('names the failed addresses of the report text, with their status, and stops at the returned message', () => {
    const text = [
      'This is an advisory-only email.',
      'Delivery to the following recipients failed:',
      '',
      '   <Maria@Example.com>: 550 5.1.1 user unknown',
      '   joao@example.org',
      'Reporting-MTA: dns; mx.example.net',
      '',
      '------ This is a copy of the message, including all the headers. ------',
      'From: suporte@loja.example',
      'To: other@example.net',
    ].join('\n');
    expect(recipientsFromBounceText(text, new Set(['suporte@loja.example']))).toEqual([
      expect.objectContaining({ address: 'maria@example.com', status: '5.1.1', action: 'failed' }),
      expect.objectContaining({ address: 'joao@example.org', action: 'failed' }),
    ]);
  });

  it('leaves out the mail system, header lines and excluded addresses', () => {
    const text = 'From: MAILER-DAEMON@mx.example\nPlease contact postmaster@mx.example.\nYour mail to us@loja.example failed.';
    expect(recipientsFromBounceText(text, new Set(['us@loja.example']))).toEqual([]);
  });

  it('is linear on runs of @ and dots', () => {
    const t0 = performance.now();
    recipientsFromBounceText(`${'@'.repeat(300)}\n${'a.'.repeat(150)}\n`.repeat(300), new Set());
    expect(performance.now() - t0).toBeLessThan(4000);
  });
});

describe('readMessageStructure', () => {
  it('finds a delivery-status part and ARF fields outside multipart/report', () => {
    const raw = [
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '',
      'Feedback-Type: abuse',
      'User-Agent: SomeGenerator/1.0',
      'Version: 1',
      '--b--',
      '',
    ].join('\r\n');
    const s = readMessageStructure(raw);
    expect(s.contentType).toBe('multipart/mixed');
    expect(s.feedback?.get('feedback-type')).toEqual(['abuse']);
    expect(s.hasDeliveryStatus).toBe(false);
  });

  it('prefers the final recipient unless it lacks a real domain', () => {
    const body =
      'Reporting-MTA: dns; x\n\nAction: failed\nOriginal-Recipient: rfc822;Jim@go.example\nFinal-Recipient: rfc822;Jim@sims-ms-daemon\nStatus: 5.1.1\n';
    expect(parseDeliveryStatus(body)[0]?.address).toBe('jim@go.example');
  });
});
