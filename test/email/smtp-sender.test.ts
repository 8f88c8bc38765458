/** The SMTP sender through real nodemailer to a real smtp-server on loopback. */
import { createEmailChannelDefinition, emailSigner, type EmailChannelConfig } from '../../channels/email/index.js';
import { ChannelError } from '../../src/domain/errors.js';
import type { ChannelSender, OutboundMessage } from '../../src/channel/contract.js';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { createFakeContext, type FakeContext } from '../support/fake-context.js';
import { emailConfig } from './helpers.js';
import { outboundMessage } from '../support/outbound-message.js';

const noDovecot = {
  imapConfig: (extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: 1, user: 'support@help.test', password: 'x', ...extra }),
};

function outbound(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return outboundMessage({
    outboxId: '01JZ8Q3M5K7V9XW2YB4C6D8E0F',
    messageId: '01JZ8Q3M5K7V9XW2YB4C6D8E0G',
    channelId: 'support',
    ticket: { id: 't1', number: 10001, subject: 'Pedido 4411 não chegou', subjectToken: '[#10001]', locale: 'pt-BR' },
    recipient: { kind: 'email', address: 'maria@customer.test', displayName: 'Maria Souza' },
    text: 'Olá Maria, já verificamos.\n\nAna',
    html: '<p>Olá Maria, já verificamos.</p><p>Ana</p>',
    threading: { inReplyTo: 'c3@customer.test', references: ['c3@customer.test', 'ponte.10001.x.y@help.test', 'c1@customer.test'] },
    authorName: 'Ana',
    ...overrides,
  });
}

describe('email SMTP sender', () => {
  let smtp: SmtpCapture;
  let ctx: FakeContext;
  let sender: ChannelSender;
  let config: EmailChannelConfig;

  beforeEach(async () => {
    smtp = await startSmtpCapture();
    ctx = createFakeContext('support');
    config = emailConfig(noDovecot, smtp, { replyTo: { mode: 'plus' } });
    sender = createEmailChannelDefinition().create(config, ctx).sender!;
  });
  afterEach(async () => {
    await sender.close?.();
    await smtp.stop();
  });

  it('sends a threaded reply with our signed Message-ID, reused on retry', async () => {
    const msg = outbound();
    const externalId = sender.assignExternalId!(msg);
    expect(sender.assignExternalId!(msg)).toBe(externalId);
    expect(externalId).toMatch(/^ponte\.10001\.01jz8q3m5k7v9xw2yb4c6d8e0f\.[0-9a-f]{20}@help\.test$/);
    const receipt = await sender.send({ ...msg, externalId });
    expect(receipt.externalId).toBe(externalId);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual(['maria@customer.test']);
    expect(mail!.from).toBe('support@help.test');
    expect(mail!.header('from')).toBe('Ana via Help Desk <support@help.test>');
    expect(mail!.header('subject')).toMatch(/^=\?UTF-8\?|^Re: Pedido 4411 n/);
    expect(mail!.header('message-id')).toBe(`<${externalId}>`);
    expect(mail!.header('in-reply-to')).toBe('<c3@customer.test>');
    expect(mail!.header('references')).toBe('<c1@customer.test> <ponte.10001.x.y@help.test> <c3@customer.test>');
    expect(mail!.header('reply-to')).toMatch(/^"?Help Desk"? <support\+10001\.[0-9a-f]{12}@help\.test>$/);
    expect(mail!.header('x-loop')).toBe('support@help.test');
    expect(mail!.header('auto-submitted')).toBeUndefined();
    const raw = mail!.raw.toString();
    expect(raw).toMatch(/multipart\/alternative/);
    expect(raw).toMatch(/text\/plain/);
    expect(raw).toMatch(/text\/html/);
  });

  it('marks automatic mail, attaches files from the blob store and never mutes it (the cap lives in the core)', async () => {
    const blob = await ctx.blobs.put(Buffer.from('%PDF-1.4 fake'));
    const auto = outbound({
      automatic: true,
      purpose: 'auto_ack',
      authorName: 'Ana',
      attachments: [{ blobKey: blob.key, filename: 'recibo.pdf', contentType: 'application/pdf', size: blob.size }],
    });
    await sender.send({ ...auto, outboxId: 'a1' });
    await sender.send({ ...auto, outboxId: 'a2' });
    const [first] = await smtp.waitFor(2);
    expect(first!.header('auto-submitted')).toBe('auto-replied');
    expect(first!.header('x-auto-response-suppress')).toBe('All');
    expect(first!.header('from')).toBe('Help Desk <support@help.test>');
    expect(first!.raw.toString()).toContain('filename=recibo.pdf');
    expect(first!.raw.toString()).toContain(Buffer.from('%PDF-1.4 fake').toString('base64'));
    // Issue 9: an in-memory cap here failed agent notifications (3 of 6 in one hour reached the agent).
    for (let i = 3; i <= 8; i++) await sender.send({ ...auto, outboxId: `a${i}` });
    expect((await smtp.waitFor(8)).filter((m) => m.header('auto-submitted') === 'auto-replied')).toHaveLength(8);
  });

  it('a notification to an agent carries a per-agent token in its Message-ID and Reply-To that proves that agent', async () => {
    const agentId = '01JZ8Q3M5K7V9XW2YB4C6D8E0A';
    const note = outbound({
      outboxId: 'n1outbox',
      automatic: true,
      purpose: 'notification',
      recipient: { kind: 'email', address: 'ana@loja.test' },
      recipientAgentId: agentId,
    });
    const externalId = sender.assignExternalId!(note);
    await sender.send({ ...note, externalId });
    const [mail] = await smtp.waitFor(1);
    const signer = emailSigner(config, ctx);
    expect(mail!.header('message-id')).toBe(`<${externalId}>`);
    expect(signer.verifyAgent(externalId)).toEqual({ agentId: agentId.toLowerCase(), ticketNumber: 10001 });
    expect(signer.verify(externalId)).toBe(10001);
    const replyTo = /<([^>]+)>/.exec(mail!.header('reply-to')!)![1]!;
    expect(replyTo.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(signer.verifyAgentPlusAddress(replyTo, config.addresses)).toEqual({ agentId: agentId.toLowerCase(), ticketNumber: 10001 });
    // The customer's copy of the same ticket carries no agent token (today's formats).
    const customerId = sender.assignExternalId!(outbound({ outboxId: 'c1outbox' }));
    expect(signer.verifyAgent(customerId)).toBeUndefined();
    expect(customerId).toMatch(/^ponte\.10001\.c1outbox\.[0-9a-f]{20}@help\.test$/);
  });

  it('copies email participants in Cc, never in To and never instead of the recipient', async () => {
    await sender.send(
      outbound({
        outboxId: 'cc1',
        cc: [
          { kind: 'email', address: 'joao@customer.test', displayName: 'João' },
          { kind: 'email', address: 'maria@customer.test' },
          { kind: 'email', address: 'support@help.test' },
        ],
      }),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail!.header('to')).toBe('Maria Souza <maria@customer.test>');
    expect(mail!.header('cc')).toMatch(/^(?:=\?UTF-8\?[^<]+|"?João"?) <joao@customer\.test>$/);
    expect(mail!.to.sort()).toEqual(['joao@customer.test', 'maria@customer.test']);
    // Without participants, no Cc line at all.
    await sender.send(outbound({ outboxId: 'cc2' }));
    expect((await smtp.waitFor(2))[1]!.header('cc')).toBeUndefined();
  });

  it('classifies server answers: 5xx permanent, 4xx retryable, server down retryable', async () => {
    smtp.setFailure({ code: 550, message: '5.1.1 mailbox unavailable' });
    const permanent = await sender.send(outbound({ outboxId: 'p1' })).catch((e: unknown) => e);
    expect(permanent).toBeInstanceOf(ChannelError);
    expect(permanent).toMatchObject({ code: 'smtp_550', retryable: false });

    smtp.setFailure({ code: 451, message: '4.3.0 try again later' });
    await expect(sender.send(outbound({ outboxId: 'p2' }))).rejects.toMatchObject({ code: 'smtp_451', retryable: true });

    smtp.setFailure(undefined);
    await smtp.stop();
    await expect(sender.send(outbound({ outboxId: 'p3' }))).rejects.toMatchObject({ code: 'network', retryable: true });
    await smtp.start();
    await sender.send(outbound({ outboxId: 'p3' }));
    expect((await smtp.waitFor(1)).length).toBe(1);
  });

  it('refuses recipients it cannot or must not mail', async () => {
    await expect(sender.send(outbound({ recipient: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' } }))).rejects.toMatchObject(
      { code: 'recipient_not_email', retryable: false },
    );
    await expect(sender.send(outbound({ recipient: { kind: 'email', address: 'Support@help.test' } }))).rejects.toMatchObject({
      code: 'recipient_is_self',
      retryable: false,
    });
  });
});
