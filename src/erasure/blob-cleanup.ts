/**
 * Removes blob files no row references any more (after an erasure committed). The layout
 * `<root>/ab/cd/<sha256>` is the one src/storage/blob-store.ts writes; a key still referenced by
 * another message (the same attachment sent twice, content-addressed) is kept.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Executor } from '../db/database.js';

export async function removeUnreferencedBlobs(db: Executor, blobsDir: string, keys: string[]): Promise<number> {
  let removed = 0;
  for (const key of new Set(keys)) {
    if (!/^[0-9a-f]{64}$/.test(key)) continue;
    const [raw, att] = await Promise.all([
      db.selectFrom('messages').select('id').where('raw_key', '=', key).executeTakeFirst(),
      db.selectFrom('attachments').select('id').where('blob_key', '=', key).executeTakeFirst(),
    ]);
    if (raw || att) continue;
    await rm(join(blobsDir, key.slice(0, 2), key.slice(2, 4), key), { force: true });
    removed++;
  }
  return removed;
}
