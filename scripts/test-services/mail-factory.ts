/**
 * Realistic raw RFC 5322 messages for tests and the benchmark: plain text, html with a quoted
 * thread, attachments, auto-replies and RFC 3464 delivery reports. Deterministic for a seed.
 */
import { randomBytes } from 'node:crypto';

export interface MailSpec {
  from?: string;
  fromName?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  text?: string;
  html?: string;
  date?: Date;
  headers?: Record<string, string>;
  attachments?: Array<{ filename: string; contentType: string; content: Buffer }>;
}

function wrap76(b64: string): string {
  return b64.replace(/.{1,76}/g, '$&\r\n');
}

function encodeHeader(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
}

let counter = 0;
export function uniqueId(domain = 'customer.test'): string {
  counter++;
  return `${Date.now().toString(36)}.${counter}.${randomBytes(4).toString('hex')}@${domain}`;
}

export function buildMail(spec: MailSpec): Buffer {
  const boundary = `b_${randomBytes(8).toString('hex')}`;
  const alt = `a_${randomBytes(8).toString('hex')}`;
  const lines: string[] = [];
  const from = spec.from ?? 'maria@customer.test';
  lines.push(`From: ${spec.fromName ? `${encodeHeader(spec.fromName)} <${from}>` : from}`);
  lines.push(`To: ${spec.to ?? 'support@help.test'}`);
  lines.push(`Subject: ${encodeHeader(spec.subject ?? 'Pedido não chegou')}`);
  lines.push(`Date: ${(spec.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`);
  lines.push(`Message-ID: <${spec.messageId ?? uniqueId()}>`);
  if (spec.inReplyTo) lines.push(`In-Reply-To: <${spec.inReplyTo}>`);
  if (spec.references?.length) lines.push(`References: ${spec.references.map((r) => `<${r}>`).join(' ')}`);
  for (const [k, v] of Object.entries(spec.headers ?? {})) lines.push(`${k}: ${v}`);
  lines.push('MIME-Version: 1.0');
  const text = spec.text ?? 'Olá, meu pedido 4411 ainda não chegou.\r\nObrigada, Maria';
  const textPart = [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(Buffer.from(text).toString('base64')),
  ].join('\r\n');
  const htmlPart = spec.html
    ? [
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        wrap76(Buffer.from(spec.html).toString('base64')),
      ].join('\r\n')
    : undefined;
  const body = htmlPart
    ? [`Content-Type: multipart/alternative; boundary="${alt}"`, '', `--${alt}`, textPart, `--${alt}`, htmlPart, `--${alt}--`, ''].join(
        '\r\n',
      )
    : textPart;
  if (!spec.attachments?.length) {
    return Buffer.from([...lines, body].join('\r\n') + '\r\n');
  }
  const parts = [`Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, body];
  for (const a of spec.attachments) {
    parts.push(`--${boundary}`);
    parts.push(`Content-Type: ${a.contentType}; name="${a.filename}"`);
    parts.push(`Content-Disposition: attachment; filename="${a.filename}"`);
    parts.push('Content-Transfer-Encoding: base64', '');
    parts.push(wrap76(a.content.toString('base64')));
  }
  parts.push(`--${boundary}--`, '');
  return Buffer.from([...lines, ...parts].join('\r\n'));
}

export function autoReply(spec: MailSpec = {}): Buffer {
  return buildMail({
    subject: 'Automatic reply: out of office',
    text: 'I am out of the office until Monday.',
    ...spec,
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes', ...(spec.headers ?? {}) },
  });
}

/** An RFC 3464 delivery status notification for `originalMessageId` (without brackets). */
export function dsnBounce(options: {
  originalMessageId: string;
  recipient: string;
  status?: string;
  diagnostic?: string;
  reportingMta?: string;
}): Buffer {
  const boundary = `r_${randomBytes(8).toString('hex')}`;
  const status = options.status ?? '5.1.1';
  const diagnostic = options.diagnostic ?? `smtp; 550 ${status} <${options.recipient}>: Recipient address rejected: User unknown`;
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
      'To: support@help.test',
      'Subject: Undelivered Mail Returned to Sender',
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${uniqueId('mx.customer.test')}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.customer.test.',
      "I'm sorry to have to inform you that your message could not be delivered.",
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      `Reporting-MTA: dns; ${options.reportingMta ?? 'mx.customer.test'}`,
      '',
      `Final-Recipient: rfc822; ${options.recipient}`,
      'Action: failed',
      `Status: ${status}`,
      `Diagnostic-Code: ${diagnostic}`,
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      'From: Support <support@help.test>',
      `To: ${options.recipient}`,
      'Subject: Re: Pedido [#10001]',
      `Message-ID: <${options.originalMessageId}>`,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

/** Deterministic pseudo-random bytes (incompressible enough for realistic transfer sizes). */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (let i = size - (size % 4); i < size; i++) buf[i] = i & 255;
  return buf;
}

const QUOTE_HTML = (n: number): string =>
  `<div dir="ltr">Oi, ainda estou esperando o pedido ${n}. Alguma novidade?<br><br>Maria</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">Em seg., 18 de mai. de 2026 às 14:02, Suporte &lt;support@help.test&gt; escreveu:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Olá Maria, estamos verificando com a transportadora.<br>Ana</blockquote></div>`;

/** The benchmark's mix: 60% short text, 30% html with quotes, 10% with an attachment of 50 KB–2 MB. */
export function realisticMail(i: number, domain = 'customer.test'): Buffer {
  const from = `cliente${i % 997}@${domain}`;
  const kind = i % 10;
  if (kind < 6)
    return buildMail({
      from,
      subject: `Pedido ${i} atrasado`,
      text: `Olá, o pedido ${i} ainda não chegou.\r\nPodem verificar?\r\n\r\nObrigado`,
    });
  if (kind < 9)
    return buildMail({
      from,
      subject: `Re: Pedido ${i} [#${10000 + (i % 50)}]`,
      text: `Oi, ainda estou esperando o pedido ${i}.\r\n\r\nEm seg., 18 de mai. de 2026 às 14:02, Suporte <support@help.test> escreveu:\r\n> Olá Maria, estamos verificando.`,
      html: QUOTE_HTML(i),
    });
  const size = 50 * 1024 + ((i * 7919) % (2 * 1024 * 1024 - 50 * 1024));
  return buildMail({
    from,
    subject: `Comprovante pedido ${i}`,
    text: 'Segue o comprovante em anexo.',
    attachments: [{ filename: `comprovante-${i}.pdf`, contentType: 'application/pdf', content: pseudoRandomBytes(size, i + 1) }],
  });
}
