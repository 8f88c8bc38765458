/**
 * Safe display names for attachments, and the Content-Disposition that carries them. Pure.
 *
 * Whatever a sender declared (an email part, a WhatsApp document, a form upload, an agent's
 * upload) is kept as the original; what agents see, what downloads are named and what we send
 * on is the display name: one path segment, no control or bidi characters (the incident: a file
 * shown as `passwd‮gnp.exe` reads "passwdexe.png" on screen), NFC, bounded length with the
 * extension kept. The function is idempotent: a display name passes through unchanged.
 */

export const MAX_DISPLAY_NAME_LENGTH = 120;
const FALLBACK = 'attachment';

/** C0/C1 controls, DEL, bidi marks/embeddings/overrides/isolates, BOM and lone surrogates. */
const UNSAFE_CHAR =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Characters no common file system accepts in a name (Windows is the strictest). */
const RESERVED_CHAR = /[<>:"|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;
const EXTENSION = /\.[A-Za-z0-9]{1,16}$/;

export function safeDisplayName(original: string, maxLength = MAX_DISPLAY_NAME_LENGTH): string {
  // Control characters go first, so that a `/` hidden behind one still splits the path.
  const cleaned = original.replace(UNSAFE_CHAR, '').normalize('NFC');
  const segments = cleaned.split(/[/\\]/);
  let name = segments[segments.length - 1] ?? '';
  name = name.replace(RESERVED_CHAR, '_').replace(/\s+/g, ' ');
  // No hidden files, no `..`, no names that end in a dot or blank (Windows drops them).
  name = name.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  if (!name) name = FALLBACK;
  return truncateKeepingExtension(name, maxLength);
}

function truncateKeepingExtension(name: string, maxLength: number): string {
  const chars = Array.from(name); // code points: a surrogate pair is never split
  if (chars.length <= maxLength) return name;
  const ext = EXTENSION.exec(name)?.[0] ?? '';
  const stem = Array.from(name.slice(0, name.length - ext.length));
  const kept = stem
    .slice(0, Math.max(1, maxLength - ext.length - 1))
    .join('')
    .replace(/[\s.]+$/, '');
  return `${kept || FALLBACK}…${ext}`;
}

/** RFC 5987 attr-char: everything else is percent-encoded (encodeURIComponent leaves ' ( ) * alone). */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `attachment; filename="<ascii fallback>"; filename*=UTF-8''<encoded>` (RFC 6266): old clients
 * read the quoted ASCII name, the others the exact UTF-8 one. The name is made safe first.
 */
export function contentDisposition(name: string): string {
  const safe = safeDisplayName(name);
  const ascii = safe
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(safe)}`;
}
