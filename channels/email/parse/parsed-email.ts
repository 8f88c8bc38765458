/** The parse module's result types (shared by the in-process parse, the worker pool and placeholders). */
import type { BlobStore } from '../../../src/channel/contract.js';
import type { InboundMessageInput } from '../../../src/domain/envelope.js';
import type { Classification } from '../../../src/domain/model.js';
import type { BounceReason } from './bounce-reason.js';
import type { MimeParser } from './mailparser-adapter.js';

export interface ParseEmailOptions {
  /** Attachments are streamed here (ctx.blobs). */
  blobs: BlobStore;
  maxAttachmentBytes: number;
  /** Our own addresses (loop protection: mail from them is flagged fromSelf). */
  supportAddresses: string[];
  /** Verifies one of our own signed Message-IDs; returns the ticket number or undefined. */
  verifyMessageId?: (messageId: string) => number | undefined;
  /** Injected MIME parser (defaults to the mailparser adapter). */
  mimeParser?: MimeParser;
}

export interface ParsedBounce {
  originalMessageId?: string;
  /** Only a delay warning (Action: delayed): loop-safe, but the outbound message has not failed. */
  delayed?: boolean;
  recipients: Array<{ address: string; status?: string; action?: string; diagnostic?: string; reason?: BounceReason }>;
}

export interface ParsedEmail {
  /** Ready for ctx.ingest. */
  message: InboundMessageInput;
  classification: Classification;
  /** Which rule classified the mail (also in `message.metadata.classificationReason`). */
  classificationReason: string;
  bounce?: ParsedBounce;
  /** Loop-protection signals. */
  loop: { fromSelf: boolean; ourMessageId: boolean; xLoop: boolean };
  headers: {
    messageId?: string;
    inReplyTo?: string;
    references: string[];
    autoSubmitted?: string;
    precedence?: string;
    // --- sender proof (channels/email/sender-proof.ts reads these; raw values, top first) ---
    authenticationResults?: string[];
    deliveredTo?: string[];
  };
}
