/** Coordination between gateway processes and timers: leases, shared rate limits, timers, automatic sends. Timestamps are epoch ms (bigint in PostgreSQL, read back as numbers); JSON is text. */
import type { ColumnType, Generated } from 'kysely';

type Ms = ColumnType<number, number, number>;

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
