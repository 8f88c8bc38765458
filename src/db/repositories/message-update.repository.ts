/**
 * A channel's change to a message it delivered earlier (src/channel/contract.ts MessageUpdate):
 * an edit (the old text kept in `editHistory`), the real content of a placeholder, a revoke, a
 * reaction (one per person; an empty emoji removes it). Run in the caller's transaction.
 */
import type { MessageUpdate } from '../../channel/contract.js';
import type { Executor } from '../database.js';
import { findMessageByExternalId, insertAttachments } from './message.repository.js';

/** False when no message of this channel has that external id. */
export async function updateMessageContent(trx: Executor, channelId: string, update: MessageUpdate): Promise<boolean> {
  const m = await findMessageByExternalId(trx, channelId, update.externalId);
  if (!m) return false;
  const meta = JSON.parse(m.metadata) as Record<string, unknown>;
  if (update.edit) {
    const history = Array.isArray(meta.editHistory) ? meta.editHistory : [];
    history.push({ text: m.text, replacedAt: update.edit.at });
    await trx
      .updateTable('messages')
      .set({
        text: update.edit.text,
        reply_text: update.edit.text,
        edited_at: update.edit.at,
        metadata: JSON.stringify({ ...meta, editHistory: history }),
      })
      .where('id', '=', m.id)
      .execute();
  }
  if (update.replace) {
    const { placeholderOf: _dropped, ...rest } = meta as { placeholderOf?: unknown };
    await trx
      .updateTable('messages')
      .set({
        text: update.replace.text,
        reply_text: update.replace.text,
        parse_error: null,
        metadata: JSON.stringify({ ...rest, replacedAt: update.replace.at }),
      })
      .where('id', '=', m.id)
      .execute();
    if (update.replace.attachments.length) await insertAttachments(trx, m.id, update.replace.attachments, update.replace.at);
  }
  if (update.revoked) {
    await trx.updateTable('messages').set({ revoked_at: update.revoked.at }).where('id', '=', m.id).execute();
  }
  if (update.reaction) {
    const reactions = (JSON.parse(m.reactions) as Array<{ emoji: string; by: string; at: number }>).filter(
      (r) => r.by !== update.reaction!.by,
    );
    if (update.reaction.emoji) reactions.push(update.reaction);
    await trx
      .updateTable('messages')
      .set({ reactions: JSON.stringify(reactions) })
      .where('id', '=', m.id)
      .execute();
  }
  return true;
}
