/** Display names for requesters: the contact's name, else their first identity (two indexed queries). */
import type { Executor } from '../../db/database.js';

export async function requesterNames(db: Executor, contactIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(contactIds)];
  if (ids.length === 0) return new Map();
  const contacts = await db.selectFrom('contacts').select(['id', 'name']).where('id', 'in', ids).execute();
  const out = new Map<string, string>();
  for (const c of contacts) if (c.name) out.set(c.id, c.name);
  const nameless = ids.filter((id) => !out.has(id));
  if (nameless.length) {
    const idents = await db
      .selectFrom('contact_identities')
      .select(['contact_id', 'address'])
      .where('contact_id', 'in', nameless)
      .orderBy('id')
      .execute();
    for (const i of idents) if (!out.has(i.contact_id)) out.set(i.contact_id, i.address.replace(/@s\.whatsapp\.net$/, ''));
  }
  return out;
}
