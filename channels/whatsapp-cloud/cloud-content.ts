/**
 * What a Cloud API message says, per type: its text for agents, the media to download, the
 * typed metadata beside it, or a reason to ignore it. Pure.
 */
import type { WhatsappTexts } from '../whatsapp-shared/placeholder-texts.js';
import { arr, clip, isObj, str, type Json } from './cloud-values.js';
import type { MediaRef } from './normalize.js';

export interface CloudContent {
  text: string;
  media?: MediaRef | undefined;
  ignore?: { reason: string } | undefined;
}

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/mp4': 'm4a',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

function defaultFilename(kind: string, mediaId: string, mime: string): string {
  const base = mime.split(';')[0]!.trim().toLowerCase();
  return `whatsapp-${kind}-${mediaId}.${EXT[base] ?? 'bin'}`;
}

const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;

/** Fills `metadata` with what the type carries (location, contacts, interactive ids …). */
export function messageContent(type: string, message: Json, texts: WhatsappTexts, metadata: Json): CloudContent {
  let text = '';
  let media: MediaRef | undefined;
  let ignore: { reason: string } | undefined;

  if (type === 'text') {
    const t = isObj(message.text) ? str(message.text.body) : undefined;
    text = t ?? '';
  } else if ((MEDIA_TYPES as readonly string[]).includes(type)) {
    const m = isObj(message[type]) ? (message[type] as Json) : {};
    const mediaId = str(m.id);
    const mimeType = str(m.mime_type) ?? 'application/octet-stream';
    text = str(m.caption) ?? '';
    if (mediaId) {
      const voice = type === 'audio' && (m.voice === true || (m.voice === undefined && /^audio\/ogg\b.*opus/i.test(mimeType)));
      const variant = type === 'sticker' ? (m.animated === true ? 'animated_sticker' : 'sticker') : voice ? 'voice' : undefined;
      media = {
        mediaId,
        mimeType,
        filename: clip(str(m.filename), 255) ?? defaultFilename(variant === 'voice' ? 'voice' : type, mediaId, mimeType),
        ...(str(m.sha256) ? { sha256: str(m.sha256)! } : {}),
        ...(variant ? { variant } : {}),
      };
      metadata.media = { id: mediaId, mimeType, ...(variant ? { variant } : {}) };
    } else {
      text = [text, texts.mediaFailed('no media id')].filter(Boolean).join('\n');
    }
  } else if (type === 'location') {
    const l = isObj(message.location) ? message.location : {};
    const lat = typeof l.latitude === 'number' ? l.latitude : Number(l.latitude);
    const lng = typeof l.longitude === 'number' ? l.longitude : Number(l.longitude);
    const lines = [`📍 ${str(l.name) ?? ''}`.trim(), str(l.address)];
    if (Number.isFinite(lat) && Number.isFinite(lng)) lines.push(`https://www.google.com/maps?q=${lat},${lng}`);
    text = lines.filter((x) => x && x !== '📍').join('\n') || '📍';
    metadata.location = { latitude: lat, longitude: lng, name: str(l.name), address: str(l.address), url: str(l.url) };
  } else if (type === 'contacts') {
    const cards = arr(message.contacts).filter(isObj).slice(0, 20);
    const lines: string[] = [];
    const summary: Json[] = [];
    for (const c of cards) {
      const name = isObj(c.name) ? (str(c.name.formatted_name) ?? str(c.name.first_name)) : undefined;
      const phones = arr(c.phones)
        .filter(isObj)
        .map((p) => ({ phone: str(p.phone), waId: str(p.wa_id), type: str(p.type) }));
      const emails = arr(c.emails)
        .filter(isObj)
        .map((e) => str(e.email))
        .filter((e): e is string => !!e);
      lines.push(`👤 ${texts.contactCard}: ${name ?? '?'}`);
      for (const p of phones) lines.push(`   ${p.phone ?? p.waId ?? ''}${p.type ? ` (${p.type})` : ''}`);
      for (const e of emails) lines.push(`   ${e}`);
      summary.push({ name, phones, emails });
    }
    text = lines.join('\n');
    metadata.contacts = summary;
  } else if (type === 'interactive') {
    const i = isObj(message.interactive) ? message.interactive : {};
    const kind = str(i.type) ?? 'unknown';
    const reply = isObj(i[kind]) ? (i[kind] as Json) : {};
    if (kind === 'button_reply' || kind === 'list_reply') {
      text = str(reply.title) ?? str(reply.id) ?? '';
      metadata.interactive = { type: kind, id: str(reply.id), title: str(reply.title), description: str(reply.description) };
      metadata.payload = str(reply.id);
    } else if (kind === 'nfm_reply') {
      text = str(reply.body) ?? str(reply.name) ?? 'Flow';
      metadata.interactive = { type: kind, name: str(reply.name), responseJson: clip(str(reply.response_json), 10_000) };
    } else {
      text = texts.unsupportedType(`interactive/${kind}`);
      metadata.raw = message;
    }
  } else if (type === 'button') {
    const b = isObj(message.button) ? message.button : {};
    text = str(b.text) ?? str(b.payload) ?? '';
    metadata.button = { text: str(b.text), payload: str(b.payload) };
    metadata.payload = str(b.payload);
  } else if (type === 'order') {
    const o = isObj(message.order) ? message.order : {};
    const items = arr(o.product_items).filter(isObj);
    text = [
      `🛒 ${texts.order}${str(o.text) ? `: ${str(o.text)}` : ''}`,
      ...items
        .slice(0, 50)
        .map((it) =>
          `   ${String(it.quantity ?? 1)} × ${String(it.product_retailer_id ?? '?')} (${String(it.item_price ?? '?')} ${String(it.currency ?? '')})`.trimEnd(),
        ),
    ].join('\n');
    metadata.order = { catalogId: str(o.catalog_id), items: items.slice(0, 50) };
  } else if (type === 'request_welcome') {
    ignore = { reason: 'request_welcome: the customer opened the chat without writing' };
  } else if (type === 'unsupported') {
    text = texts.unsupportedByCloudApi;
    metadata.raw = message;
  } else {
    text = texts.unsupportedType(type.slice(0, 40));
    metadata.raw = message;
  }
  return { text, ...(media ? { media } : {}), ...(ignore ? { ignore } : {}) };
}
