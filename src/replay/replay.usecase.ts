/**
 * Replay (issue 17): re-parse stored raw payloads (`messages.raw_key`) with the current parser
 * and show what would change: the reply text, the classification, the attachments. Applying
 * updates the stored messages in place (one audit entry each) and adds attachments the parser
 * now finds; it never inserts a message, never queues an outbox row and runs no hook, so nothing
 * is sent and no automation fires. Attachments an older parse stored are kept (listed as
 * `notFoundNow`): an agent may have forwarded them already.
 */
import type { BlobStore } from '../channel/contract.js';
import type { Database } from '../db/database.js';
import { type AuditActor, recordAudit } from '../db/repositories/audit.repository.js';
import { insertAttachments } from '../db/repositories/message.repository.js';
import type { ReparsedMessage, Reparser } from '../domain/reparse.js';

export type { ReparsedMessage, Reparser } from '../domain/reparse.js';

export interface ReplayChange {
  messageId: string;
  ticketNumber: number;
  replyText?: { from: string | null; to: string };
  classification?: { from: string; to: string };
  attachments?: { added: string[]; notFoundNow: string[] };
}

export interface ReplayResult {
  examined: number;
  changed: ReplayChange[];
  failed: Array<{ messageId: string; ticketNumber: number; error: string }>;
  applied: boolean;
}

export interface ReplayOptions {
  channelId: string;
  since?: number | undefined;
  ticketNumber?: number | undefined;
  apply: boolean;
  actor: AuditActor;
  /** Bounded: at most this many messages per run. */
  limit?: number | undefined;
}

export async function replayChannel(
  database: Database,
  blobs: BlobStore,
  reparse: Reparser,
  opts: ReplayOptions,
  now: number,
): Promise<ReplayResult> {
  const db = database.kysely;
  let q = db
    .selectFrom('messages')
    .innerJoin('tickets', 'tickets.id', 'messages.ticket_id')
    .select(['messages.id', 'messages.raw_key', 'messages.text', 'messages.reply_text', 'messages.classification', 'tickets.number'])
    .where('messages.channel_id', '=', opts.channelId)
    .where('messages.direction', '=', 'in')
    .where('messages.raw_key', 'is not', null);
  if (opts.since !== undefined) q = q.where('messages.created_at', '>=', opts.since);
  if (opts.ticketNumber !== undefined) q = q.where('tickets.number', '=', opts.ticketNumber);
  const rows = await q
    .orderBy('messages.id')
    .limit(opts.limit ?? 5000)
    .execute();
  const result: ReplayResult = { examined: rows.length, changed: [], failed: [], applied: opts.apply };
  for (const row of rows) {
    let parsed: ReparsedMessage;
    try {
      // Parsing happens outside any transaction (CPU and blob I/O).
      parsed = await reparse(await blobs.read(row.raw_key!));
    } catch (err) {
      result.failed.push({ messageId: row.id, ticketNumber: Number(row.number), error: (err as Error).message.slice(0, 300) });
      continue;
    }
    const existing = await db.selectFrom('attachments').select(['blob_key', 'filename']).where('message_id', '=', row.id).execute();
    const change: ReplayChange = { messageId: row.id, ticketNumber: Number(row.number) };
    const oldReply = row.reply_text ?? row.text;
    if (parsed.replyText !== oldReply) change.replyText = { from: row.reply_text, to: parsed.replyText };
    if (parsed.classification !== row.classification) change.classification = { from: row.classification, to: parsed.classification };
    const have = new Set(existing.map((a) => a.blob_key));
    const now2 = new Set(parsed.attachments.map((a) => a.blobKey));
    const added = parsed.attachments.filter((a) => !have.has(a.blobKey));
    const notFoundNow = existing.filter((a) => !now2.has(a.blob_key)).map((a) => a.filename);
    if (added.length || notFoundNow.length) change.attachments = { added: added.map((a) => a.filename), notFoundNow };
    if (!change.replyText && !change.classification && !change.attachments) continue;
    result.changed.push(change);
    if (!opts.apply) continue;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('messages')
        .set({
          text: parsed.text,
          reply_text: parsed.replyText,
          quoted_text: parsed.quotedText,
          classification: parsed.classification,
          edited_at: null,
        })
        .where('id', '=', row.id)
        .execute();
      if (added.length) await insertAttachments(trx, row.id, added, now);
      await recordAudit(
        trx,
        opts.actor,
        'message.replayed',
        { type: 'message', id: row.id },
        {
          ticketNumber: Number(row.number),
          fields: Object.keys(change).filter((k) => k !== 'messageId' && k !== 'ticketNumber'),
          classification: change.classification ?? null,
          attachmentsAdded: added.length,
        },
        now,
      );
    });
  }
  return result;
}
