/**
 * The one rule for which tickets a mail *proves* (issue 10: the parse and the IMAP source each
 * decided this). Pure; the signature checks are injected, the key never enters this module.
 *
 * - Our signed Message-IDs in the thread references (In-Reply-To first, then References
 *   newest first) each prove their ticket number.
 * - With `replyTo.mode: plus`, a signed plus address of one of our addresses in To or Cc
 *   (`support+10001.sig@`) proves its ticket too: replies thread even when the client drops
 *   every header.
 * - Order kept (references, then recipients), duplicates dropped, at most 20 numbers (the
 *   envelope's limit); a verifier that throws proves nothing. A forged token is simply not valid.
 * - The mail's *own* Message-ID being one of ours is not proof of a ticket but a loop.
 */

export interface SignedTicketVerifier {
  /** A Message-ID (with or without brackets) -> the ticket its signature proves. */
  messageId(id: string): number | undefined;
  /** A recipient address -> the ticket its signed plus part proves (absent: plus mode off). */
  plusAddress?: ((address: string) => number | undefined) | undefined;
}

export interface SignedTicketPlaces {
  references: readonly string[];
  /** To and Cc addresses. */
  recipients?: readonly string[] | undefined;
}

export const MAX_SIGNED_TICKETS = 20;
/** Candidates looked at per place: a mail with 10,000 references costs no more than this. */
const MAX_CANDIDATES = 400;

function safe(verify: (value: string) => number | undefined, value: string): number | undefined {
  try {
    const n = verify(value);
    return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function signedTicketNumbers(places: SignedTicketPlaces, verify: SignedTicketVerifier): number[] {
  const found = new Set<number>();
  const consider = (check: (value: string) => number | undefined, values: readonly string[]): void => {
    for (const value of values.slice(0, MAX_CANDIDATES)) {
      if (found.size >= MAX_SIGNED_TICKETS) return;
      const n = safe(check, value);
      if (n !== undefined) found.add(n);
    }
  };
  consider(verify.messageId, places.references);
  if (verify.plusAddress) consider(verify.plusAddress, places.recipients ?? []);
  return [...found];
}

/** True when the mail's own Message-ID is one we signed: our own mail came back (a loop). */
export function isOwnMessageId(messageId: string | undefined, verify: SignedTicketVerifier): boolean {
  return messageId !== undefined && safe(verify.messageId, messageId) !== undefined;
}
