/**
 * Media types as senders declare them, checked against the MIME grammar (RFC 2045 / RFC 9110
 * §8.3.1): `type "/" subtype *( OWS ";" OWS name "=" ( token / quoted-string ) )`. A declared
 * type that does not parse (CR/LF, junk, an empty subtype) is stored as
 * application/octet-stream and the original is recorded; the incident behind this: a declared
 * `text/plain\r\nX-Evil: 1` was stored, and every download of it answered 500. Pure, and one
 * left-to-right scan (linear time on any input).
 */

export const OCTET_STREAM = 'application/octet-stream';
export const MAX_CONTENT_TYPE_LENGTH = 255;

export interface MediaType {
  /** `type/subtype`, lower-case. */
  essence: string;
  /** Parameter names lower-case, values as given (unquoted). */
  parameters: Array<[string, string]>;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const isTchar = (c: string | undefined): boolean => c !== undefined && TCHAR.test(c);
const isOws = (c: string | undefined): boolean => c === ' ' || c === '\t';
/** qdtext / quoted-pair content: HTAB, SP, VCHAR, obs-text. */
const isQuotedChar = (code: number): boolean => code === 0x09 || (code >= 0x20 && code !== 0x7f && code <= 0xff);

export function parseMediaType(input: string): MediaType | undefined {
  if (input.length === 0 || input.length > MAX_CONTENT_TYPE_LENGTH) return undefined;
  let i = 0;
  const token = (): string => {
    const start = i;
    while (isTchar(input[i])) i++;
    return input.slice(start, i);
  };
  while (isOws(input[i])) i++;
  const type = token();
  if (!type || input[i] !== '/') return undefined;
  i++;
  const subtype = token();
  if (!subtype) return undefined;
  const parameters: Array<[string, string]> = [];
  for (;;) {
    while (isOws(input[i])) i++;
    if (i === input.length) break;
    if (input[i] !== ';') return undefined;
    i++;
    while (isOws(input[i])) i++;
    if (i === input.length) break; // a trailing `;` is tolerated (common, harmless)
    const name = token();
    if (!name || input[i] !== '=') return undefined;
    i++;
    let value: string;
    if (input[i] === '"') {
      i++;
      let v = '';
      for (;;) {
        if (i >= input.length) return undefined;
        const c = input[i]!;
        if (c === '"') break;
        if (c === '\\') {
          i++;
          if (i >= input.length || !isQuotedChar(input.charCodeAt(i))) return undefined;
        } else if (!isQuotedChar(input.charCodeAt(i))) return undefined;
        v += input[i];
        i++;
      }
      i++;
      value = v;
    } else {
      value = token();
      if (!value) return undefined;
    }
    parameters.push([name.toLowerCase(), value]);
  }
  return { essence: `${type}/${subtype}`.toLowerCase(), parameters };
}

function quoteIfNeeded(value: string): string {
  return value.length > 0 && Array.from(value).every((c) => isTchar(c)) ? value : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function formatMediaType(m: MediaType): string {
  return [m.essence, ...m.parameters.map(([k, v]) => `${k}=${quoteIfNeeded(v)}`)].join('; ');
}

/**
 * The type to store and serve, and the declared original when it differs (to record beside it).
 * Anything that does not parse becomes application/octet-stream.
 */
export function normalizeContentType(declared: string | null | undefined): { contentType: string; declared: string | null } {
  const raw = declared ?? '';
  const parsed = parseMediaType(raw);
  const contentType = parsed ? formatMediaType(parsed) : OCTET_STREAM;
  const original = raw.replace(/\u0000/g, '').slice(0, 1000);
  return { contentType, declared: contentType === raw || original === '' ? null : original };
}

/** `image/png; x=y` → `image/png`. */
export function essenceOf(contentType: string): string {
  return parseMediaType(contentType)?.essence ?? OCTET_STREAM;
}
