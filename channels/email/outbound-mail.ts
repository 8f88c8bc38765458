/**
 * How an outbound reply looks on the wire (pure): subject, From, References, Cc. The sender
 * only assembles these.
 */

const PREFIX_RE = /^\s*(?:(?:re|res|resp|fw|fwd|enc|aw|sv|vs|tr|rif|r)\s*(?:\[\d+\])?\s*:\s*)+/i;

/** `Re: <subject> [#10001]` without doubling "Re:" or the token, whatever the customer's client did. */
export function replySubject(ticketSubject: string, subjectToken: string): string {
  let base = ticketSubject.replace(/\s+/g, ' ').trim();
  if (subjectToken) {
    const escaped = subjectToken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    base = base.replace(new RegExp(`\\s*${escaped}\\s*`, 'gi'), ' ').trim();
  }
  base = base.replace(PREFIX_RE, '').trim();
  const parts = ['Re:', base, subjectToken].filter((p) => p.length > 0);
  return parts.join(' ').slice(0, 900);
}

export const MAX_REFERENCES = 11;

/**
 * The References header, oldest first as RFC 5322 wants: the thread root plus the newest ten,
 * ending with the message answered. `newestFirst` is the core's order. Long chains are cut
 * because some servers reject header lines past 998 characters and nothing reads the middle.
 */
export function referencesHeader(inReplyTo: string | undefined, newestFirst: readonly string[]): string[] {
  const seen = new Set<string>();
  const ordered: string[] = [];
  for (const id of [...newestFirst].reverse()) {
    const v = id.trim();
    if (!v || seen.has(v) || v === inReplyTo) continue;
    seen.add(v);
    ordered.push(v);
  }
  if (inReplyTo) ordered.push(inReplyTo.trim());
  if (ordered.length <= MAX_REFERENCES) return ordered;
  return [ordered[0]!, ...ordered.slice(-(MAX_REFERENCES - 1))];
}

/** Display name of the From line: "Ana via Support" for a human's reply, the desk's name for automatic mail. */
export function fromDisplayName(displayName: string, authorName: string | undefined, automatic: boolean): string {
  const name = authorName?.replace(/[\r\n"<>]/g, ' ').trim();
  return !automatic && name ? `${name} via ${displayName}` : displayName;
}

/** More than this many copies is a mailing list, not a conversation; servers also cap recipients. */
export const MAX_CC = 50;

/**
 * The Cc line: email participants other than the recipient and our own addresses (a copy to
 * ourselves would loop), each once. Never the To: `recipient` stays the only addressee.
 */
export function ccRecipients(
  cc: ReadonlyArray<{ kind: string; address: string; displayName?: string | undefined }> | undefined,
  recipient: string,
  ownAddresses: readonly string[],
): Array<{ address: string; name?: string }> {
  const skip = new Set([recipient.trim().toLowerCase(), ...ownAddresses.map((a) => a.toLowerCase())]);
  const out: Array<{ address: string; name?: string }> = [];
  for (const a of cc ?? []) {
    const address = a.address.trim();
    const key = address.toLowerCase();
    if (a.kind !== 'email' || !address.includes('@') || skip.has(key) || out.length >= MAX_CC) continue;
    skip.add(key);
    const name = a.displayName?.replace(/[\r\n"<>]/g, ' ').trim();
    out.push(name ? { address, name } : { address });
  }
  return out;
}
