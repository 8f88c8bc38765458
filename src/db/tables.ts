/** Row types as stored, one file per area under tables/; `DB` is the whole schema kysely types against. */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type {
  ContactsTable,
  ContactIdentitiesTable,
  AgentsTable,
  CountersTable,
  TicketsTable,
  TicketParticipantsTable,
  MessagesTable,
  AttachmentsTable,
  InboundReceiptsTable,
  ChannelStateTable,
  OutboxTable,
  TicketEventsTable,
} from './tables/tickets.table.js';
import type { LeasesTable, RateBucketsTable, TimersTable, AutomaticSendsTable } from './tables/runtime.table.js';
import type {
  TicketClaimsTable,
  TicketRecipientsTable,
  NotificationDigestsTable,
  AuditLogTable,
  UsedUploadTokensTable,
  ContactMergesTable,
} from './tables/trust.table.js';
import type {
  WebSessionsTable,
  AgentCredentialsTable,
  LoginAttemptsTable,
  WebTokensTable,
  TicketReadsTable,
  PortalSessionsTable,
  PortalSignInTokensTable,
  PortalUsedSignaturesTable,
  PortalContactSettingsTable,
} from './tables/web.table.js';
import type {
  WebhookSubscriptionsTable,
  WebhookEventsTable,
  WebhookDeliveriesTable,
  ErasureReceiptsTable,
  TicketErasuresTable,
  ErasureTombstonesTable,
} from './tables/integrations.table.js';

export type * from './tables/tickets.table.js';
export type * from './tables/runtime.table.js';
export type * from './tables/trust.table.js';
export type * from './tables/web.table.js';
export type * from './tables/integrations.table.js';

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
