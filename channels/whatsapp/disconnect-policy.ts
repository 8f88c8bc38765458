/**
 * What to do when the Baileys socket closes, as a pure decision over the close status code
 * (Baileys' DisconnectReason, read from `lastDisconnect.error.output.statusCode`).
 *
 * - 515 restartRequired (always right after a QR/pairing-code scan): recreate the socket at once.
 * - 408/428/500/503 and anything unknown: back off exponentially with jitter, capped. 408 with
 *   "QR refs attempts ended" is different: nobody scanned, so stop and wait for a human.
 * - 440 connectionReplaced: another client took the session. Reconnecting at once makes two
 *   clients kick each other forever, so back off at least `replacedMinMs` and alert.
 * - 401 loggedOut (device removed on the phone): credentials are dead; wipe them, needs pairing.
 * - 403 forbidden (banned/blocked) and 411 multi-device mismatch: stop and alert; never loop.
 * - Pairing that ends (QR refs ended, 401 while linking) after the phone had started linking
 *   (Baileys' linking notices, our patch) is the passkey gate: since mid-2026 WhatsApp asks some
 *   accounts to confirm a new linked device with a passkey, a step WhatsApp Web performs and
 *   Baileys does not (Baileys issues #2684, #2694). Retrying cannot pass it: stop and say so.
 */
import type { ChannelHealthState } from '../../src/channel/contract.js';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Minimum wait after 440 (replaced elsewhere). */
  replacedMinMs: number;
  /** Consecutive 500s after which the session is flagged as possibly corrupted. */
  corruptAfter: number;
  /** 0 ≤ r < 1; injected so tests are deterministic. */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 2_000,
  maxMs: 5 * 60_000,
  replacedMinMs: 30_000,
  corruptAfter: 5,
  random: Math.random,
};

export interface CloseInfo {
  statusCode: number | undefined;
  message?: string | undefined;
  /** Closes in a row before this one without reaching `open`. */
  consecutiveFailures: number;
  /** While pairing, the phone had started linking this device (a linking notice arrived). */
  linkingStarted?: boolean | undefined;
}

/** What an admin reads on /healthz and the pairing page when the passkey gate stops pairing. */
export const PASSKEY_REQUIRED_EXPLANATION =
  'WhatsApp did not finish linking this device after the phone started. Since mid-2026 WhatsApp asks some accounts ' +
  'to confirm new linked devices with a passkey; the phone then says "your account needs a passkey to connect devices". ' +
  "WhatsApp Web can do that step, Ponte's WhatsApp library (Baileys) cannot, and neither a new QR nor a pairing code gets " +
  'past it. If the phone asked for a passkey, connect this number through the WhatsApp Cloud API channel instead; ' +
  'otherwise start pairing again.';

export type DisconnectAction = 'reconnect' | 'wipe_credentials' | 'stop';

export interface DisconnectDecision {
  action: DisconnectAction;
  /** Wait before reconnecting (0 = at once); 0 for wipe/stop. */
  delayMs: number;
  /** Health to report until the next attempt. */
  health: ChannelHealthState;
  reason: string;
  /** An admin should hear about it (logged at error level, shown in health). */
  alert: boolean;
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped at maxMs. */
export function backoffDelay(attempt: number, options: BackoffOptions, floorMs = 0): number {
  const exp = Math.min(options.maxMs, Math.max(floorMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30)));
  return Math.round(exp / 2 + options.random() * (exp / 2));
}

/** Reads the status code from a `connection.update` close payload (Boom or plain Error). */
export function closeStatusCode(error: unknown): number | undefined {
  const code = (error as { output?: { statusCode?: unknown } } | undefined)?.output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function decideOnClose(close: CloseInfo, options: BackoffOptions = DEFAULT_BACKOFF): DisconnectDecision {
  const n = close.consecutiveFailures;
  const backoff = (reason: string, alert = false, floorMs = 0): DisconnectDecision => ({
    action: 'reconnect',
    delayMs: backoffDelay(n, options, floorMs),
    health: 'backing_off',
    reason,
    alert,
  });
  // The message is the only signal: Baileys (lib/Socket/socket.js) ends an unscanned pairing with
  // `new Boom('QR refs attempts ended', { statusCode: DisconnectReason.timedOut })`, the same 408
  // as an ordinary connection timeout, and sets no other field that tells them apart.
  const qrRefsEnded = close.statusCode === 408 && !!close.message && /QR refs attempts ended/i.test(close.message);
  if (close.linkingStarted && (qrRefsEnded || close.statusCode === 401)) {
    return { action: 'stop', delayMs: 0, health: 'passkey_required', reason: PASSKEY_REQUIRED_EXPLANATION, alert: true };
  }
  switch (close.statusCode) {
    case 515:
      return { action: 'reconnect', delayMs: 0, health: 'connecting', reason: 'restart required (normal after pairing)', alert: false };
    case 401:
      return {
        action: 'wipe_credentials',
        delayMs: 0,
        health: 'needs_pairing',
        reason: 'logged out: the device was removed on the phone',
        alert: true,
      };
    case 403:
      return { action: 'stop', delayMs: 0, health: 'stopped', reason: 'forbidden: the account is banned or blocked', alert: true };
    case 411:
      return { action: 'stop', delayMs: 0, health: 'needs_pairing', reason: 'multi-device mismatch: pair again', alert: true };
    case 440:
      return backoff('connection replaced: another client opened this session', true, options.replacedMinMs);
    case 408:
      if (qrRefsEnded) {
        return { action: 'stop', delayMs: 0, health: 'needs_pairing', reason: 'QR expired unscanned: request a new one', alert: false };
      }
      return backoff('connection lost or timed out');
    case 428:
      return backoff('connection closed');
    case 500:
      return n + 1 >= options.corruptAfter
        ? backoff(`bad session: ${n + 1} failures in a row; pair again if this persists`, true)
        : backoff('bad session or unknown stream error');
    case 503:
      return backoff('WhatsApp service unavailable');
    default:
      return backoff(
        close.statusCode === undefined
          ? `connection failed: ${close.message ?? 'unknown error'}`
          : `closed with status ${close.statusCode}`,
      );
  }
}
