/**
 * U+0000 becomes U+FFFD everywhere in the envelope: PostgreSQL text cannot hold NUL, and a broken
 * mailer's NUL must not turn into an ingest that fails (and is redelivered) forever. The same
 * input always maps to the same output, so de-duplication is unaffected.
 */
export function withoutNul<T>(value: T): T {
  return hasNul(value) ? replaceNul(value) : value;
}

/** Runs on every envelope: plain loops, no arrays of entries built to look. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) {
    for (const v of value) if (hasNul(v)) return true;
    return false;
  }
  if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) if (k.includes('\u0000') || hasNul((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replace(/\u0000/g, '\ufffd') : value) as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[replaceNul(k)] = replaceNul(v);
    return out as T;
  }
  return value;
}
