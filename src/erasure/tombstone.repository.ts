/**
 * Tombstones of erased inbound messages: sha256(channel id NUL external id). The ingest checks
 * them so a mailbox re-sync (or a WhatsApp history sync) never re-imports an erased person's
 * message, and the table holds no Message-ID or phone that could identify anyone.
 */
import { createHash } from 'node:crypto';
import type { Executor } from '../db/database.js';

export function tombstoneHash(channelId: string, externalId: string): string {
  return createHash('sha256').update(`${channelId}\u0000${externalId}`).digest('hex');
}

export async function addTombstones(db: Executor, items: Array<{ channelId: string; externalId: string }>, now: number): Promise<number> {
  const hashes = [...new Set(items.map((i) => tombstoneHash(i.channelId, i.externalId)))];
  for (const hash of hashes) {
    await db
      .insertInto('erasure_tombstones')
      .values({ hash, created_at: now })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
  }
  return hashes.length;
}
