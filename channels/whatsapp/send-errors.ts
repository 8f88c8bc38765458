/**
 * Baileys send failures -> ChannelError (literal code + retryable), pure. The outbox retries
 * what may succeed later (a dropped or replaced connection, a rate limit, credentials an admin
 * can fix by pairing again) and fails the rest so the agent sees it. Input is the error our
 * socket port throws (WaSocketError: Baileys' Boom `statusCode` and, for an error stanza from
 * WhatsApp's server, its `serverCode`); only fields are read, never the message text.
 *
 * - 408/428/440/500/503/515 (DisconnectReason: lost, closed, replaced, bad session,
 *   unavailable, restart): `whatsapp_<status>`, retry; the source reconnects meanwhile.
 * - 401/403/411 (logged out, forbidden, multi-device mismatch): retry, but slowly: only a new
 *   pairing fixes them and the message should still go out after it.
 * - 429, or WhatsApp's `rate-overlimit` stanza (code 429): `whatsapp_rate_limited`, retry later.
 * - 413, or a 413 stanza: `whatsapp_media_too_large`, never retried (the same file fails again).
 * - 400/404/406 (bad request, unknown item, not acceptable): fail.
 * - No status at all (a socket that died under us): `network`, retry.
 */
import { ChannelError } from '../../src/domain/errors.js';

export type WhatsappSendErrorCode =
  | 'whatsapp_not_connected'
  | 'whatsapp_bad_recipient'
  | 'whatsapp_not_on_whatsapp'
  | 'whatsapp_empty_message'
  | 'whatsapp_rate_limited'
  | 'whatsapp_media_too_large'
  | `whatsapp_${number}`
  | 'network';

/** Retry after this when only a new pairing can help (logged out, forbidden). */
export const REPAIR_RETRY_MS = 10 * 60_000;
/** Retry after this when WhatsApp says we send too fast. */
export const RATE_LIMIT_RETRY_MS = 60_000;
/** Retry after this while the number is not connected (the source is reconnecting). */
export const NOT_CONNECTED_RETRY_MS = 30_000;

const PERMANENT = new Set([400, 404, 406]);
const NEEDS_PAIRING = new Set([401, 403, 411]);

function error(code: WhatsappSendErrorCode, message: string, retryable: boolean, retryAfterMs?: number): ChannelError {
  return new ChannelError(code, message, retryable, retryAfterMs);
}

export function classifyWhatsappSendError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: err }) as {
    statusCode?: unknown;
    serverCode?: unknown;
    message?: unknown;
  };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const serverCode = typeof e.serverCode === 'number' ? e.serverCode : undefined;
  const message = typeof e.message === 'string' && e.message.length > 0 ? e.message.slice(0, 300) : 'WhatsApp send failed';

  if (status === 429 || serverCode === 429)
    return error('whatsapp_rate_limited', `WhatsApp rate limit: ${message}`, true, RATE_LIMIT_RETRY_MS);
  if (status === 413 || serverCode === 413)
    return error('whatsapp_media_too_large', `WhatsApp refused the attachment as too large: ${message}`, false);
  if (status === undefined) return error('network', message, true);
  if (PERMANENT.has(status)) return error(`whatsapp_${status}`, message, false);
  if (NEEDS_PAIRING.has(status)) return error(`whatsapp_${status}`, message, true, REPAIR_RETRY_MS);
  return error(`whatsapp_${status}`, message, true);
}

/** The errors the sender raises itself, before WhatsApp is asked anything. */
export const sendErrors = {
  notConnected: () => error('whatsapp_not_connected', 'the WhatsApp number is not connected', true, NOT_CONNECTED_RETRY_MS),
  badRecipient: (why: string) => error('whatsapp_bad_recipient', why, false),
  notOnWhatsapp: (e164: string) => error('whatsapp_not_on_whatsapp', `${e164} has no WhatsApp account`, false),
  emptyMessage: () => error('whatsapp_empty_message', 'nothing to send: no text and no attachment', false),
};
