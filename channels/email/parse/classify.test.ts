import { classifyEmail, type ClassifyInput } from './classify.js';

const h = (entries: Record<string, string>): Map<string, string[]> => new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));

const table: Array<[string, ClassifyInput, string]> = [
  ['plain customer mail', { headers: h({}), from: 'maria@example.com', subject: 'Pedido 123' }, 'customer'],
  ['Auto-Submitted: no is a person', { headers: h({ 'auto-submitted': 'no' }), from: 'maria@example.com' }, 'customer'],
  [
    'out-of-office: Auto-Submitted: auto-replied',
    { headers: h({ 'auto-submitted': 'auto-replied' }), from: 'maria@example.com', subject: 'Ausente: Pedido' },
    'auto_reply',
  ],
  [
    'Auto-Submitted: auto-generated',
    { headers: h({ 'auto-submitted': 'auto-generated; type=notify' }), from: 'a@example.com' },
    'auto_reply',
  ],
  ['Precedence: bulk', { headers: h({ precedence: 'bulk' }), from: 'news@example.com' }, 'auto_reply'],
  ['Precedence: junk', { headers: h({ precedence: 'junk' }), from: 'x@example.com' }, 'auto_reply'],
  ['Precedence: list', { headers: h({ precedence: 'list' }), from: 'x@example.com' }, 'auto_reply'],
  ['Precedence: auto_reply', { headers: h({ precedence: 'auto_reply' }), from: 'x@example.com' }, 'auto_reply'],
  ['X-Autoreply: yes', { headers: h({ 'x-autoreply': 'yes' }), from: 'x@example.com' }, 'auto_reply'],
  ['X-Autorespond', { headers: h({ 'x-autorespond': 'Vacation' }), from: 'x@example.com' }, 'auto_reply'],
  [
    'Exchange OOF: X-Auto-Response-Suppress: All',
    { headers: h({ 'x-auto-response-suppress': 'All' }), from: 'x@example.com', subject: 'Automatic reply: Pedido' },
    'auto_reply',
  ],
  // Outlook sets X-Auto-Response-Suppress on ordinary mail too: alone it proves nothing.
  [
    'X-Auto-Response-Suppress alone is a person',
    { headers: h({ 'x-auto-response-suppress': 'DR, RN, NRN, OOF, AutoReply' }), from: 'x@example.com', subject: 'Re: order' },
    'customer',
  ],
  ['mailing list: List-Id', { headers: h({ 'list-id': '<riak-users.lists.basho.com>' }), from: 'someone@example.com' }, 'auto_reply'],
  [
    'mailing list: List-Unsubscribe',
    { headers: h({ 'list-unsubscribe': '<mailto:unsub@example.com>' }), from: 'news@example.com' },
    'auto_reply',
  ],
  ['empty Return-Path', { headers: h({ 'return-path': '<>' }), from: 'robot@example.com' }, 'auto_reply'],
  [
    'MAILER-DAEMON sender',
    { headers: h({}), from: 'mailer-daemon@mx.example.com', subject: 'Undelivered Mail Returned to Sender' },
    'bounce',
  ],
  ['postmaster sender', { headers: h({}), from: 'postmaster@example.com', subject: 'hello' }, 'bounce'],
  [
    'DSN failed',
    {
      headers: h({}),
      from: 'mailer-daemon@x.com',
      contentType: 'multipart/report',
      reportType: 'delivery-status',
      dsnActions: ['failed', 'failed'],
    },
    'bounce',
  ],
  [
    'DSN delayed is a bounce (not delivered)',
    {
      headers: h({}),
      from: 'mailer-daemon@x.com',
      contentType: 'multipart/report',
      reportType: 'delivery-status',
      dsnActions: ['delayed'],
    },
    'bounce',
  ],
  [
    'DSN delivered is a receipt',
    {
      headers: h({}),
      from: 'mailer-daemon@x.com',
      contentType: 'multipart/report',
      reportType: 'delivery-status',
      dsnActions: ['delivered'],
    },
    'delivery_receipt',
  ],
  [
    'DSN relayed is a receipt',
    {
      headers: h({}),
      from: 'mailer-daemon@x.com',
      contentType: 'multipart/report',
      reportType: 'delivery-status',
      dsnActions: ['relayed'],
    },
    'delivery_receipt',
  ],
  [
    'MDN read receipt',
    { headers: h({}), from: 'maria@example.com', contentType: 'multipart/report', reportType: 'disposition-notification' },
    'delivery_receipt',
  ],
  [
    'ARF complaint',
    { headers: h({}), from: 'fbl@isp.example', contentType: 'multipart/report', reportType: 'feedback-report' },
    'complaint',
  ],
  [
    'qmail bounce body with null sender',
    { headers: h({ 'return-path': '<>' }), from: 'mailer-daemon@x.com', bodyLooksLikeBounce: true },
    'bounce',
  ],
  [
    'a customer mail relayed by our own Google Group support address',
    {
      headers: h({
        'list-id': '<suporte.loja.example>',
        'list-post': '<mailto:suporte@loja.example>',
        precedence: 'list',
        'list-unsubscribe': '<mailto:x@y>',
      }),
      from: 'maria@example.com',
      ownAddresses: ['suporte@loja.example'],
    },
    'customer',
  ],
  [
    'another list is still a list',
    { headers: h({ 'list-id': '<news.other.example>' }), from: 'x@example.com', ownAddresses: ['suporte@loja.example'] },
    'auto_reply',
  ],
  [
    'bounce text from a person is still customer',
    { headers: h({}), from: 'maria@example.com', bodyLooksLikeBounce: true, subject: 'forwarding this' },
    'customer',
  ],
];

const dsn = (
  actions: string[],
  reportType: string | undefined = 'delivery-status',
  contentType = 'multipart/report',
): ClassifyInput['structure'] => ({
  contentType,
  ...(reportType ? { reportType } : {}),
  dsnRecipients: actions.map((action) => ({ address: 'x@y.example', action })),
  hasDeliveryStatus: true,
  hasDispositionNotification: false,
});

/** The families of issue 11: structure first, then headers, then sender and text. */
const families: Array<[string, ClassifyInput, string, RegExp?]> = [
  [
    'DSN failed with Auto-Submitted is still a bounce',
    { headers: h({ 'auto-submitted': 'auto-replied' }), from: 'x@y.example', structure: dsn(['failed']) },
    'bounce',
    /delivery-status/u,
  ],
  [
    'DSN with a null Return-Path is a bounce, not an auto-reply',
    { headers: h({ 'return-path': '<>' }), from: 'postmaster@y.example', structure: dsn(['failed']) },
    'bounce',
  ],
  [
    'DSN delivered/relayed/expanded is a receipt',
    { headers: h({}), from: 'mailer-daemon@y.example', structure: dsn(['delivered', 'relayed', 'expanded']) },
    'delivery_receipt',
    /receipt/u,
  ],
  ['DSN delayed is a delay warning', { headers: h({}), from: 'mailer-daemon@y.example', structure: dsn(['delayed']) }, 'bounce', /delay/u],
  [
    'delivery-status part inside multipart/mixed',
    { headers: h({}), from: 'ops@y.example', structure: dsn(['failed'], undefined, 'multipart/mixed') },
    'bounce',
    /multipart\/mixed/u,
  ],
  [
    'ARF fields in a multipart/mixed complaint',
    {
      headers: h({}),
      from: 'fbl@isp.example',
      structure: {
        contentType: 'multipart/mixed',
        dsnRecipients: [],
        hasDeliveryStatus: false,
        hasDispositionNotification: false,
        feedback: h({ 'feedback-type': 'abuse', 'user-agent': 'x/1' }),
      },
    },
    'complaint',
    /Feedback-Type: abuse/u,
  ],
  [
    'JMRP (Hotmail) complaint',
    {
      headers: h({ 'x-hmxmroriginalrecipient': 'a@hotmail.com' }),
      from: 'staff@hotmail.com',
      subject: 'complaint about message from 1.2.3.4',
    },
    'complaint',
  ],
  [
    'SES bounce via SNS JSON',
    {
      headers: h({}),
      from: 'no-reply@sns.amazonaws.com',
      bodyText: JSON.stringify({
        Type: 'Notification',
        Message: JSON.stringify({
          notificationType: 'Bounce',
          bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'a@b.example' }] },
        }),
      }),
    },
    'bounce',
    /SES/u,
  ],
  [
    'SES complaint JSON',
    {
      headers: h({}),
      from: 'complaints@email-abuse.amazonses.com',
      bodyText: JSON.stringify({ notificationType: 'Complaint', complaint: { complainedRecipients: [] } }),
    },
    'complaint',
  ],
  ['X-Failed-Recipients', { headers: h({ 'x-failed-recipients': 'a@b.example' }), from: 'someone@y.example' }, 'bounce'],
  [
    'From: MAILER-DAEMON <> with an empty address',
    { headers: h({ from: 'MAILER-DAEMON <>' }), from: '', fromName: 'MAILER-DAEMON', subject: 'failure notice' },
    'bounce',
  ],
  [
    'empty From and delivery-failure text',
    {
      headers: h({ from: '"Jetmail System" <>' }),
      from: '',
      fromName: 'Jetmail System',
      topText: 'Your mail cannot be delivered to the following address(es):',
    },
    'bounce',
  ],
  [
    'carrier bounce with a reply-like subject',
    {
      headers: h({}),
      from: 'gateway@carrier.example',
      subject: 'RE: Your message : non remis',
      topText: 'Your message could not be delivered to\nduke@ald.example',
    },
    'bounce',
  ],
  [
    'Japanese bounce subject with failure text',
    {
      headers: h({}),
      from: 'info@carrier.example',
      subject: '配信エラー',
      topText: 'メール… 550 5.1.1 <a@b.example>: Recipient address rejected: User unknown',
    },
    'bounce',
  ],
  [
    'bounce text with an SMTP status and a Re: subject',
    {
      headers: h({}),
      from: 'gw@isp.example',
      subject: 'Re: hello',
      topText: 'Delivery to the following recipients failed.\n 550 5.1.1 user unknown',
    },
    'bounce',
  ],
  [
    'Auto-Submitted bounce text is a bounce',
    { headers: h({ 'auto-submitted': 'auto-replied' }), from: '', topText: "You sent mail to a@b.c. That's not a valid user here." },
    'bounce',
  ],
  [
    'Mailman non-member notice',
    {
      headers: h({ 'x-mailman-version': '2.1' }),
      from: 'list-owner@lists.example',
      subject: 'Your message to List awaits moderator approval',
    },
    'auto_reply',
    /list/u,
  ],
  [
    'list-software sender',
    { headers: h({}), from: 'gpc-talk-bounces@grizz.example', subject: 'The results of your email commands' },
    'auto_reply',
  ],
  [
    'Latvian out-of-office subject',
    { headers: h({}), from: 'a@x.example', subject: 'Arpus biroja atrasanas automatiska atbilde: subjecting' },
    'auto_reply',
  ],
  [
    'Lotus AUTO: subject',
    { headers: h({}), from: 'John.Smith@b.example', subject: 'AUTO: Smith, John is out of the office. (returning 05/01/2010)' },
    'auto_reply',
  ],
  [
    'challenge-response',
    {
      headers: h({}),
      from: 'user@bluebottle.example',
      subject: 'RE: BLAH',
      topText:
        "Please click on the\nfollowing link to have your address added to the recipient's allowed\nlist and to ensure delivery of your email.",
    },
    'auto_reply',
  ],
  // A person is never swallowed on a single weak cue.
  [
    'a customer whose order "was not delivered"',
    { headers: h({}), from: 'maria@example.com', subject: 'Delivery problem', topText: 'My order was not delivered, can you check?' },
    'customer',
  ],
  [
    'a customer writing about being out of office',
    { headers: h({}), from: 'maria@example.com', subject: 'Pedido 123', topText: 'I am out of the office next week, please call me.' },
    'customer',
  ],
];

describe('classifyEmail: families of automatic mail', () => {
  it.each(families.map(([name, input, expected, reason]) => [name, input, expected, reason ?? /\S/u] as const))(
    '%s',
    (_name, input, expected, reason) => {
      const out = classifyEmail(input);
      expect(out.classification).toBe(expected);
      expect(out.reason).toMatch(reason);
    },
  );
});

describe('classifyEmail', () => {
  it.each(table)('%s', (_name, input, expected) => {
    expect(classifyEmail(input).classification).toBe(expected);
  });

  it('explains its decision', () => {
    expect(classifyEmail({ headers: h({ precedence: 'bulk' }) }).reason).toBe('Precedence: bulk');
    expect(classifyEmail({ headers: h({}), from: 'maria@example.com', subject: 'Pedido' }).reason).toMatch(/no automatic-mail evidence/u);
  });
});
