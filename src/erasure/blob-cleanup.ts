/**
 * Removes blobs no row references any more (after an erasure committed), through the configured
 * blob store (local folder, PostgreSQL or S3). Keys are content-addressed: one still referenced by
 * another message (the same attachment sent twice) is kept.
 */
import type { BlobStore } from '../channel/contract.js';
import type { Executor } from '../db/database.js';

export async function removeUnreferencedBlobs(db: Executor, blobs: BlobStore, keys: string[]): Promise<number> {
  let removed = 0;
  for (const key of new Set(keys)) {
    if (!/^[0-9a-f]{64}$/.test(key)) continue;
    const [raw, att] = await Promise.all([
      db.selectFrom('messages').select('id').where('raw_key', '=', key).executeTakeFirst(),
      db.selectFrom('attachments').select('id').where('blob_key', '=', key).executeTakeFirst(),
    ]);
    if (raw || att) continue;
    await blobs.delete(key);
    removed++;
  }
  return removed;
}
