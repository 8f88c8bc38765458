/**
 * Graph API / Cloud API error classification. Pure: (HTTP status, error body, Retry-After) ->
 * ChannelError with a literal code (`whatsapp_<graph code>`, `whatsapp_http_<status>`) and whether
 * the outbox should try again. The same code table explains failed delivery statuses to agents.
 *
 * Sources: Meta's Cloud API error-code reference. Rate limits (4, 80007, 130429, 131056) and
 * server-side failures (1, 2, 131000, 131016, 133004, any 5xx) are worth retrying; everything the
 * customer, the template or the account must fix first (131047 window closed, 131026
 * undeliverable, 190 token, 132xxx template) is not.
 */
import { ChannelError, type ChannelErrorCode } from '../../src/domain/errors.js';

interface CodeInfo {
  retryable: boolean;
  /** Minimum wait before retrying (rate limits). */
  retryAfterMs?: number;
  hint: string;
}

const CODES: Record<number, CodeInfo> = {
  1: { retryable: true, hint: 'Graph API unknown error' },
  2: { retryable: true, hint: 'Graph API service temporarily unavailable' },
  4: { retryable: true, retryAfterMs: 60_000, hint: 'application request limit reached' },
  10: { retryable: false, hint: 'permission denied: check the app permissions (whatsapp_business_messaging)' },
  17: { retryable: true, retryAfterMs: 60_000, hint: 'user request limit reached' },
  100: { retryable: false, hint: 'invalid parameter' },
  190: { retryable: false, hint: 'access token expired or invalid: generate a new system-user token' },
  200: { retryable: false, hint: 'permission denied' },
  368: { retryable: false, hint: 'the number is temporarily blocked for policy violations' },
  613: { retryable: true, retryAfterMs: 60_000, hint: 'rate limit reached' },
  80007: { retryable: true, retryAfterMs: 60_000, hint: 'WhatsApp Business Account rate limit reached' },
  130429: { retryable: true, retryAfterMs: 30_000, hint: 'Cloud API throughput limit reached' },
  130472: { retryable: false, hint: "the user's number is part of an experiment; not delivered" },
  131000: { retryable: true, hint: 'WhatsApp reported an internal error' },
  131005: { retryable: false, hint: 'access denied' },
  131008: { retryable: false, hint: 'a required parameter is missing' },
  131009: { retryable: false, hint: 'a parameter value is not valid' },
  131016: { retryable: true, retryAfterMs: 60_000, hint: 'WhatsApp service temporarily unavailable' },
  131021: { retryable: false, hint: 'recipient is the business number itself' },
  131026: { retryable: false, hint: 'message undeliverable: the number may not be on WhatsApp, or uses an old app version' },
  131030: { retryable: false, hint: 'recipient not in the allowed list of the test number' },
  131031: { retryable: false, hint: 'the business account is locked' },
  131042: { retryable: false, hint: 'business payment problem: check the WhatsApp Business Account billing' },
  131045: { retryable: false, hint: 'the phone number is not registered (certificate)' },
  131047: {
    retryable: false,
    hint: 'more than 24 hours since the customer last wrote: the service window is closed, send an approved template instead',
  },
  131048: { retryable: true, retryAfterMs: 10 * 60_000, hint: 'spam rate limit: too many messages were blocked or reported' },
  131049: { retryable: false, hint: 'Meta chose not to deliver this message (per-user marketing limit)' },
  131051: { retryable: false, hint: 'message type not supported' },
  131052: { retryable: false, hint: 'media download failed on WhatsApp' },
  131053: { retryable: false, hint: 'media upload failed: unsupported type or size' },
  131056: { retryable: true, retryAfterMs: 60_000, hint: 'too many messages to the same customer in a short time' },
  131057: { retryable: true, retryAfterMs: 5 * 60_000, hint: 'the business account is in maintenance mode' },
  132000: { retryable: false, hint: 'template parameter count does not match the template' },
  132001: { retryable: false, hint: 'template does not exist in this language or is not approved' },
  132005: { retryable: false, hint: 'template text too long after filling parameters' },
  132007: { retryable: false, hint: 'template content violates WhatsApp policy' },
  132012: { retryable: false, hint: 'template parameter format does not match' },
  132015: { retryable: false, hint: 'template is paused for low quality' },
  132016: { retryable: false, hint: 'template is disabled' },
  133004: { retryable: true, retryAfterMs: 60_000, hint: 'server temporarily unavailable' },
  133010: { retryable: false, hint: 'the business phone number is not registered on the Cloud API' },
};

/** A one-line explanation of a Cloud API error code for agents (delivery failures, alerts). */
export function describeCloudErrorCode(code: number): string | undefined {
  return CODES[code]?.hint;
}

export interface GraphErrorBody {
  error?: {
    message?: unknown;
    type?: unknown;
    code?: unknown;
    error_subcode?: unknown;
    error_data?: { details?: unknown } | unknown;
    fbtrace_id?: unknown;
  };
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, 24 * 3600_000);
  const at = Date.parse(value);
  if (Number.isFinite(at)) return Math.max(0, Math.min(at - now, 24 * 3600_000));
  return undefined;
}

/**
 * Maps a non-2xx Graph response to a ChannelError. The message names Meta's own explanation and
 * our hint; it never contains the request (and so never the access token).
 */
export function mapGraphError(status: number, body: unknown, retryAfterMs?: number): ChannelError {
  const err = (body && typeof body === 'object' ? (body as GraphErrorBody).error : undefined) ?? undefined;
  const code =
    typeof err?.code === 'number' ? err.code : typeof err?.code === 'string' && /^\d+$/.test(err.code) ? Number(err.code) : undefined;
  const graphMessage = typeof err?.message === 'string' ? err.message.slice(0, 300) : undefined;
  const data = err?.error_data;
  const details =
    data && typeof data === 'object' && typeof (data as { details?: unknown }).details === 'string'
      ? (data as { details: string }).details.slice(0, 300)
      : undefined;
  const trace = typeof err?.fbtrace_id === 'string' ? ` (fbtrace_id ${err.fbtrace_id.slice(0, 40)})` : '';

  const info = code !== undefined ? CODES[code] : undefined;
  const parts = [graphMessage, details, info?.hint].filter((p): p is string => !!p);
  const text = `WhatsApp Cloud API ${code !== undefined ? `error ${code}` : `HTTP ${status}`}: ${parts.join(' — ') || 'no details'}${trace}`;

  let retryable: boolean;
  let wait = retryAfterMs;
  if (info) {
    retryable = info.retryable;
    wait = retryable ? Math.max(retryAfterMs ?? 0, info.retryAfterMs ?? 0) || undefined : undefined;
  } else if (status === 429 || status === 408 || status >= 500) {
    retryable = true;
  } else {
    retryable = false;
  }
  const literal: ChannelErrorCode = code !== undefined ? `whatsapp_${code}` : `whatsapp_http_${status}`;
  return new ChannelError(literal, text, retryable, retryable ? wait : undefined);
}

/** The fetch itself failed (DNS, refused, reset, timeout): always worth retrying. */
export function networkError(cause: unknown, what: string): ChannelError {
  // Duck-typed: fetch's DOMException may come from another realm (not `instanceof Error`).
  const e = (cause ?? {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
  const name = typeof e.name === 'string' ? e.name : '';
  const reason =
    name === 'TimeoutError' || name === 'AbortError'
      ? 'timed out'
      : typeof e.cause?.code === 'string'
        ? e.cause.code
        : typeof e.message === 'string'
          ? e.message.slice(0, 200)
          : 'failed';
  return new ChannelError('network', `WhatsApp Cloud API ${what}: network error (${reason})`, true);
}
