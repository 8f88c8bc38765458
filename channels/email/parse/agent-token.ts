/**
 * Finds our per-agent signed token in a reply (pure; the signature check is injected, the key
 * never enters this module). A reply to a notification Ponte sent to an agent names that
 * notification's Message-ID in In-Reply-To/References, or is addressed to the per-agent plus
 * address of its Reply-To (seen in To, Cc or Delivered-To). The first valid token wins; a
 * forged or altered one is simply not valid (issue 9: only proof makes an agent).
 */

export interface AgentToken {
  agentId: string;
  ticketNumber: number;
}

export interface AgentTokenVerifier {
  /** A Message-ID (with or without brackets) -> the agent and ticket its signature proves. */
  messageId(id: string): AgentToken | undefined;
  /** A recipient address -> the agent and ticket its signed plus part proves. */
  address(address: string): AgentToken | undefined;
}

export interface AgentTokenPlaces {
  /** In-Reply-To first, then References newest first (the thread hints order). */
  references: readonly string[];
  /** To, Cc, then Delivered-To/X-Original-To addresses. */
  recipients: readonly string[];
}

const MAX_CANDIDATES = 400;

function safe<T>(fn: () => T | undefined): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export function findAgentToken(places: AgentTokenPlaces, verify: AgentTokenVerifier): AgentToken | undefined {
  for (const id of places.references.slice(0, MAX_CANDIDATES)) {
    const token = safe(() => verify.messageId(id));
    if (token) return token;
  }
  for (const address of places.recipients.slice(0, MAX_CANDIDATES)) {
    const token = safe(() => verify.address(address));
    if (token) return token;
  }
  return undefined;
}

/**
 * Addresses in raw Delivered-To / X-Original-To values (`<a@b>`, `a@b`, several per value).
 * Split on separators, no regex over the value: it is message content.
 */
export function envelopeRecipients(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values.slice(0, 50)) {
    let token = '';
    for (const c of value.slice(0, 2000) + ' ') {
      if (c === ' ' || c === '\t' || c === ',' || c === '<' || c === '>' || c === ';') {
        if (token.includes('@') && out.length < 100) out.push(token.toLowerCase());
        token = '';
      } else {
        token += c;
      }
    }
  }
  return out;
}
