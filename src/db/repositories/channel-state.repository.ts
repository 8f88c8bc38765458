import type { Executor } from '../database.js';

export async function getState(db: Executor, channelId: string, keys: string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  if (keys.length === 0) return out;
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('channel_state')
      .select(['key', 'value'])
      .where('channel_id', '=', channelId)
      .where('key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.key, JSON.parse(r.value));
  }
  return out;
}

export async function putState(db: Executor, channelId: string, key: string, value: unknown, now: number): Promise<void> {
  if (value === undefined || value === null) {
    await db.deleteFrom('channel_state').where('channel_id', '=', channelId).where('key', '=', key).execute();
    return;
  }
  const json = JSON.stringify(value);
  await db
    .insertInto('channel_state')
    .values({ channel_id: channelId, key, value: json, updated_at: now })
    .onConflict((oc) => oc.columns(['channel_id', 'key']).doUpdateSet({ value: json, updated_at: now }))
    .execute();
}

export async function stateKeys(db: Executor, channelId: string, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('channel_state')
    .select('key')
    .where('channel_id', '=', channelId)
    .where('key', '>=', prefix)
    .where('key', '<', prefix + '\uffff')
    .execute();
  return rows.map((r) => r.key);
}

export async function deleteStatePrefix(db: Executor, channelId: string, prefix: string): Promise<number> {
  const r = await db
    .deleteFrom('channel_state')
    .where('channel_id', '=', channelId)
    .where('key', '>=', prefix)
    .where('key', '<', prefix + '\uffff')
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
