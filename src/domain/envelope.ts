import { z } from 'zod';
import { CLASSIFICATIONS, IDENTITY_KINDS, PRIORITIES } from './model.js';

/**
 * The one normalized shape every adapter hands to `ctx.ingest()`. Validated with zod at the
 * core boundary; an adapter bug becomes a ValidationError with field paths, never bad rows.
 */
export const addressSchema = z.object({
  kind: z.enum(IDENTITY_KINDS),
  address: z.string().min(1).max(320),
  displayName: z.string().max(200).optional(),
});

export const attachmentRefSchema = z.object({
  /** Key returned by `ctx.blobs.put()`; the core never receives the bytes. */
  blobKey: z.string().min(1),
  filename: z.string().max(255),
  contentType: z.string().max(255),
  size: z.number().int().nonnegative(),
  /** For inline images referenced as `cid:` from the html. */
  contentId: z.string().max(255).optional(),
  inline: z.boolean().optional(),
  /** Voice note, sticker … (channel-specific detail, shown to agents). */
  variant: z.string().max(40).optional(),
});
export type AttachmentRef = z.infer<typeof attachmentRefSchema>;

export const threadHintsSchema = z.object({
  /** External ids this message refers to (In-Reply-To first, then References newest-first; a quoted chat message id). */
  references: z.array(z.string().min(1).max(998)).max(200).default([]),
  /** Ticket numbers proven by a signature we made (e.g. our signed Message-ID). Treated like a thread reference. */
  signedTicketNumbers: z.array(z.number().int().positive()).max(20).default([]),
});
export type ThreadHints = z.infer<typeof threadHintsSchema>;

/**
 * What the channel proved about the sender (ARCHITECTURE rule 0). Everything not proven is a
 * claim: recorded and shown, never trusted to make an agent, join a contact or a ticket.
 */
export const senderProofSchema = z.object({
  /**
   * `channel`: the transport itself proves `from` (WhatsApp proves the phone);
   * `authenticated`: the receiving server's trusted Authentication-Results (or our own DKIM/DMARC
   * check) passed, aligned with the From domain; `none`: a claim (a plain mail From:, a form field).
   */
  level: z.enum(['none', 'authenticated', 'channel']).default('none'),
  /**
   * Email: our per-agent signed token, found in In-Reply-To/References/To of a reply to a
   * notification Ponte sent to *that* agent about *that* ticket.
   */
  agentToken: z.object({ agentId: z.string().min(1).max(64), ticketNumber: z.number().int().positive() }).optional(),
  /** Email: a trusted authentication result reported a DMARC/DKIM/SPF failure for the From domain (the reason). */
  authFailure: z.string().max(300).optional(),
});
export type SenderProof = z.infer<typeof senderProofSchema>;

export const inboundMessageSchema = z.object({
  /** Stable per channel; the de-duplication key together with the channel id. */
  externalId: z.string().min(1).max(998),
  /** When the customer sent it (epoch ms); the core falls back to its clock. */
  sentAt: z.number().int().nonnegative().optional(),
  from: addressSchema,
  /** Other identities of the same person (a WhatsApp LID for a phone JID …): linked to the contact. */
  fromAliases: z.array(addressSchema).max(10).default([]),
  /** What the channel proved about `from` (see senderProofSchema). Defaults to a claim. */
  proof: senderProofSchema.default({ level: 'none' }),
  /**
   * Identities the sender typed but the channel did not prove (a form's phone beside its email):
   * stored as claims on the ticket (searchable), never added to a contact until proven.
   */
  claims: z.array(addressSchema).max(10).default([]),
  /** Forms to look up only (Brazilian numbers with/without the ninth digit): never created. */
  lookupAlso: z.array(addressSchema).max(10).default([]),
  to: z.array(addressSchema).max(200).default([]),
  cc: z.array(addressSchema).max(200).default([]),
  subject: z.string().max(2000).optional(),
  /** Full plain text (for email: the whole body, quotes included). */
  text: z.string().max(5_000_000).default(''),
  /** The new part the customer wrote (quotes and signature stripped). Defaults to `text`. */
  replyText: z.string().max(5_000_000).optional(),
  quotedText: z.string().max(5_000_000).optional(),
  /** Raw html as received; the core sanitizes it before storing. */
  html: z.string().max(10_000_000).optional(),
  attachments: z.array(attachmentRefSchema).max(500).default([]),
  threadHints: threadHintsSchema.default({ references: [], signedTicketNumbers: [] }),
  classification: z.enum(CLASSIFICATIONS).default('customer'),
  /** The merchant's own account wrote this (typed on the phone): recorded as an agent message, nobody notified. */
  fromBusiness: z.boolean().default(false),
  /** False: a message from a registered agent's address is handled like any customer's (channel config `agentReplies: false`). */
  agentCommands: z.boolean().default(true),
  /** The echo of a message this gateway sent: recorded as duplicate of the outbound message. */
  ownEcho: z.boolean().default(false),
  /** Set when the adapter could not parse the payload: the message is kept raw and visible with this note. */
  parseError: z.string().max(2000).optional(),
  /** Channel-specific, small, typed by the adapter (message type, WhatsApp key, IMAP uid …). */
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** Optional ticket fields carried by the message (web forms). */
  ticketFields: z
    .object({
      category: z.string().max(200).optional(),
      reference: z.string().max(200).optional(),
      priority: z.enum(PRIORITIES).optional(),
      origin: z.string().max(100).optional(),
      customFields: z.record(z.string(), z.string().max(2000)).optional(),
      /** Web forms: add to the requester's open ticket with the same category and reference. */
      matchExistingRequest: z.boolean().optional(),
    })
    .optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type InboundMessageInput = z.input<typeof inboundMessageSchema>;

export const inboundEnvelopeSchema = z.object({
  message: inboundMessageSchema,
  /** Saved to the channel's state in the same transaction as the message (IMAP UID cursor …). */
  checkpoint: z.object({ key: z.string().min(1).max(200), value: z.unknown() }).optional(),
  /** Blob key of the raw payload (the .eml, the webhook JSON). */
  rawKey: z.string().optional(),
  /** The adapter decided to drop this message (group chat, newsletter): a receipt is recorded, nothing else. */
  ignore: z.object({ reason: z.string().max(200) }).optional(),
  /** Idempotency key from the client (web forms); de-duplicates like the external id. */
  idempotencyKey: z.string().max(255).optional(),
});
export type InboundEnvelope = z.infer<typeof inboundEnvelopeSchema>;
export type InboundEnvelopeInput = z.input<typeof inboundEnvelopeSchema>;

export type IngestOutcome =
  | {
      status: 'created' | 'appended';
      ticketId: string;
      ticketNumber: number;
      /** The ticket's status after this message. */
      ticketStatus: import('./model.js').TicketStatus;
      messageId: string;
      matchedBy: import('./model.js').MatchedBy;
      /** The sender was a registered agent: the message was recorded as their reply or note. */
      asAgent?: { agentId: string; visibility: 'public' | 'internal' };
      /** A stranger typed a ticket number: the new ticket records it. */
      mentionedTicketNumber?: number;
    }
  | { status: 'duplicate'; ticketId?: string; ticketNumber?: number; ticketStatus?: import('./model.js').TicketStatus; messageId?: string }
  | { status: 'ignored'; reason: string };
