/**
 * parseEmail end to end over real MIME (mailparser underneath, a real blob store on a temp
 * dir): what the core receives for the messages a support mailbox actually gets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../src/channel/contract.js';
import { inboundMessageSchema } from '../../src/domain/envelope.js';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { parseEmail, unparseableEmail, type ParseEmailOptions } from '../../channels/email/parse/index.js';
import { formatParseSummary, parseEmailFileForCli, type CliParseOutput } from '../../channels/email/parse/parse-cli.js';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

function setup(overrides: Partial<ParseEmailOptions> = {}): ParseEmailOptions & { blobs: BlobStore } {
  return {
    blobs: createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-parse-test-'))),
    maxAttachmentBytes: 64 * 1024,
    supportAddresses: ['suporte@loja.example'],
    verifyMessageId: (id) => (/^t(\d+)\.sig@loja\.example$/u.exec(id) ? Number(/^t(\d+)/u.exec(id)![1]) : undefined),
    ...overrides,
  };
}

const bigAttachment = Buffer.alloc(100 * 1024, 7)
  .toString('base64')
  .replace(/.{76}/gu, '$&\r\n');
const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex').toString('base64');

const CUSTOMER_REPLY = crlf([
  'From: =?UTF-8?Q?Maria_Jos=C3=A9?= <Maria.Jose@Example.COM>',
  'To: Suporte <suporte@loja.example>',
  'Cc: joao@example.com',
  'Subject: =?ISO-8859-1?Q?Re:_Pedido_123_n=E3o_chegou?= [#10001]',
  'Date: Mon, 18 May 2026 14:02:11 -0300',
  'Message-ID: <CAF+abc123@mail.example.com>',
  'In-Reply-To: <t10001.sig@loja.example>',
  'References: <first@mail.example.com> <t10001.sig@loja.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="MIX"',
  '',
  '--MIX',
  'Content-Type: multipart/related; boundary="REL"',
  '',
  '--REL',
  'Content-Type: multipart/alternative; boundary="ALT"',
  '',
  '--ALT',
  'Content-Type: text/plain; charset=ISO-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'O pedido n=E3o chegou, segue a foto.',
  '',
  'Em seg., 18 de mai. de 2026 =E0s 10:00, Suporte <suporte@loja.example> escreveu:',
  '> Seu pedido foi enviado.',
  '',
  '--ALT',
  'Content-Type: text/html; charset=UTF-8',
  '',
  '<div dir="ltr">O pedido não chegou, segue a foto.<img src="cid:foto1@x"></div><div class="gmail_quote"><div class="gmail_attr">Em seg., 18 de mai. de 2026 às 10:00, Suporte escreveu:</div><blockquote class="gmail_quote">Seu pedido foi enviado.</blockquote></div>',
  '--ALT--',
  '',
  '--REL',
  'Content-Type: image/png',
  'Content-Transfer-Encoding: base64',
  'Content-ID: <foto1@x>',
  'Content-Disposition: inline; filename="foto.png"',
  '',
  png,
  '--REL--',
  '',
  '--MIX',
  'Content-Type: application/pdf',
  'Content-Transfer-Encoding: base64',
  "Content-Disposition: attachment; filename*=utf-8''relat%C3%B3rio%20mai%C3%A7o.pdf",
  '',
  Buffer.from('%PDF-1.4 small').toString('base64'),
  '--MIX',
  'Content-Type: application/zip; name="=?UTF-8?B?ZW5vcm1lLnppcA==?="',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment',
  '',
  bigAttachment,
  '--MIX--',
  '',
]);

describe('parseEmail: a customer reply with html, inline image and attachments', () => {
  it('normalizes addresses, subject, date, text and reply text', async () => {
    const parsed = await parseEmail(CUSTOMER_REPLY, setup());
    const m = inboundMessageSchema.parse(parsed.message);
    expect(m.externalId).toBe('CAF+abc123@mail.example.com');
    expect(m.from).toEqual({ kind: 'email', address: 'maria.jose@example.com', displayName: 'Maria José' });
    expect(m.to).toEqual([{ kind: 'email', address: 'suporte@loja.example', displayName: 'Suporte' }]);
    expect(m.cc).toEqual([{ kind: 'email', address: 'joao@example.com' }]);
    expect(m.subject).toBe('Re: Pedido 123 não chegou [#10001]');
    expect(m.sentAt).toBe(Date.UTC(2026, 4, 18, 17, 2, 11));
    expect(m.text).toContain('O pedido não chegou');
    expect(m.text).toContain('Seu pedido foi enviado.');
    expect(m.replyText).toContain('O pedido não chegou, segue a foto.');
    expect(m.replyText).not.toContain('Seu pedido foi enviado');
    expect(m.quotedText).toContain('Seu pedido foi enviado.');
    expect(m.html).toContain('gmail_quote');
    expect(parsed.classification).toBe('customer');
  });

  it('threads on In-Reply-To then References newest-first, and proves the signed ticket number', async () => {
    const parsed = await parseEmail(CUSTOMER_REPLY, setup());
    expect(parsed.message.threadHints).toEqual({
      references: ['t10001.sig@loja.example', 'first@mail.example.com'],
      signedTicketNumbers: [10001],
    });
    expect(parsed.headers).toMatchObject({ messageId: 'CAF+abc123@mail.example.com', inReplyTo: 't10001.sig@loja.example' });
  });

  it('streams attachments to the blob store, keeps the inline cid image, drops the oversize one with a note', async () => {
    const opts = setup();
    const parsed = await parseEmail(CUSTOMER_REPLY, opts);
    const atts = parsed.message.attachments!;
    const image = atts.find((a) => a.contentType === 'image/png')!;
    expect(image).toMatchObject({ filename: 'foto.png', contentId: 'foto1@x', inline: true });
    expect((await opts.blobs.read(image.blobKey)).subarray(0, 4).toString('hex')).toBe('89504e47');
    const pdf = atts.find((a) => a.contentType === 'application/pdf')!;
    expect(pdf.filename).toBe('relatório maiço.pdf');
    expect((await opts.blobs.read(pdf.blobKey)).toString()).toBe('%PDF-1.4 small');
    expect(pdf.size).toBe(14);
    expect(atts.some((a) => a.filename === 'enorme.zip')).toBe(false);
    expect(parsed.message.replyText).toContain('Attachment "enorme.zip" (application/zip) was not kept');
    expect((parsed.message.metadata as { attachmentNotes: string[] }).attachmentNotes).toHaveLength(1);
  });

  it('propagates a blob store failure instead of storing a message without its files', async () => {
    const failing: BlobStore = {
      ...setup().blobs,
      put: async (source) => {
        if (source instanceof Readable) source.resume();
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    await expect(parseEmail(CUSTOMER_REPLY, setup({ blobs: failing }))).rejects.toThrow('ENOSPC');
  });
});

describe('parseEmail: ids and loop protection', () => {
  const plain = (headers: string[], body = 'Oi'): Buffer =>
    crlf([...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, '']);

  it('derives a stable synthetic id from the bytes when there is no Message-ID', async () => {
    const raw = plain(['From: a@example.com', 'Subject: sem id']);
    const a = await parseEmail(raw, setup());
    const b = await parseEmail(Buffer.from(raw), setup());
    expect(a.message.externalId).toMatch(/^sha256-[0-9a-f]{64}@ponte\.invalid$/u);
    expect(b.message.externalId).toBe(a.message.externalId);
    const c = await parseEmail(plain(['From: a@example.com', 'Subject: outro']), setup());
    expect(c.message.externalId).not.toBe(a.message.externalId);
  });

  it('flags mail from our own address (plus-addressing included), our signed Message-ID and X-Loop', async () => {
    const fromSelf = await parseEmail(plain(['From: Suporte <suporte+t123@loja.example>', 'Message-ID: <x1@loja.example>']), setup());
    expect(fromSelf.loop).toEqual({ fromSelf: true, ourMessageId: false, xLoop: false });
    const echo = await parseEmail(plain(['From: agente@example.com', 'Message-ID: <t10001.sig@loja.example>']), setup());
    expect(echo.loop.ourMessageId).toBe(true);
    const looped = await parseEmail(plain(['From: robot@example.com', 'X-Loop: suporte@loja.example', 'Message-ID: <x2@e>']), setup());
    expect(looped.loop.xLoop).toBe(true);
    const normal = await parseEmail(plain(['From: cliente@example.com', 'Message-ID: <x3@e>']), setup());
    expect(normal.loop).toEqual({ fromSelf: false, ourMessageId: false, xLoop: false });
  });

  it('keeps a customer message whose body is only a quote as its full text', async () => {
    const parsed = await parseEmail(plain(['From: c@example.com', 'Message-ID: <q@e>'], '> only quoted\r\n> text'), setup());
    expect(parsed.message.replyText).toBe('> only quoted\n> text');
  });

  it('converts an html-only message to text', async () => {
    const raw = crlf([
      'From: c@example.com',
      'Message-ID: <h@e>',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Ol&aacute;,</p><p>tudo bem?</p>',
      '',
    ]);
    const parsed = await parseEmail(raw, setup());
    expect(parsed.message.text).toBe('Olá,\n\ntudo bem?');
    expect(parsed.message.replyText).toBe('Olá,\n\ntudo bem?');
  });
});

describe('parseEmail: automatic mail', () => {
  it('reads a DSN with two failed recipients as a bounce about our message', async () => {
    const raw = crlf([
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
      'To: suporte@loja.example',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <bounce1@mx.example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; maria@example.com',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '',
      'Final-Recipient: rfc822; joao@example.org',
      'Action: failed',
      'Status: 5.2.2',
      'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
      '',
      '--B',
      'Content-Type: message/rfc822',
      '',
      'From: suporte@loja.example',
      'To: maria@example.com',
      'Subject: Re: Pedido',
      'Message-ID: <t10001.sig@loja.example>',
      '',
      'Olá',
      '--B--',
      '',
    ]);
    const parsed = await parseEmail(raw, setup());
    expect(parsed.classification).toBe('bounce');
    expect(parsed.message.classification).toBe('bounce');
    expect(parsed.bounce).toEqual({
      originalMessageId: 't10001.sig@loja.example',
      recipients: [
        { address: 'maria@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', reason: 'user_unknown' },
        { address: 'joao@example.org', action: 'failed', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', reason: 'mailbox_full' },
      ],
    });
    expect((parsed.message.metadata as { bounce: unknown }).bounce).toEqual(parsed.bounce);
    expect(parsed.classificationReason).toMatch(/delivery-status/u);
    expect((parsed.message.metadata as { classificationReason: string }).classificationReason).toBe(parsed.classificationReason);
    inboundMessageSchema.parse(parsed.message);
  });

  it('classifies an out-of-office reply', async () => {
    const raw = crlf([
      'From: Maria <maria@example.com>',
      'Subject: Resposta automática: Pedido 123',
      'Auto-Submitted: auto-replied',
      'X-Auto-Response-Suppress: All',
      'Message-ID: <ooo@example.com>',
      'In-Reply-To: <t10001.sig@loja.example>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Estou de férias até 25/05.',
      '',
    ]);
    const parsed = await parseEmail(raw, setup());
    expect(parsed.classification).toBe('auto_reply');
    expect(parsed.headers.autoSubmitted).toBe('auto-replied');
    expect(parsed.message.threadHints?.signedTicketNumbers).toEqual([10001]);
  });

  it('classifies a mailing list message', async () => {
    const raw = crlf([
      'From: someone@example.com',
      'To: riak-users@lists.example.com',
      'Subject: [riak-users] clearing a bucket',
      'List-Id: <riak-users.lists.example.com>',
      'List-Unsubscribe: <mailto:riak-users-leave@lists.example.com>',
      'Precedence: list',
      'Message-ID: <list1@example.com>',
      'Content-Type: text/plain',
      '',
      'Hi folks',
      '',
    ]);
    const parsed = await parseEmail(raw, setup());
    expect(parsed.classification).toBe('auto_reply');
    expect(parsed.headers.precedence).toBe('list');
  });

  it('reads a qmail bounce best effort', async () => {
    const raw = crlf([
      'From: MAILER-DAEMON@mail.example.net',
      'Return-Path: <>',
      'Subject: failure notice',
      'Message-ID: <q1@mail.example.net>',
      '',
      'Hi. This is the qmail-send program at mail.example.net.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      '',
      '<nobody@example.net>:',
      'Sorry, no mailbox here by that name. (#5.1.1)',
      '',
      '--- Below this line is a copy of the message.',
      '',
      'Message-ID: <t10002.sig@loja.example>',
      '',
    ]);
    const parsed = await parseEmail(raw, setup());
    expect(parsed.classification).toBe('bounce');
    expect(parsed.bounce?.originalMessageId).toBe('t10002.sig@loja.example');
    expect(parsed.bounce?.recipients[0]).toMatchObject({ address: 'nobody@example.net', status: '5.1.1' });
  });
});

describe('unparseable mail', () => {
  it('becomes a visible placeholder with parseError and best-effort headers', () => {
    const raw = Buffer.from(
      'From: =?UTF-8?B?Sm/Do28=?= <Joao@Example.com>\r\nSubject: =?UTF-8?Q?Or=C3=A7amento?=\r\nMessage-ID: <broken@example.com>\r\n\r\nConteúdo',
      'utf8',
    );
    const m = inboundMessageSchema.parse(unparseableEmail(raw, 'message over the size limit (30 MB)', 'uid-42'));
    expect(m).toMatchObject({
      externalId: 'broken@example.com',
      from: { kind: 'email', address: 'joao@example.com', displayName: 'João' },
      subject: 'Orçamento',
      parseError: 'message over the size limit (30 MB)',
    });
    expect(m.text).toContain('could not be processed');
    expect(m.text).toContain('Conteúdo');
  });

  it('never throws, even on bytes that are not a message', () => {
    const m = unparseableEmail(Buffer.from([0, 255, 254, 10, 13]), 'garbage', 'uid-43');
    expect(inboundMessageSchema.parse(m)).toMatchObject({
      externalId: 'uid-43',
      from: { address: 'unknown@unknown.invalid' },
      parseError: 'garbage',
    });
  });

  it('parseEmail turns a parser failure into the placeholder', async () => {
    const parsed = await parseEmail(Buffer.from('From: a@example.com\r\nMessage-ID: <p@e>\r\n\r\nx'), {
      ...setup(),
      mimeParser: { parse: async () => Promise.reject(new Error('boom')) },
    });
    expect(parsed.message.parseError).toBe('could not parse the message: boom');
    expect(parsed.message.externalId).toBe('p@e');
    inboundMessageSchema.parse(parsed.message);
  });
});

describe('parseEmailFileForCli', () => {
  it('prints what an admin needs to see why a mail threaded as it did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-cli-'));
    const file = join(dir, 'reply.eml');
    writeFileSync(file, CUSTOMER_REPLY);
    const out = (await parseEmailFileForCli(file, { maxAttachmentBytes: 64 * 1024 })) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(
      expect.arrayContaining(['from', 'subject', 'replyText', 'quotedText', 'attachments', 'threadHints', 'classification', 'bounce']),
    );
    expect(out.classification).toBe('customer');
    expect(out.bounce).toBeNull();
    expect((out.attachments as unknown[]).length).toBe(2);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
    expect(out.classificationReason).toMatch(/no automatic-mail evidence/u);
  });

  it('--text prints the classification, its reason, the failed recipients and the reply/quote split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-cli-'));
    const file = join(dir, 'bounce.eml');
    writeFileSync(
      file,
      crlf([
        'From: MAILER-DAEMON <>',
        'To: suporte@loja.example',
        'Subject: failure notice',
        'Message-ID: <qmail-1@mx.example.com>',
        '',
        'Hi. This is the qmail-send program at mx.example.com.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        '',
        '<gone@example.net>:',
        'Sorry, no mailbox here by that name. (#5.1.1)',
        '',
      ]),
    );
    const text = formatParseSummary((await parseEmailFileForCli(file)) as CliParseOutput);
    expect(text).toMatch(/^classification: +bounce$/mu);
    expect(text).toMatch(/^reason: +mail-system sender \(MAILER-DAEMON\)$/mu);
    expect(text).toMatch(/^failed: +gone@example\.net 5\.1\.1 \(user_unknown\)/mu);
    expect(text).toContain('--- reply (what the agent sees) ---\nHi. This is the qmail-send program');
    expect(text).toContain('--- quoted / signature (hidden) ---');
  });
});
