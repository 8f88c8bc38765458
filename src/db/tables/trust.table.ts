/** Trust (claims, recipients, digests), the audit log, used upload tokens and contact merges. Timestamps are epoch ms (bigint in PostgreSQL, read back as numbers); JSON is text. */
import type { ColumnType, Generated } from 'kysely';

type Ms = ColumnType<number, number, number>;

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
