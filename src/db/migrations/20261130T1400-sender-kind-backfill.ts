/**
 * messages.sender_kind for inbound rows written before the column existed (they kept the kind in
 * their JSON metadata as `senderKind`). Reply routing reads only the column since issue 10.
 * Walks the rows by id in pages (bounded by the table), parsing the JSON here so the one
 * migration runs on SQLite and PostgreSQL alike. `down` leaves the data: the column stays.
 */
import type { Kysely } from 'kysely';

const PAGE = 500;

export async function up(db: Kysely<any>): Promise<void> {
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; metadata: string }> = await db
      .selectFrom('messages')
      .select(['id', 'metadata'])
      .where('sender_kind', 'is', null)
      .where('direction', '=', 'in')
      .where('sender_address', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const r of rows) {
      const kind = senderKindOf(r.metadata);
      if (kind) await db.updateTable('messages').set({ sender_kind: kind }).where('id', '=', r.id).execute();
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.id;
  }
}

export async function down(): Promise<void> {}

function senderKindOf(metadata: string): string | undefined {
  try {
    const k = (JSON.parse(metadata) as { senderKind?: unknown }).senderKind;
    return typeof k === 'string' && k.length <= 20 ? k : undefined;
  } catch {
    return undefined;
  }
}
