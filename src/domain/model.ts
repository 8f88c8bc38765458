/** Vocabulary shared by the core and every channel. Pure types and constants, no I/O. */

export const TICKET_STATUSES = ['new', 'open', 'pending', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * Kinds of contact identity. Addresses are normalized per kind:
 * - email: lower-cased address (`maria@example.com`)
 * - phone: E.164 with the plus (`+5511987654321`)
 * - whatsapp: phone JID without device (`5511987654321@s.whatsapp.net`)
 * - whatsapp_lid: LID JID without device (`203948571620394@lid`)
 * - whatsapp_bsuid: Cloud API business-scoped user id (no phone known)
 */
export const IDENTITY_KINDS = ['email', 'phone', 'whatsapp', 'whatsapp_lid', 'whatsapp_bsuid'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface Address {
  kind: IdentityKind;
  address: string;
  displayName?: string | undefined;
}

export type Direction = 'in' | 'out';
export type Visibility = 'public' | 'internal';
export type AuthorType = 'customer' | 'agent' | 'system';

/**
 * Why a message exists. Customer messages are `message`; agent replies `reply`; internal notes
 * `note`; the rest are automatic mail (`automatic` on the outbound message is true for them).
 */
export const MESSAGE_PURPOSES = [
  'message',
  'reply',
  'note',
  'notification',
  'auto_ack',
  'out_of_hours',
  'reminder',
  'status_notice',
  'system',
] as const;
export type MessagePurpose = (typeof MESSAGE_PURPOSES)[number];

export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Delivery moves forward only: a late `delivered` never overwrites `read`. `failed` is final. */
export const DELIVERY_RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** How an inbound message found its ticket (stored on the message; returned by ingest). */
export type MatchedBy =
  | 'thread_reference'
  | 'signed_token'
  | 'ticket_number'
  | 'open_ticket'
  | 'existing_request'
  | 'new_ticket'
  | 'follow_up';

/** What kind of mail/chat this is, as decided by the adapter's classifier. */
export const CLASSIFICATIONS = ['customer', 'auto_reply', 'bounce', 'complaint', 'delivery_receipt'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Where `knownContactsOnly: reply` keeps an unknown sender's messages (one closed ticket each). */
export const UNKNOWN_CONTACT_CATEGORY = 'unknown_contact';
/** `knownContactsOnly: review`: the category of such tickets, so the team can filter them. */
export const REVIEW_CATEGORY = 'review';
