/** Reading Meta's webhook JSON defensively: every field may be missing or of another type. Pure. */
export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const clip = (v: string | undefined, n: number): string | undefined => (v === undefined ? undefined : v.slice(0, n));

/** Meta's timestamps are epoch seconds as strings. */
export function toMs(ts: unknown, fallback: number): number {
  const n = typeof ts === 'string' ? Number(ts) : typeof ts === 'number' ? ts : NaN;
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : fallback;
}
