/**
 * Our own Message-ID: `<ponte.{ticket}.{nonce}.{sig}@{domain}>`, where `sig` is an HMAC of
 * ticket and nonce. A customer's reply names it in In-Reply-To/References, so even a client
 * that drops the subject token and the rest of the thread still lands on the right ticket;
 * the signature stops anyone from steering a mail into a ticket by forging such an id.
 *
 * A notification to one of our agents carries a per-agent token instead: the nonce is
 * `a-{agentid}-{outboxid}` and the HMAC (under its own label) covers the agent id too, so only
 * an answer to a notification Ponte sent to *that* agent about *that* ticket proves the agent
 * (issue 9: a forged `From: agent` proves nothing).
 *
 * The same signer makes the `plus` reply-to address `support+{ticket}.{sig}@domain`, and for
 * an agent `support+{ticket}.a{agentid}.{sig}@domain` (kept within the 64-character local part).
 * Pure: the key comes from `ctx.deriveKey('email-message-id')`. Signatures are compared in
 * constant time; agent ids are lower-cased inside tokens and compared case-insensitively.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SIG_HEX = 20; // 80 bits: forging one costs 2^80 guesses, the id stays short
const PLUS_SIG_HEX = 12; // local parts are short; 48 bits still defeats guessing over SMTP
const MAX_NONCE = 64;
const MAX_LOCAL_PART = 64; // RFC 5321
const ID_RE = /^<?ponte\.(\d{1,12})\.([a-z0-9-]{1,64})\.([0-9a-f]+)@([^<>\s@]+)>?$/i;
const AGENT_NONCE_RE = /^a-([0-9a-z]{1,40})-([0-9a-z]{1,61})$/;
const AGENT_ID_RE = /^[0-9a-z]{1,40}$/;

/** What a per-agent token proves: the agent it was sent to, about which ticket. */
export interface AgentToken {
  /** Lower-case (agent ids are compared case-insensitively). */
  agentId: string;
  ticketNumber: number;
}

export interface MessageIdSigner {
  /**
   * The id without angle brackets (the form external ids are stored and compared in; the
   * sender adds the brackets on the wire). `nonce` (letters, digits, "-") defaults to random;
   * pass the outbox id to make retries reuse the id.
   */
  create(ticketNumber: number, nonce?: string): string;
  /**
   * A Message-ID for a notification to one agent (`a-{agentid}-{nonce}`, signed with the agent
   * id); undefined when the agent id is not 1-40 letters/digits (the caller falls back to `create`).
   */
  createForAgent(ticketNumber: number, agentId: string, nonce?: string): string | undefined;
  /** The ticket number a Message-ID proves (either form), or undefined when it is not ours or the signature is wrong. */
  verify(messageId: string): number | undefined;
  /** The agent and ticket a per-agent Message-ID proves; undefined for any other id. */
  verifyAgent(messageId: string): AgentToken | undefined;
  /**
   * `local+{ticket}.{sig}@domain` for the `plus` reply-to mode; with `agentId`,
   * `local+{ticket}.a{agentid}.{sig}@domain`, or the ticket-only form when that would not fit
   * in 64 characters (the Message-ID still carries the agent token).
   */
  plusAddress(address: string, ticketNumber: number, separator?: string, agentId?: string): string;
  /** The ticket number proven by a plus address (either form) of one of `ourAddresses`, if any. */
  verifyPlusAddress(address: string, ourAddresses: readonly string[], separator?: string): number | undefined;
  /** The agent and ticket proven by a per-agent plus address of one of `ourAddresses`, if any. */
  verifyAgentPlusAddress(address: string, ourAddresses: readonly string[], separator?: string): AgentToken | undefined;
}

function sign(key: Buffer, label: string, payload: string, hexLength: number): string {
  return createHmac('sha256', key).update(`${label}:${payload}`).digest('hex').slice(0, hexLength);
}

function safeEqualHex(a: string, b: string): boolean {
  const ba = Buffer.from(a.toLowerCase(), 'utf8');
  const bb = Buffer.from(b.toLowerCase(), 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function validTicket(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function normalizeAgentId(agentId: string): string | undefined {
  const id = agentId.trim().toLowerCase();
  return AGENT_ID_RE.test(id) ? id : undefined;
}

interface PlusParts {
  base: string;
  ticket: number;
  agentId?: string | undefined;
  sig: string;
}

/**
 * Splits `base{sep}{ticket}[.a{agent}].{sig}@domain` from the right (no backtracking regex:
 * the address is attacker-controlled). `base@domain` is returned lower-cased.
 */
function splitPlus(address: string, separator: string): PlusParts | undefined {
  const a = address.trim().toLowerCase();
  if (a.length > 320) return undefined;
  const at = a.lastIndexOf('@');
  if (at <= 0) return undefined;
  let local = a.slice(0, at);
  const domainPart = a.slice(at);
  const sigDot = local.lastIndexOf('.');
  if (sigDot < 0) return undefined;
  const sig = local.slice(sigDot + 1);
  if (sig.length !== PLUS_SIG_HEX || !/^[0-9a-f]+$/.test(sig)) return undefined;
  local = local.slice(0, sigDot);
  let agentId: string | undefined;
  const agentDot = local.lastIndexOf('.');
  if (agentDot >= 0) {
    const segment = local.slice(agentDot + 1);
    if (segment.length > 1 && segment[0] === 'a' && AGENT_ID_RE.test(segment.slice(1))) {
      agentId = segment.slice(1);
      local = local.slice(0, agentDot);
    }
  }
  const sep = local.lastIndexOf(separator);
  if (sep <= 0) return undefined;
  const digits = local.slice(sep + 1);
  if (!/^\d{1,12}$/.test(digits)) return undefined;
  const ticket = Number(digits);
  if (!validTicket(ticket)) return undefined;
  return { base: local.slice(0, sep) + domainPart, ticket, agentId, sig };
}

export function createMessageIdSigner(key: Buffer, domain: string): MessageIdSigner {
  if (key.length < 16) throw new Error('message-id key too short');
  const dom = domain.toLowerCase();
  const randomNonce = (): string => randomBytes(10).toString('hex');

  const agentMidSig = (ticket: number, nonce: string): string => sign(key, 'mid-agent', `${ticket}.${nonce}`, SIG_HEX);
  const agentPlusSig = (ticket: number, agentId: string): string => sign(key, 'plus-agent', `${ticket}.${agentId}`, PLUS_SIG_HEX);

  function parseId(messageId: string): { ticket: number; nonce: string; sig: string } | undefined {
    const m = ID_RE.exec(messageId.trim());
    if (!m) return undefined;
    const ticket = Number(m[1]);
    const sig = m[3]!;
    if (sig.length !== SIG_HEX || !validTicket(ticket)) return undefined;
    return { ticket, nonce: m[2]!.toLowerCase(), sig };
  }

  function verifyAgent(messageId: string): AgentToken | undefined {
    const p = parseId(messageId);
    if (!p) return undefined;
    const agent = AGENT_NONCE_RE.exec(p.nonce);
    if (!agent) return undefined;
    return safeEqualHex(p.sig, agentMidSig(p.ticket, p.nonce)) ? { agentId: agent[1]!, ticketNumber: p.ticket } : undefined;
  }

  function verifyAgentPlusAddress(address: string, ourAddresses: readonly string[], separator = '+'): AgentToken | undefined {
    const p = splitPlus(address, separator);
    if (!p?.agentId || !ourAddresses.some((o) => o.toLowerCase() === p.base)) return undefined;
    return safeEqualHex(p.sig, agentPlusSig(p.ticket, p.agentId)) ? { agentId: p.agentId, ticketNumber: p.ticket } : undefined;
  }

  return {
    create(ticketNumber, nonce) {
      if (!validTicket(ticketNumber)) throw new Error(`invalid ticket number ${ticketNumber}`);
      const n =
        (nonce ?? randomNonce())
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, '')
          .slice(0, MAX_NONCE) || randomNonce();
      return `ponte.${ticketNumber}.${n}.${sign(key, 'mid', `${ticketNumber}.${n}`, SIG_HEX)}@${dom}`;
    },
    createForAgent(ticketNumber, agentId, nonce) {
      if (!validTicket(ticketNumber)) throw new Error(`invalid ticket number ${ticketNumber}`);
      const agent = normalizeAgentId(agentId);
      if (!agent) return undefined;
      const room = MAX_NONCE - agent.length - 3;
      const tail =
        (nonce ?? randomNonce())
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')
          .slice(0, room) || randomNonce().slice(0, room);
      const n = `a-${agent}-${tail}`;
      return `ponte.${ticketNumber}.${n}.${agentMidSig(ticketNumber, n)}@${dom}`;
    },
    verify(messageId) {
      const p = parseId(messageId);
      if (!p) return undefined;
      if (safeEqualHex(p.sig, sign(key, 'mid', `${p.ticket}.${p.nonce}`, SIG_HEX))) return p.ticket;
      return verifyAgent(messageId)?.ticketNumber;
    },
    verifyAgent,
    plusAddress(address, ticketNumber, separator = '+', agentId) {
      const at = address.lastIndexOf('@');
      const local = address.slice(0, at);
      const agent = agentId === undefined ? undefined : normalizeAgentId(agentId);
      if (agent) {
        const agentLocal = `${local}${separator}${ticketNumber}.a${agent}.${agentPlusSig(ticketNumber, agent)}`;
        if (agentLocal.length <= MAX_LOCAL_PART) return `${agentLocal}${address.slice(at)}`.toLowerCase();
      }
      return `${local}${separator}${ticketNumber}.${sign(key, 'plus', String(ticketNumber), PLUS_SIG_HEX)}${address.slice(at)}`.toLowerCase();
    },
    verifyPlusAddress(address, ourAddresses, separator = '+') {
      const p = splitPlus(address, separator);
      if (!p || !ourAddresses.some((o) => o.toLowerCase() === p.base)) return undefined;
      if (p.agentId !== undefined) return verifyAgentPlusAddress(address, ourAddresses, separator)?.ticketNumber;
      return safeEqualHex(p.sig, sign(key, 'plus', String(p.ticket), PLUS_SIG_HEX)) ? p.ticket : undefined;
    },
    verifyAgentPlusAddress,
  };
}
