/**
 * CORS for public forms (a browser on the merchant's site posts directly). Pure.
 *
 * Only listed origins get CORS headers; an unlisted origin gets a 403 without them, so the
 * browser refuses to show the page anything. `Vary: Origin` is always set because the answer
 * depends on it (a shared cache must not hand one site's answer to another).
 */
export const ALLOWED_METHODS = 'POST, OPTIONS';
export const ALLOWED_HEADERS = ['content-type', 'idempotency-key'];
const MAX_AGE_SECONDS = '600';

/** `https://Loja.Example.com.br:443/` -> `https://loja.example.com.br`; undefined when not an origin. */
export function normalizeOrigin(value: string): string | undefined {
  const m = /^(https?):\/\/([a-z0-9.-]+|\*\.[a-z0-9.-]+)(?::(\d{1,5}))?\/?$/i.exec(value.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.toLowerCase();
  const port = m[3];
  const defaultPort = scheme === 'https' ? '443' : '80';
  return port && port !== defaultPort ? `${scheme}://${host}:${port}` : `${scheme}://${host}`;
}

/** Exact match, or `https://*.example.com` for any single-or-deeper subdomain (never the apex, never another scheme). */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return false;
  const o = normalizeOrigin(origin);
  if (!o || o.includes('*')) return false;
  for (const pattern of allowed) {
    const p = normalizeOrigin(pattern);
    if (!p) continue;
    if (p === o) return true;
    const star = p.indexOf('://*.');
    if (star >= 0) {
      const scheme = p.slice(0, star);
      const suffix = p.slice(star + 4); // ".example.com[:port]"
      if (o.startsWith(`${scheme}://`) && o.endsWith(suffix) && o.length > `${scheme}://`.length + suffix.length) return true;
    }
  }
  return false;
}

export type CorsDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; message: string };

export interface CorsRequest {
  method: string;
  origin: string | undefined;
  /** `Access-Control-Request-Method` (preflight). */
  requestMethod?: string | undefined;
  /** `Access-Control-Request-Headers` (preflight). */
  requestHeaders?: string | undefined;
}

export function decideCors(req: CorsRequest, allowedOrigins: readonly string[], requireOrigin: boolean): CorsDecision {
  const vary = { Vary: 'Origin' };
  if (req.origin === undefined) {
    if (req.method === 'OPTIONS') return { allowed: false, headers: vary, message: 'a preflight needs an Origin header' };
    return requireOrigin
      ? { allowed: false, headers: vary, message: 'this form accepts posts from its own site only (no Origin header)' }
      : { allowed: true, headers: vary };
  }
  if (!isOriginAllowed(req.origin, allowedOrigins)) {
    return { allowed: false, headers: vary, message: 'this origin may not post to this form' };
  }
  const base = { ...vary, 'Access-Control-Allow-Origin': req.origin.trim(), 'Access-Control-Expose-Headers': 'Retry-After' };
  if (req.method !== 'OPTIONS') return { allowed: true, headers: base };

  if (req.requestMethod !== undefined && req.requestMethod.toUpperCase() !== 'POST') {
    return { allowed: false, headers: vary, message: 'only POST is allowed' };
  }
  const asked = (req.requestHeaders ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const refused = asked.filter((h) => !ALLOWED_HEADERS.includes(h));
  if (refused.length > 0) return { allowed: false, headers: vary, message: `header not allowed: ${refused.join(', ')}` };
  return {
    allowed: true,
    headers: {
      ...base,
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': ALLOWED_HEADERS.join(', '),
      'Access-Control-Max-Age': MAX_AGE_SECONDS,
    },
  };
}
