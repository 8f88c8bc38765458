/**
 * Our own Message-ID: `<ponte.{ticket}.{nonce}.{sig}@{domain}>`, where `sig` is an HMAC of
 * ticket and nonce. A customer's reply names it in In-Reply-To/References, so even a client
 * that drops the subject token and the rest of the thread still lands on the right ticket;
 * the signature stops anyone from steering a mail into a ticket by forging such an id.
 *
 * The same signer makes the `plus` reply-to address `support+{ticket}.{sig}@domain`.
 * Pure: the key comes from `ctx.deriveKey('email-message-id')`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SIG_HEX = 20; // 80 bits: forging one costs 2^80 guesses, the id stays short
const PLUS_SIG_HEX = 12; // local parts are short; 48 bits still defeats guessing over SMTP
const ID_RE = /^<?ponte\.(\d{1,12})\.([a-z0-9-]{1,64})\.([0-9a-f]+)@([^<>\s@]+)>?$/i;

export interface MessageIdSigner {
  /**
   * The id without angle brackets (the form external ids are stored and compared in; the
   * sender adds the brackets on the wire). `nonce` (letters, digits, "-") defaults to random;
   * pass the outbox id to make retries reuse the id.
   */
  create(ticketNumber: number, nonce?: string): string;
  /** The ticket number a Message-ID proves, or undefined when it is not ours or the signature is wrong. */
  verify(messageId: string): number | undefined;
  /** `local+{ticket}.{sig}@domain` for the `plus` reply-to mode. */
  plusAddress(address: string, ticketNumber: number, separator?: string): string;
  /** The ticket number proven by a plus address of one of `ourAddresses`, if any. */
  verifyPlusAddress(address: string, ourAddresses: readonly string[], separator?: string): number | undefined;
}

function sign(key: Buffer, label: string, payload: string, hexLength: number): string {
  return createHmac('sha256', key).update(`${label}:${payload}`).digest('hex').slice(0, hexLength);
}

function safeEqualHex(a: string, b: string): boolean {
  const ba = Buffer.from(a.toLowerCase(), 'utf8');
  const bb = Buffer.from(b.toLowerCase(), 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

export function createMessageIdSigner(key: Buffer, domain: string): MessageIdSigner {
  if (key.length < 16) throw new Error('message-id key too short');
  const dom = domain.toLowerCase();
  return {
    create(ticketNumber, nonce) {
      if (!Number.isSafeInteger(ticketNumber) || ticketNumber <= 0) throw new Error(`invalid ticket number ${ticketNumber}`);
      const n = (nonce ?? randomBytes(10).toString('hex')).toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 64) || randomBytes(10).toString('hex');
      return `ponte.${ticketNumber}.${n}.${sign(key, 'mid', `${ticketNumber}.${n}`, SIG_HEX)}@${dom}`;
    },
    verify(messageId) {
      const m = ID_RE.exec(messageId.trim());
      if (!m) return undefined;
      const ticket = Number(m[1]);
      const nonce = m[2]!.toLowerCase();
      const sig = m[3]!;
      if (sig.length !== SIG_HEX) return undefined;
      return safeEqualHex(sig, sign(key, 'mid', `${ticket}.${nonce}`, SIG_HEX)) && ticket > 0 ? ticket : undefined;
    },
    plusAddress(address, ticketNumber, separator = '+') {
      const at = address.lastIndexOf('@');
      const local = address.slice(0, at);
      return `${local}${separator}${ticketNumber}.${sign(key, 'plus', String(ticketNumber), PLUS_SIG_HEX)}${address.slice(at)}`.toLowerCase();
    },
    verifyPlusAddress(address, ourAddresses, separator = '+') {
      const a = address.trim().toLowerCase();
      const at = a.lastIndexOf('@');
      if (at < 0) return undefined;
      const local = a.slice(0, at);
      const domainPart = a.slice(at);
      const sep = local.lastIndexOf(separator);
      if (sep <= 0) return undefined;
      if (!ourAddresses.some((o) => o.toLowerCase() === local.slice(0, sep) + domainPart)) return undefined;
      const m = /^(\d{1,12})\.([0-9a-f]+)$/.exec(local.slice(sep + 1));
      if (!m || m[2]!.length !== PLUS_SIG_HEX) return undefined;
      const ticket = Number(m[1]);
      return safeEqualHex(m[2]!, sign(key, 'plus', String(ticket), PLUS_SIG_HEX)) && ticket > 0 ? ticket : undefined;
    },
  };
}
