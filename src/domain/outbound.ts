import type { Address, MessagePurpose } from './model.js';

/** What the outbox hands a channel's sender. Built by the core from the stored message and ticket. */
export interface OutboundMessage {
  /** The outbox row id: the idempotency key. The same row is never intentionally sent twice after success. */
  outboxId: string;
  /** Our message row id. */
  messageId: string;
  channelId: string;
  /** External id assigned before the first attempt (see ChannelSender.assignExternalId), reused on retries. */
  externalId?: string | undefined;
  ticket: {
    id: string;
    number: number;
    subject: string;
    /** The configured subject token for this ticket, e.g. `[#10001]`. */
    subjectToken: string;
    locale: string;
  };
  recipient: Address;
  /** Other people on the thread who get a copy (email participants in Cc); never replaces `recipient`. */
  cc?: Address[] | undefined;
  /**
   * Set when the recipient is one of our agents (a notification): the email sender signs a
   * per-agent token into Reply-To and Message-ID, so only that agent's answer proves them.
   */
  recipientAgentId?: string | undefined;
  text: string;
  html?: string | undefined;
  attachments: Array<{ blobKey: string; filename: string; contentType: string; size: number }>;
  /** External ids on this channel: the message answered and the thread, newest first. */
  threading: { inReplyTo?: string | undefined; references: string[] };
  /** True for every message no human typed (acknowledgements, notifications …): `Auto-Submitted: auto-replied`. */
  automatic: boolean;
  purpose: MessagePurpose;
  /** Display name of the agent who wrote it (for a "Name via Support" From line). */
  authorName?: string | undefined;
  /** When the recipient last wrote to us on this channel (WhatsApp Cloud's 24-hour window). */
  recipientLastInboundAt?: number | undefined;
  /** A pre-approved template (WhatsApp Cloud outside the window). */
  template?: { name: string; language: string; params: string[] } | undefined;
}

export interface SendReceipt {
  /** The id the channel knows the message by (our Message-ID, the WhatsApp message id). */
  externalId: string;
  /** The recipient as the channel resolved it, for logs (the SMTP envelope address). */
  resolvedRecipient?: string | undefined;
  /**
   * The identity the channel actually delivered to, when it differs from the one asked for (a
   * WhatsApp JID for a typed phone number). The core records it as one of the requester's
   * identities, so their messages from it land on their tickets. The channel names its kind:
   * the core never guesses a kind from an address.
   */
  resolvedIdentity?: Address | undefined;
}
