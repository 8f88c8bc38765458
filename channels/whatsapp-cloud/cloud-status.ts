/** A Cloud API status (sent, delivered, read, failed) -> a delivery update of one of our messages. Pure. */
import type { DeliveryUpdate } from '../../src/channel/contract.js';
import type { DeliveryStatus } from '../../src/domain/model.js';
import { arr, isObj, str, toMs, type Json } from './cloud-values.js';
import { describeCloudErrorCode } from './graph-errors.js';
import type { CloudAction, NormalizeOptions } from './normalize.js';

const DELIVERY: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

export function normalizeStatus(status: Json, options: NormalizeOptions): CloudAction {
  const id = str(status.id);
  const s = str(status.status) ?? '';
  const mapped = DELIVERY[s];
  if (!id) return { type: 'alert', level: 'warn', message: 'status without a message id' };
  if (!mapped) return { type: 'skip', reason: `status "${s.slice(0, 30)}" is not tracked`, externalId: id };
  const update: DeliveryUpdate = { externalId: id, status: mapped, at: toMs(status.timestamp, options.now) };
  if (mapped === 'failed') {
    const e = arr(status.errors).find(isObj);
    const code = e && (typeof e.code === 'number' || typeof e.code === 'string') ? String(e.code) : undefined;
    update.errorCode = code ? `whatsapp_${code}` : 'whatsapp_failed';
    const details = e && isObj(e.error_data) ? str(e.error_data.details) : undefined;
    const hint = code && /^\d+$/.test(code) ? describeCloudErrorCode(Number(code)) : undefined;
    update.errorMessage =
      [e ? (str(e.title) ?? str(e.message)) : undefined, details, hint].filter(Boolean).join(' — ').slice(0, 1000) || 'failed';
  }
  const recipientId = str(status.recipient_id);
  return { type: 'delivery', update, ...(recipientId ? { recipientId } : {}) };
}
