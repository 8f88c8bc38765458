/**
 * The lease API a channel sees (`ChannelContext.leases`): take a named lease with its fencing
 * epoch, and fenced writes that land only while this process still holds the lease at that
 * epoch, checked in the writing transaction. A WhatsApp number's holder keeps its Baileys keys
 * this way: a process that stalled past its lease and wakes up after another took the number
 * cannot overwrite the new holder's keys (issue 15).
 *
 * PostgreSQL judges expiry by its own clock (gateways on several machines) and share-locks the
 * lease row while a fenced write commits, so a takeover waits for it and then sees it. SQLite
 * has one connection: the write transaction itself keeps a takeover out.
 */
import type { Database, Executor } from '../db/database.js';
import { deleteStatePrefix, getState, putState, stateKeys } from '../db/repositories/channel-state.repository.js';
import { holdsLease, holdsLeaseForUpdate, POSTGRES_NOW, releaseLease, takeLease } from '../db/repositories/lease.repository.js';
import type { IngestFn } from '../ingest/pipeline.js';
import { LeaseLostError } from '../cluster/source-lease.js';
import type { Clock, FencedWrites, LeaseManager } from './contract.js';

export interface ChannelLeaseDeps {
  database: Database;
  clock: Clock;
  ingest: IngestFn;
}

export function createChannelLeases(channelId: string, holder: string, deps: ChannelLeaseDeps): LeaseManager {
  const db = deps.database.kysely;
  const postgres = deps.database.dialect === 'postgres';
  const now = () => (postgres ? POSTGRES_NOW : deps.clock.now());
  return {
    acquire: async (name, ttlMs) => (await takeLease(db, name, holder, now(), ttlMs)).held,
    take: async (name, ttlMs) => {
      const s = await takeLease(db, name, holder, now(), ttlMs);
      return { held: s.held, epoch: s.epoch };
    },
    release: (name) => releaseLease(db, name, holder),
    fence: (name, epoch) => createFencedWrites({ channelId, holder, name, epoch, deps, postgres }),
  };
}

function createFencedWrites(o: {
  channelId: string;
  holder: string;
  name: string;
  epoch: number;
  deps: ChannelLeaseDeps;
  postgres: boolean;
}): FencedWrites {
  const { channelId, deps } = o;
  const db = deps.database.kysely;
  const holds = (trx: Executor) =>
    o.postgres ? holdsLeaseForUpdate(trx, o.name, o.holder, o.epoch) : holdsLease(trx, o.name, o.holder, o.epoch);
  /** Runs `write` in one transaction that first checks the fence; refused: nothing is written. */
  const fenced = <T>(write: (trx: Executor) => Promise<T>): Promise<T> =>
    db.transaction().execute(async (trx) => {
      if (!(await holds(trx))) throw new LeaseLostError(o.name);
      return write(trx);
    });
  const put = (key: string, value: unknown) => fenced((trx) => putState(trx, channelId, key, value, deps.clock.now()));
  return {
    state: {
      get: async <T>(key: string) => (await getState(db, channelId, [key])).get(key) as T | undefined,
      getMany: async <T>(keys: string[]) => (await getState(db, channelId, keys)) as Map<string, T>,
      set: put,
      setMany: (entries) =>
        fenced(async (trx) => {
          for (const [k, v] of entries) await putState(trx, channelId, k, v, deps.clock.now());
        }),
      delete: (key) => put(key, null),
      keys: (prefix) => stateKeys(db, channelId, prefix),
      deletePrefix: (prefix) => fenced((trx) => deleteStatePrefix(trx, channelId, prefix)),
    },
    saveCheckpoint: put,
    // The fence is checked first inside the message's own transaction, where its checkpoint is
    // saved too: a stale holder's message and cursor are refused together, never half written.
    ingest: (envelope) =>
      deps.ingest(channelId, envelope, {
        fence: async (trx) => {
          if (!(await holds(trx))) throw new LeaseLostError(o.name);
        },
      }),
  };
}
