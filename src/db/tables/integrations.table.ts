/** Integrations (migration 20261130T1300-integrations): outbound webhooks and LGPD erasure. Timestamps are epoch ms (bigint in PostgreSQL, read back as numbers); JSON is text. */
import type { ColumnType } from 'kysely';

type Ms = ColumnType<number, number, number>;

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
