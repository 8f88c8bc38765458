/** The console and portal: sessions, credentials, sign-in attempts, tokens, reads. Timestamps are epoch ms (bigint in PostgreSQL, read back as numbers); JSON is text. */
import type { ColumnType } from 'kysely';

type Ms = ColumnType<number, number, number>;

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
