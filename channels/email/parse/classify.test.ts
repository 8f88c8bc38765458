import { classifyEmail, type ClassifyInput } from './classify.js';

const h = (entries: Record<string, string>): Map<string, string[]> => new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));

const table: Array<[string, ClassifyInput, string]> = [
  ['plain customer mail', { headers: h({}), from: 'maria@example.com', subject: 'Pedido 123' }, 'customer'],
  ['Auto-Submitted: no is a person', { headers: h({ 'auto-submitted': 'no' }), from: 'maria@example.com' }, 'customer'],
  ['out-of-office: Auto-Submitted: auto-replied', { headers: h({ 'auto-submitted': 'auto-replied' }), from: 'maria@example.com', subject: 'Ausente: Pedido' }, 'auto_reply'],
  ['Auto-Submitted: auto-generated', { headers: h({ 'auto-submitted': 'auto-generated; type=notify' }), from: 'a@example.com' }, 'auto_reply'],
  ['Precedence: bulk', { headers: h({ precedence: 'bulk' }), from: 'news@example.com' }, 'auto_reply'],
  ['Precedence: junk', { headers: h({ precedence: 'junk' }), from: 'x@example.com' }, 'auto_reply'],
  ['Precedence: list', { headers: h({ precedence: 'list' }), from: 'x@example.com' }, 'auto_reply'],
  ['Precedence: auto_reply', { headers: h({ precedence: 'auto_reply' }), from: 'x@example.com' }, 'auto_reply'],
  ['X-Autoreply: yes', { headers: h({ 'x-autoreply': 'yes' }), from: 'x@example.com' }, 'auto_reply'],
  ['X-Autorespond', { headers: h({ 'x-autorespond': 'Vacation' }), from: 'x@example.com' }, 'auto_reply'],
  ['Exchange OOF: X-Auto-Response-Suppress: All', { headers: h({ 'x-auto-response-suppress': 'All' }), from: 'x@example.com', subject: 'Automatic reply: Pedido' }, 'auto_reply'],
  ['X-Auto-Response-Suppress: DR, OOF', { headers: h({ 'x-auto-response-suppress': 'DR, OOF' }), from: 'x@example.com' }, 'auto_reply'],
  ['mailing list: List-Id', { headers: h({ 'list-id': '<riak-users.lists.basho.com>' }), from: 'someone@example.com' }, 'auto_reply'],
  ['mailing list: List-Unsubscribe', { headers: h({ 'list-unsubscribe': '<mailto:unsub@example.com>' }), from: 'news@example.com' }, 'auto_reply'],
  ['empty Return-Path', { headers: h({ 'return-path': '<>' }), from: 'robot@example.com' }, 'auto_reply'],
  ['MAILER-DAEMON sender', { headers: h({}), from: 'mailer-daemon@mx.example.com', subject: 'Undelivered Mail Returned to Sender' }, 'bounce'],
  ['postmaster sender', { headers: h({}), from: 'postmaster@example.com', subject: 'hello' }, 'bounce'],
  ['DSN failed', { headers: h({}), from: 'mailer-daemon@x.com', contentType: 'multipart/report', reportType: 'delivery-status', dsnActions: ['failed', 'failed'] }, 'bounce'],
  ['DSN delayed is a bounce (not delivered)', { headers: h({}), from: 'mailer-daemon@x.com', contentType: 'multipart/report', reportType: 'delivery-status', dsnActions: ['delayed'] }, 'bounce'],
  ['DSN delivered is a receipt', { headers: h({}), from: 'mailer-daemon@x.com', contentType: 'multipart/report', reportType: 'delivery-status', dsnActions: ['delivered'] }, 'delivery_receipt'],
  ['DSN relayed is a receipt', { headers: h({}), from: 'mailer-daemon@x.com', contentType: 'multipart/report', reportType: 'delivery-status', dsnActions: ['relayed'] }, 'delivery_receipt'],
  ['MDN read receipt', { headers: h({}), from: 'maria@example.com', contentType: 'multipart/report', reportType: 'disposition-notification' }, 'delivery_receipt'],
  ['ARF complaint', { headers: h({}), from: 'fbl@isp.example', contentType: 'multipart/report', reportType: 'feedback-report' }, 'complaint'],
  ['qmail bounce body with null sender', { headers: h({ 'return-path': '<>' }), from: 'mailer-daemon@x.com', bodyLooksLikeBounce: true }, 'bounce'],
  [
    'a customer mail relayed by our own Google Group support address',
    {
      headers: h({ 'list-id': '<suporte.loja.example>', 'list-post': '<mailto:suporte@loja.example>', precedence: 'list', 'list-unsubscribe': '<mailto:x@y>' }),
      from: 'maria@example.com',
      ownAddresses: ['suporte@loja.example'],
    },
    'customer',
  ],
  ['another list is still a list', { headers: h({ 'list-id': '<news.other.example>' }), from: 'x@example.com', ownAddresses: ['suporte@loja.example'] }, 'auto_reply'],
  ['bounce text from a person is still customer', { headers: h({}), from: 'maria@example.com', bodyLooksLikeBounce: true, subject: 'forwarding this' }, 'customer'],
];

describe('classifyEmail', () => {
  it.each(table)('%s', (_name, input, expected) => {
    expect(classifyEmail(input).classification).toBe(expected);
  });

  it('explains its decision', () => {
    expect(classifyEmail({ headers: h({ precedence: 'bulk' }) }).reason).toBe('precedence: bulk');
  });
});
