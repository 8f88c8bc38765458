/**
 * The rows an erasure rewrites. `erase` blanks what people wrote and every address; `pseudonymize`
 * keeps message text but removes who wrote it (addresses, names, raw payloads, attachments,
 * claims). Both keep the skeleton: ticket numbers, dates, statuses, directions. Inbound messages
 * leave a tombstone so the same mail or WhatsApp message is never imported again. Runs inside the
 * caller's transaction; blob files are removed afterwards (see blob-cleanup.ts).
 */
import type { Executor } from '../db/database.js';
import { addTombstones } from './tombstone.repository.js';

export type ScrubLevel = 'erase' | 'pseudonymize';

export interface ScrubCounts {
  messages: number;
  attachments: number;
  tombstones: number;
  outbox: number;
  webhookEvents: number;
  webhookDeliveries: number;
  inboundReceipts: number;
}

const chunks = <T>(list: T[], n = 200): T[][] => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));

/** Scrubs these messages; returns counts and the blob keys that lost a reference. */
export async function scrubMessages(
  db: Executor,
  messageIds: string[],
  level: ScrubLevel,
  now: number,
): Promise<{ counts: ScrubCounts; blobKeys: string[] }> {
  const counts: ScrubCounts = {
    messages: 0,
    attachments: 0,
    tombstones: 0,
    outbox: 0,
    webhookEvents: 0,
    webhookDeliveries: 0,
    inboundReceipts: 0,
  };
  const blobKeys = new Set<string>();
  for (const ids of chunks([...new Set(messageIds)])) {
    const rows = await db
      .selectFrom('messages')
      .select(['id', 'channel_id', 'external_id', 'direction', 'raw_key'])
      .where('id', 'in', ids)
      .execute();
    for (const r of rows) if (r.raw_key) blobKeys.add(r.raw_key);
    const receipts = await db.selectFrom('inbound_receipts').select(['channel_id', 'external_id']).where('message_id', 'in', ids).execute();
    counts.tombstones += await addTombstones(
      db,
      [
        ...rows
          .filter((r) => r.direction === 'in' && r.channel_id && r.external_id)
          .map((r) => ({ channelId: r.channel_id!, externalId: r.external_id! })),
        ...receipts.map((r) => ({ channelId: r.channel_id, externalId: r.external_id })),
      ],
      now,
    );
    counts.inboundReceipts += Number(
      (await db.deleteFrom('inbound_receipts').where('message_id', 'in', ids).executeTakeFirst()).numDeletedRows,
    );
    const atts = await db.selectFrom('attachments').select(['blob_key']).where('message_id', 'in', ids).execute();
    for (const a of atts) blobKeys.add(a.blob_key);
    counts.attachments += Number((await db.deleteFrom('attachments').where('message_id', 'in', ids).executeTakeFirst()).numDeletedRows);
    counts.outbox += Number((await db.deleteFrom('outbox').where('message_id', 'in', ids).executeTakeFirst()).numDeletedRows);
    // Webhook events that carried these messages (message.received holds the text and sender).
    for (const id of ids) {
      const events = (await db.selectFrom('webhook_events').select('id').where('payload', 'like', `%"id":"${id}"%`).execute()).map(
        (e) => e.id,
      );
      if (events.length === 0) continue;
      counts.webhookDeliveries += Number(
        (await db.deleteFrom('webhook_deliveries').where('event_id', 'in', events).executeTakeFirst()).numDeletedRows,
      );
      counts.webhookEvents += Number((await db.deleteFrom('webhook_events').where('id', 'in', events).executeTakeFirst()).numDeletedRows);
    }
    const identifying = {
      sender_address: null,
      recipient_address: null,
      metadata: JSON.stringify({ erased: level }),
      raw_key: null,
      parse_error: null,
      error_message: null,
      external_id: null,
      reactions: '[]',
    };
    const content = level === 'erase' ? { text: '', html: null, reply_text: null, quoted_text: null, subject: null } : {};
    await db
      .updateTable('messages')
      .set({ ...identifying, ...content })
      .where('id', 'in', ids)
      .execute();
    counts.messages += rows.length;
  }
  return { counts, blobKeys: [...blobKeys] };
}

/** Scrubs whole tickets: every message, the ticket's free text, claims, recipients, digests, timers and webhook logs. */
export async function scrubTickets(
  db: Executor,
  ticketIds: string[],
  level: ScrubLevel,
  now: number,
): Promise<{ counts: ScrubCounts; blobKeys: string[] }> {
  const total: ScrubCounts = {
    messages: 0,
    attachments: 0,
    tombstones: 0,
    outbox: 0,
    webhookEvents: 0,
    webhookDeliveries: 0,
    inboundReceipts: 0,
  };
  const blobKeys: string[] = [];
  for (const ids of chunks([...new Set(ticketIds)])) {
    const messageIds = (await db.selectFrom('messages').select('id').where('ticket_id', 'in', ids).execute()).map((m) => m.id);
    const r = await scrubMessages(db, messageIds, level, now);
    blobKeys.push(...r.blobKeys);
    for (const k of Object.keys(total) as Array<keyof ScrubCounts>) total[k] += r.counts[k];
    // Receipts of ignored messages (auto-replies, own echoes) on these tickets.
    const receipts = await db.selectFrom('inbound_receipts').select(['channel_id', 'external_id']).where('ticket_id', 'in', ids).execute();
    total.tombstones += await addTombstones(
      db,
      receipts.map((x) => ({ channelId: x.channel_id, externalId: x.external_id })),
      now,
    );
    total.inboundReceipts += Number(
      (await db.deleteFrom('inbound_receipts').where('ticket_id', 'in', ids).executeTakeFirst()).numDeletedRows,
    );
    await db.deleteFrom('ticket_claims').where('ticket_id', 'in', ids).execute();
    await db.deleteFrom('ticket_recipients').where('ticket_id', 'in', ids).execute();
    await db.deleteFrom('notification_digests').where('ticket_id', 'in', ids).execute();
    await db.deleteFrom('timers').where('ticket_id', 'in', ids).where('status', '=', 'scheduled').execute();
    // Event values other than the skeleton's (status, priority, assignee …) can hold addresses.
    await db
      .updateTable('ticket_events')
      .set({ from_value: null, to_value: null })
      .where('ticket_id', 'in', ids)
      .where('type', 'not in', ['created', 'status', 'priority', 'assignee', 'follow_up'])
      .execute();
    const events = (await db.selectFrom('webhook_events').select('id').where('ticket_id', 'in', ids).execute()).map((e) => e.id);
    for (const ev of chunks(events)) {
      total.webhookDeliveries += Number(
        (await db.deleteFrom('webhook_deliveries').where('event_id', 'in', ev).executeTakeFirst()).numDeletedRows,
      );
      total.webhookEvents += Number((await db.deleteFrom('webhook_events').where('id', 'in', ev).executeTakeFirst()).numDeletedRows);
    }
    await db
      .updateTable('tickets')
      .set({ custom_fields: '{}', reference: null, ...(level === 'erase' ? { subject: '[erased]' } : {}), updated_at: now })
      .where('id', 'in', ids)
      .execute();
    for (const id of ids) {
      await db
        .insertInto('ticket_erasures')
        .values({ ticket_id: id, level, created_at: now })
        .onConflict((oc) => oc.column('ticket_id').doUpdateSet({ level, created_at: now }))
        .execute();
    }
  }
  return { counts: total, blobKeys };
}
