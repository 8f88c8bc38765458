/**
 * How an outbound reply looks on the wire (pure): subject, From, References and the cap on
 * automatic mail. The sender only assembles these.
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

/** In-memory sliding window: automatic mail to one address at most `perHour` times an hour. */
export interface AutomaticMailCap {
  /** Records the send and answers true when allowed; false means "drop it, the cap is reached". */
  take(recipient: string, now: number): boolean;
}

export function createAutomaticMailCap(perHour: number): AutomaticMailCap {
  const sent = new Map<string, number[]>();
  const HOUR = 3_600_000;
  return {
    take(recipient, now) {
      if (perHour <= 0) return true;
      const key = recipient.toLowerCase();
      const recent = (sent.get(key) ?? []).filter((t) => t > now - HOUR);
      if (recent.length >= perHour) {
        sent.set(key, recent);
        return false;
      }
      recent.push(now);
      sent.set(key, recent);
      if (sent.size > 10_000) for (const [k, v] of sent) if (!v.some((t) => t > now - HOUR)) sent.delete(k);
      return true;
    },
  };
}
