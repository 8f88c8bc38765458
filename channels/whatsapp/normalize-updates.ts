/**
 * `messages.update`, `messages.reaction` and `message-receipt.update` -> updates of earlier
 * messages (edits, revokes, reactions) and delivery statuses of ours. Never a new message. Pure.
 */
import type { DeliveryUpdate, MessageUpdate } from '../../src/channel/contract.js';
import { normalizeJid } from '../whatsapp-shared/phone.js';
import { messageText } from './normalize-content.js';
import { senderIdentity } from './normalize-identity.js';
import { deliveryFromStatus, enumIs, obj, str, toNumber } from './normalize-values.js';
import type { WaKey, WaMessageUpdate, WaReceiptUpdate } from './socket-port.js';

export type UpdateDecision =
  | { action: 'update'; update: MessageUpdate; dedupeKey: string }
  | { action: 'delivery'; update: DeliveryUpdate }
  | { action: 'ignore'; reason: string };

export function normalizeMessageUpdate(item: WaMessageUpdate, now: number): UpdateDecision[] {
  const key = item.key ?? {};
  const id = str(key.id);
  const update = item.update ?? {};
  if (!id) return [{ action: 'ignore', reason: 'update without id' }];
  const out: UpdateDecision[] = [];
  const at = (() => {
    const ts = toNumber(update.messageTimestamp);
    return ts !== undefined ? Math.round(ts * 1000) : now;
  })();
  if (update.status != null && key.fromMe === true) {
    const status = deliveryFromStatus(update.status);
    if (status) {
      out.push({
        action: 'delivery',
        update: {
          externalId: id,
          status,
          at: now,
          ...(status === 'failed' ? { errorCode: 'whatsapp_error', errorMessage: 'WhatsApp reported an error status' } : {}),
        },
      });
    }
  }
  if (Object.hasOwn(update, 'message') || update.messageStubType != null) {
    const message = obj(update.message);
    const edited = obj(obj(message?.editedMessage)?.message);
    if (edited) {
      const text = messageText(edited) ?? '';
      out.push({ action: 'update', update: { externalId: id, edit: { text, at } }, dedupeKey: `edit:${id}:${text}` });
    } else if (update.message === null && enumIs(update.messageStubType, 'REVOKE', 1)) {
      out.push({ action: 'update', update: { externalId: id, revoked: { at } }, dedupeKey: `revoke:${id}` });
    }
  }
  return out.length > 0 ? out : [{ action: 'ignore', reason: 'update without status, edit or revoke' }];
}

export function normalizeReaction(
  item: { key: WaKey; reaction: { key?: WaKey | null; text?: string | null; senderTimestampMs?: unknown } },
  lidToPn: ((lid: string) => string | undefined) | undefined,
  meJid: string | undefined,
  now: number,
): UpdateDecision {
  const target = str(item.key?.id);
  if (!target) return { action: 'ignore', reason: 'reaction without target' };
  const reactor = item.reaction?.key;
  const by =
    reactor?.fromMe === true && meJid
      ? normalizeJid(meJid)
      : reactor?.remoteJid
        ? senderIdentity(reactor, lidToPn).from.address
        : senderIdentity(item.key, lidToPn).from.address;
  const emoji = item.reaction?.text ?? '';
  return {
    action: 'update',
    update: { externalId: target, reaction: { emoji, by, at: toNumber(item.reaction?.senderTimestampMs) ?? now } },
    dedupeKey: `react:${target}:${by}:${emoji}`,
  };
}

export function normalizeReceipt(item: WaReceiptUpdate): UpdateDecision {
  const id = str(item.key?.id);
  if (!id || item.key?.fromMe !== true) return { action: 'ignore', reason: 'receipt for a message we did not send' };
  const r = item.receipt ?? {};
  const read = toNumber(r.readTimestamp) ?? toNumber(r.playedTimestamp);
  const delivered = toNumber(r.receiptTimestamp);
  if (read) return { action: 'delivery', update: { externalId: id, status: 'read', at: read * 1000 } };
  if (delivered) return { action: 'delivery', update: { externalId: id, status: 'delivered', at: delivered * 1000 } };
  return { action: 'ignore', reason: 'empty receipt' };
}
