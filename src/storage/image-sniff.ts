/**
 * The one module that imports `file-type`: is a file that says it is an image really one?
 * A declared `image/*` whose first bytes are not an image of a type we recognise (an HTML page
 * or an executable renamed `.png`) is served and stored as application/octet-stream, so no
 * viewer renders it as something else. Types file-type cannot recognise from bytes (SVG is
 * text) count as unverified, hence octet-stream too. Pure over the bytes it is given.
 */
import { fileTypeFromBuffer } from 'file-type';
import { essenceOf, OCTET_STREAM } from '../domain/content-type.js';

/** file-type reads at most this many bytes from the start of a file for the image formats. */
export const SNIFF_BYTES = 4100;

/** Aliases browsers and mail clients use for the same formats. */
const SAME_FORMAT: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/x-ms-bmp': 'image/bmp',
  'image/vnd.microsoft.icon': 'image/x-icon',
  'image/heif': 'image/heic',
};
const canonical = (t: string) => SAME_FORMAT[t] ?? t;

/**
 * The content type to use for a file declared as `declared` whose first bytes are `head`.
 * Non-image declarations pass through unchanged.
 */
export async function checkDeclaredImage(declared: string, head: Uint8Array): Promise<{ contentType: string; sniffed: string | null }> {
  const essence = essenceOf(declared);
  if (!essence.startsWith('image/')) return { contentType: declared, sniffed: null };
  const found = await fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES)).catch(() => undefined);
  const sniffed = found?.mime ?? null;
  if (sniffed && sniffed.startsWith('image/') && canonical(sniffed) === canonical(essence)) return { contentType: declared, sniffed };
  // A real image under another image type (a PNG declared image/jpeg) is served as what it is.
  if (sniffed && sniffed.startsWith('image/')) return { contentType: sniffed, sniffed };
  return { contentType: OCTET_STREAM, sniffed };
}
