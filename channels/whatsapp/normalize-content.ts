/**
 * The content of a Baileys message: wrappers peeled, text read, media described (MediaPlan; the
 * source downloads), contact cards parsed, ad attribution read. Pure.
 */
import { toE164 } from '../whatsapp-shared/phone.js';
import { obj, str, toNumber } from './normalize-values.js';

export interface MediaPlan {
  kind: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  contentType: string;
  filename: string;
  /** As announced by the sender (fileLength); the download is still size-limited. */
  declaredSize?: number | undefined;
  variant?: string | undefined;
  durationSec?: number | undefined;
}

const WRAPPERS = [
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
] as const;
/** Keys that sit beside the content and are not content themselves. */
const NON_CONTENT = new Set(['messageContextInfo', 'senderKeyDistributionMessage', 'fastRatchetKeySenderKeyDistributionMessage']);

export interface Unwrapped {
  content: Record<string, unknown>;
  type: string | undefined;
  ephemeral: boolean;
  viewOnce: boolean;
}

export function unwrapMessage(message: Record<string, unknown> | null | undefined): Unwrapped {
  let content = message ?? {};
  let ephemeral = false;
  let viewOnce = false;
  for (let depth = 0; depth < 6; depth++) {
    const wrapper = WRAPPERS.find((w) => obj(obj(content[w])?.message));
    if (!wrapper) break;
    if (wrapper === 'ephemeralMessage') ephemeral = true;
    if (wrapper.startsWith('viewOnce')) viewOnce = true;
    content = obj(obj(content[wrapper])!.message)!;
  }
  const type = Object.keys(content).find((k) => !NON_CONTENT.has(k) && content[k] != null);
  return { content, type, ephemeral, viewOnce };
}

/** The human-readable text of a (possibly wrapped) message, for edits and quotes. */
export function messageText(message: Record<string, unknown> | null | undefined): string | undefined {
  const { content, type } = unwrapMessage(message);
  if (!type) return undefined;
  if (type === 'conversation') return str(content.conversation);
  const inner = obj(content[type]);
  return str(inner?.text) ?? str(inner?.caption) ?? str(inner?.selectedDisplayText) ?? str(inner?.title);
}

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'application/pdf': 'pdf',
};

/** A user-controlled file name made safe to store and to offer for download. */
export function safeFilename(name: string | undefined, fallback: string): string {
  const base = (name ?? '')
    .split(/[\\/]/)
    .pop()!
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"|?*]+/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return base.length > 0 ? base : fallback;
}

export function mediaPlan(type: string, inner: Record<string, unknown>, id: string, viewOnce: boolean): MediaPlan | undefined {
  const declaredSize = toNumber(inner.fileLength);
  const durationSec = toNumber(inner.seconds);
  const mime = str(inner.mimetype);
  const extOf = (m: string | undefined, dflt: string) => EXT[(m ?? '').split(';')[0]!.trim()] ?? dflt;
  const common = { declaredSize, durationSec };
  switch (type) {
    case 'imageMessage': {
      const contentType = mime ?? 'image/jpeg';
      return {
        kind: 'image',
        contentType,
        filename: `image-${id}.${extOf(contentType, 'jpg')}`,
        ...common,
        variant: viewOnce ? 'view_once' : undefined,
      };
    }
    case 'videoMessage':
    case 'ptvMessage': {
      const contentType = mime ?? 'video/mp4';
      const variant = type === 'ptvMessage' ? 'video_note' : inner.gifPlayback ? 'gif' : viewOnce ? 'view_once' : undefined;
      return { kind: 'video', contentType, filename: `video-${id}.${extOf(contentType, 'mp4')}`, ...common, variant };
    }
    case 'audioMessage': {
      // Voice notes stay OGG/Opus: agents play them as sent, no transcoding.
      const ptt = inner.ptt === true;
      const contentType = mime ?? (ptt ? 'audio/ogg; codecs=opus' : 'audio/mpeg');
      return {
        kind: 'audio',
        contentType,
        filename: `${ptt ? 'voice' : 'audio'}-${id}.${extOf(contentType, ptt ? 'ogg' : 'mp3')}`,
        ...common,
        variant: ptt ? 'voice_note' : undefined,
      };
    }
    case 'documentMessage': {
      const contentType = mime ?? 'application/octet-stream';
      return {
        kind: 'document',
        contentType,
        filename: safeFilename(str(inner.fileName) ?? str(inner.title), `document-${id}.${extOf(contentType, 'bin')}`),
        ...common,
      };
    }
    case 'stickerMessage': {
      const contentType = mime ?? 'image/webp';
      return { kind: 'sticker', contentType, filename: `sticker-${id}.${extOf(contentType, 'webp')}`, ...common, variant: 'sticker' };
    }
    default:
      return undefined;
  }
}

export interface VCardContact {
  name: string;
  phones: string[];
  waId?: string | undefined;
}

export function parseVCard(vcard: string, fallbackName?: string): VCardContact {
  const lines = vcard
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n');
  let name = fallbackName ?? '';
  const phones: string[] = [];
  let waId: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon).toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (head === 'FN' && value && !fallbackName) name = value;
    if (head.startsWith('TEL') || head.startsWith('ITEM1.TEL')) {
      const wa = /WAID=(\d+)/i.exec(line.slice(0, colon));
      if (wa && !waId) waId = wa[1];
      const e164 = toE164(wa ? wa[1]! : value);
      if (e164 && !phones.includes(e164)) phones.push(e164);
    }
  }
  return { name: name || 'contact', phones, waId };
}

export function contactLine(c: VCardContact): string {
  return `👤 ${c.name}${c.phones.length ? ` — ${c.phones.join(', ')}` : ''}`;
}

/** Click-to-WhatsApp ad attribution from contextInfo, when present. */
export function adAttribution(contextInfo: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const ad = obj(contextInfo?.externalAdReply);
  const source = str(contextInfo?.entryPointConversionSource) ?? str(contextInfo?.conversionSource);
  if (!ad && !source) return undefined;
  const out: Record<string, unknown> = { source: source ?? 'ad' };
  if (str(ad?.sourceId)) out.adId = ad!.sourceId;
  const app = str(contextInfo?.entryPointConversionApp) ?? str(ad?.sourceApp);
  if (app) out.app = app;
  if (str(ad?.sourceUrl)) out.url = ad!.sourceUrl;
  if (str(ad?.title)) out.title = String(ad!.title).slice(0, 200);
  if (str(ad?.ctwaClid)) out.ctwaClid = ad!.ctwaClid;
  return out;
}
