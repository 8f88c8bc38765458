/** Contacts, agents, tickets, messages and what the core writes beside them (receipts, channel state, outbox, events). Timestamps are epoch ms (bigint in PostgreSQL, read back as numbers); JSON is text. */
import type { ColumnType } from 'kysely';

type Ms = ColumnType<number, number, number>;

export interface ContactsTable {
  id: string;
  name: string | null;
  locale: string | null;
  created_at: Ms;
  updated_at: Ms;
}
export interface ContactIdentitiesTable {
  id: string;
  contact_id: string;
  kind: string;
  address: string;
  created_at: Ms;
}
export interface AgentsTable {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string; // agent | admin
  token_hash: string;
  notify_channel_id: string | null;
  active: number;
  created_at: Ms;
  token_expires_at: Ms | null;
  token_created_at: Ms | null;
  disabled_at: Ms | null;
}
export interface CountersTable {
  name: string;
  value: number;
}
export interface TicketsTable {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  category: string | null;
  reference: string | null;
  origin: string | null;
  custom_fields: string; // JSON object
  requester_id: string;
  assignee_id: string | null;
  origin_channel_id: string;
  last_customer_channel_id: string;
  locale: string;
  mentioned_ticket_number: number | null;
  follow_up_of: string | null;
  created_at: Ms;
  updated_at: Ms;
  first_response_at: Ms | null;
  solved_at: Ms | null;
  closed_at: Ms | null;
  status_changed_at: Ms;
  last_customer_message_at: Ms | null;
  last_agent_reply_at: Ms | null;
  first_response_due_at: Ms | null;
  next_response_due_at: Ms | null;
}
export interface TicketParticipantsTable {
  ticket_id: string;
  contact_id: string;
  created_at: Ms;
}
export interface MessagesTable {
  id: string;
  ticket_id: string;
  direction: string; // in | out
  visibility: string; // public | internal
  author_type: string; // customer | agent | system
  author_contact_id: string | null;
  author_agent_id: string | null;
  purpose: string;
  channel_id: string | null;
  external_id: string | null;
  sender_address: string | null;
  /** The identity kind that wrote an inbound message (email, phone, whatsapp_lid …). */
  sender_kind: string | null;
  recipient_kind: string | null;
  recipient_address: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  reply_text: string | null;
  quoted_text: string | null;
  classification: string;
  delivery_status: string | null;
  error_code: string | null;
  error_message: string | null;
  matched_by: string | null;
  metadata: string; // JSON
  raw_key: string | null;
  parse_error: string | null;
  reactions: string; // JSON array
  edited_at: Ms | null;
  revoked_at: Ms | null;
  created_at: Ms;
  sent_at: Ms | null;
  delivered_at: Ms | null;
  read_at: Ms | null;
}
export interface AttachmentsTable {
  id: string;
  message_id: string;
  blob_key: string;
  filename: string;
  content_type: string;
  size: number;
  content_id: string | null;
  inline: number;
  variant: string | null;
  created_at: Ms;
  /** As the sender declared them; `filename` and `content_type` hold the safe name and validated type. */
  original_filename: string | null;
  declared_content_type: string | null;
}
export interface InboundReceiptsTable {
  channel_id: string;
  external_id: string;
  outcome: string; // created | appended | ignored
  ticket_id: string | null;
  message_id: string | null;
  reason: string | null;
  received_at: Ms;
}
export interface ChannelStateTable {
  channel_id: string;
  key: string;
  value: string; // JSON
  updated_at: Ms;
}
export interface OutboxTable {
  id: string;
  message_id: string;
  channel_id: string;
  status: string; // pending | sending | sent | failed
  attempts: number;
  next_attempt_at: Ms;
  claimed_by: string | null;
  claim_expires_at: Ms | null;
  last_error_code: string | null;
  last_error: string | null;
  created_at: Ms;
  updated_at: Ms;
}
export interface TicketEventsTable {
  id: string;
  ticket_id: string;
  type: string;
  from_value: string | null;
  to_value: string | null;
  actor_type: string; // customer | agent | system
  actor_id: string | null;
  created_at: Ms;
}
