/**
 * Sends agent replies and automatic mail of one mailbox through its pooled SMTP transport.
 * The Message-ID is derived from the outbox id (signed with the ticket number), so a retry
 * after a timeout reuses it and the customer's client threads both copies as one.
 *
 * A notification to an agent (`recipientAgentId`) carries a per-agent token in its Message-ID
 * and, in `plus` mode, its Reply-To: only that agent's answer proves them (issue 9). Email
 * participants (`cc`) are copied in Cc, never in To. There is no cap here: the core keeps the
 * one durable cap on automatic messages (an in-memory cap here muted agent notifications).
 */
import type { ChannelContext, ChannelSender, OutboundMessage, SendReceipt } from '../../src/channel/contract.js';
import { ChannelError } from '../../src/domain/errors.js';
import type { EmailChannelConfig } from './config.js';
import type { MessageIdSigner } from './message-id.js';
import type { MailTransport, OutgoingMail } from './nodemailer-transport.js';
import { ccRecipients, fromDisplayName, referencesHeader, replySubject } from './outbound-mail.js';
import { classifySmtpError } from './smtp-errors.js';

export interface SmtpSenderOptions {
  config: EmailChannelConfig;
  ctx: ChannelContext;
  signer: MessageIdSigner;
  /** Built lazily on the first send (no I/O before use). */
  transport: () => MailTransport;
}

/** External ids are stored without brackets; headers carry them with. */
export function bracketed(id: string): string {
  const bare = id.trim().replace(/^<+|>+$/g, '');
  return `<${bare}>`;
}

export function createSmtpSender(options: SmtpSenderOptions): ChannelSender {
  const { config, ctx, signer } = options;
  const from = config.addresses[0]!;
  let transport: MailTransport | undefined;

  const assignExternalId = (message: OutboundMessage): string =>
    (message.recipientAgentId ? signer.createForAgent(message.ticket.number, message.recipientAgentId, message.outboxId) : undefined) ??
    signer.create(message.ticket.number, message.outboxId);

  return {
    assignExternalId,
    async send(message: OutboundMessage): Promise<SendReceipt> {
      if (message.recipient.kind !== 'email') {
        throw new ChannelError('recipient_not_email', `the email channel cannot deliver to a ${message.recipient.kind} address`, false);
      }
      const to = message.recipient.address.trim();
      if (config.addresses.includes(to.toLowerCase())) {
        throw new ChannelError('recipient_is_self', 'refusing to mail our own support address (loop)', false);
      }
      const messageId = message.externalId ?? assignExternalId(message);
      const headers: Record<string, string> = {
        'X-Loop': from,
        'X-Ponte-Ticket': String(message.ticket.number),
      };
      if (message.automatic) {
        headers['Auto-Submitted'] = 'auto-replied';
        headers['X-Auto-Response-Suppress'] = 'All';
        headers['Precedence'] = 'auto_reply';
      }
      const mail: OutgoingMail = {
        from: { name: fromDisplayName(config.displayName, message.authorName, message.automatic), address: from },
        to: [{ address: to, ...(message.recipient.displayName ? { name: message.recipient.displayName } : {}) }],
        cc: ccRecipients(message.cc, to, config.addresses),
        ...(config.replyTo.mode === 'plus'
          ? {
              replyTo: {
                name: config.displayName,
                address: signer.plusAddress(from, message.ticket.number, config.replyTo.separator, message.recipientAgentId),
              },
            }
          : {}),
        subject: replySubject(message.ticket.subject, message.ticket.subjectToken),
        messageId: bracketed(messageId),
        inReplyTo: message.threading.inReplyTo ? bracketed(message.threading.inReplyTo) : undefined,
        references: referencesHeader(message.threading.inReplyTo, message.threading.references).map(bracketed),
        text: message.text,
        html: message.html,
        headers,
        attachments: message.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: ctx.blobs.get(a.blobKey),
        })),
        date: new Date(ctx.clock.now()),
      };
      transport ??= options.transport();
      try {
        const result = await transport.send(mail);
        if (result.accepted.length === 0 && result.rejected.length > 0) {
          throw new ChannelError('smtp_rejected', `the server rejected the recipient: ${result.response.slice(0, 200)}`, false);
        }
      } catch (err) {
        // Streams opened for this attempt must not leak file handles.
        for (const a of mail.attachments) a.content.destroy();
        const classified = classifySmtpError(err);
        ctx.logger.warn({ outboxId: message.outboxId, code: classified.code, retryable: classified.retryable }, 'smtp send failed');
        throw classified;
      }
      return { externalId: messageId, resolvedRecipient: to.toLowerCase() };
    },
    async close() {
      transport?.close();
      transport = undefined;
    },
  };
}
