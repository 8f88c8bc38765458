/** Row types as stored. Timestamps are epoch ms (bigint in PostgreSQL, read back as numbers); JSON is text. */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

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
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: Ms;
  /** Fencing number: +1 each time the lease passes to a new holder. */
  epoch: Generated<number>;
}
export interface RateBucketsTable {
  key: string;
  tokens: number;
  at: Ms;
  allowed: Generated<number>;
}
export interface TimersTable {
  id: string;
  ticket_id: string;
  kind: string;
  due_at: Ms;
  status: string; // scheduled | done | cancelled
  claimed_by: string | null;
  claim_expires_at: Ms | null;
  created_at: Ms;
}
export interface AutomaticSendsTable {
  id: string;
  address: string;
  kind: string;
  created_at: Ms;
}

export interface TicketClaimsTable {
  id: string;
  ticket_id: string;
  kind: string;
  address: string;
  display_name: string | null;
  created_at: Ms;
  linked_contact_id: string | null;
  linked_at: Ms | null;
  linked_by: string | null;
  verify_code_hash: string | null;
  verify_expires_at: Ms | null;
  verify_attempts: Generated<number>;
}
export interface TicketRecipientsTable {
  ticket_id: string;
  kind: string;
  address: string;
  created_at: Ms;
}
export interface NotificationDigestsTable {
  id: string;
  agent_id: string;
  ticket_id: string;
  channel_id: string;
  recipient_kind: string;
  recipient_address: string;
  count: number;
  last_text: string;
  first_at: Ms;
  due_at: Ms;
}

export interface AuditLogTable {
  id: string;
  actor_type: string; // agent | system | cli
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  detail: string; // JSON
  created_at: Ms;
}
export interface UsedUploadTokensTable {
  token_id: string;
  agent_id: string;
  message_id: string | null;
  expires_at: Ms;
  used_at: Ms;
}
export interface ContactMergesTable {
  id: string;
  kept_contact_id: string;
  dropped_contact_id: string;
  snapshot: string; // JSON: what moved, and the dropped contact as it was
  evidence: string;
  actor_id: string;
  created_at: Ms;
  undone_at: Ms | null;
  undone_by: string | null;
}

export interface WebSessionsTable {
  id: string; // sha256 of the cookie value
  agent_id: string;
  created_at: Ms;
  last_seen_at: Ms;
  expires_at: Ms;
  user_agent: string | null;
  ip: string | null;
}
export interface AgentCredentialsTable {
  agent_id: string;
  password_hash: string; // scrypt$N$r$p$salt$hash
  updated_at: Ms;
}
export interface LoginAttemptsTable {
  key: string; // a:<email> | i:<ip>
  window_start: Ms;
  failures: number;
  locked_until: Ms | null;
}
export interface WebTokensTable {
  id: string; // sha256 of the one-time token
  agent_id: string;
  purpose: string; // invite | reset
  created_at: Ms;
  expires_at: Ms;
  used_at: Ms | null;
}
export interface TicketReadsTable {
  agent_id: string;
  ticket_id: string;
  read_at: Ms;
}

/** The customer portal (migration 20261130T1230-portal). */
export interface PortalSessionsTable {
  id: string; // sha256 of the cookie value
  brand: string;
  identity_kind: string; // email | phone | whatsapp
  identity_address: string;
  organization: string | null;
  via: string; // link | code | signed
  created_at: Ms;
  last_seen_at: Ms;
  expires_at: Ms;
  user_agent: string | null;
  ip: string | null;
}
export interface PortalSignInTokensTable {
  id: string; // sha256 of the link token
  brand: string;
  identity_kind: string;
  identity_address: string;
  code_hash: string;
  attempts: number;
  created_at: Ms;
  expires_at: Ms;
  used_at: Ms | null;
}
export interface PortalUsedSignaturesTable {
  id: string; // sha256 of a used merchant signature
  expires_at: Ms;
}
export interface PortalContactSettingsTable {
  contact_id: string;
  notify: string; // all | needs_reply
  organization: string | null;
  updated_at: Ms;
}

/** Integrations (migration 20261130T1300-integrations): outbound webhooks and LGPD erasure. */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  secret: string; // whsec_<base64>
  events: string; // JSON array of event types, or ["*"]
  description: string | null;
  source: string; // config | api
  active: number;
  created_at: Ms;
  updated_at: Ms;
}
export interface WebhookEventsTable {
  id: string; // msg_<ulid>: the webhook-id header
  type: string;
  ticket_id: string | null;
  payload: string; // JSON body as sent
  created_at: Ms;
}
export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  subscription_id: string;
  order_key: string; // ticket id (or the event id): one key's deliveries go in order
  status: string; // pending | sending | delivered | failed
  attempts: number;
  next_attempt_at: Ms;
  claimed_by: string | null;
  claim_expires_at: Ms | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Ms;
  updated_at: Ms;
  delivered_at: Ms | null;
}
export interface ErasureReceiptsTable {
  id: string;
  contact_id: string; // the pseudonymous contact left behind: the receipt names no person
  actor_type: string;
  actor_id: string | null;
  mode: string; // tickets | messages
  removed: string; // JSON counts
  created_at: Ms;
}
export interface TicketErasuresTable {
  ticket_id: string;
  level: string; // erase | pseudonymize
  created_at: Ms;
}
export interface ErasureTombstonesTable {
  hash: string; // sha256(channel id + NUL + external id)
  created_at: Ms;
}

export interface DB {
  contacts: ContactsTable;
  contact_identities: ContactIdentitiesTable;
  agents: AgentsTable;
  counters: CountersTable;
  tickets: TicketsTable;
  ticket_participants: TicketParticipantsTable;
  messages: MessagesTable;
  attachments: AttachmentsTable;
  inbound_receipts: InboundReceiptsTable;
  channel_state: ChannelStateTable;
  outbox: OutboxTable;
  ticket_events: TicketEventsTable;
  leases: LeasesTable;
  rate_buckets: RateBucketsTable;
  timers: TimersTable;
  automatic_sends: AutomaticSendsTable;
  audit_log: AuditLogTable;
  used_upload_tokens: UsedUploadTokensTable;
  contact_merges: ContactMergesTable;
  ticket_claims: TicketClaimsTable;
  ticket_recipients: TicketRecipientsTable;
  notification_digests: NotificationDigestsTable;
  web_sessions: WebSessionsTable;
  agent_credentials: AgentCredentialsTable;
  login_attempts: LoginAttemptsTable;
  web_tokens: WebTokensTable;
  ticket_reads: TicketReadsTable;
  portal_sessions: PortalSessionsTable;
  portal_sign_in_tokens: PortalSignInTokensTable;
  portal_used_signatures: PortalUsedSignaturesTable;
  portal_contact_settings: PortalContactSettingsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  erasure_receipts: ErasureReceiptsTable;
  erasure_tombstones: ErasureTombstonesTable;
  ticket_erasures: TicketErasuresTable;
}

export type TicketRow = Selectable<TicketsTable>;
export type NewTicket = Insertable<TicketsTable>;
export type TicketUpdate = Updateable<TicketsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type AgentRow = Selectable<AgentsTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
