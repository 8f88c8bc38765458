/**
 * Baileys events -> what the core should do, as pure decisions. No I/O: media is described
 * (MediaPlan) and downloaded by the source; the LID<->phone table and "is this one of our
 * sends" are looked up by the caller and passed in.
 *
 * Payloads come in two shapes and both are accepted: in-process (Uint8Array bytes, Long
 * 64-bit ints, numeric enums) and JSON-serialized (base64 strings, decimal strings, enum names).
 */
import type { DeliveryUpdate, MessageUpdate } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import type { Address, DeliveryStatus } from '../../src/domain/model.js';
import { brazilAlternate, jidKind, normalizeJid, phoneToJid, toE164 } from '../whatsapp-shared/phone.js';
import type { WaKey, WaMessage, WaMessageUpdate, WaReceiptUpdate } from './socket-port.js';

export type Locale = 'pt-BR' | 'es' | 'en';

export interface NormalizeOptions {
  ignoreGroups: boolean;
  locale: Locale;
  /** `messages.upsert` type: `notify` (live) or `append` (offline backlog, own echoes). */
  upsertType?: string | undefined;
  /** Set when Baileys delivered this as the answer to a placeholder resend (ad leads). */
  requestId?: string | undefined;
  /** The phone JID learned for a LID (lid-mapping table), if any. */
  lidToPn?: ((lid: string) => string | undefined) | undefined;
  /** fromMe only: the id belongs to a message this gateway sent (ctx.findOutbound found it). */
  knownOutbound?: boolean | undefined;
  /** The logged-in account (`me.id`), used as the reactor address for fromMe reactions. */
  meJid?: string | undefined;
}

export interface MediaPlan {
  kind: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  contentType: string;
  filename: string;
  /** As announced by the sender (fileLength); the download is still size-limited. */
  declaredSize?: number | undefined;
  variant?: string | undefined;
  durationSec?: number | undefined;
}

export type UpsertDecision =
  | { action: 'ingest'; message: InboundMessageInput; media?: MediaPlan | undefined; unsupported?: boolean }
  | { action: 'update'; update: MessageUpdate; dedupeKey: string }
  | {
      /** A stub: do not ingest as final; the real message with the same id may still come. */
      action: 'await_retry';
      externalId: string;
      reason: 'undecryptable' | 'ad_lead_pending';
      /** What to ingest if the real message never arrives. */
      placeholder: InboundMessageInput;
    }
  | { action: 'ignore'; reason: string };

export type UpdateDecision =
  | { action: 'update'; update: MessageUpdate; dedupeKey: string }
  | { action: 'delivery'; update: DeliveryUpdate }
  | { action: 'ignore'; reason: string };

// ---------------------------------------------------------------------------------------------
// Scalars in either serialization

/** number | decimal string | Long ({low, high, unsigned}) -> number. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (value && typeof value === 'object') {
    const l = value as { low?: unknown; high?: unknown; unsigned?: unknown; toNumber?: () => number };
    if (typeof l.toNumber === 'function') return l.toNumber();
    if (typeof l.low === 'number' && typeof l.high === 'number') return l.high * 2 ** 32 + (l.low >>> 0);
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const STATUS_NAMES = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'] as const;

/** WebMessageInfo.Status (number or enum name) -> our delivery status; PENDING -> undefined. */
export function deliveryFromStatus(value: unknown): DeliveryStatus | undefined {
  const n = typeof value === 'string' ? STATUS_NAMES.indexOf(value as (typeof STATUS_NAMES)[number]) : toNumber(value);
  switch (n) {
    case 0:
      return 'failed';
    case 2:
      return 'sent';
    case 3:
      return 'delivered';
    case 4:
    case 5:
      return 'read';
    default:
      return undefined;
  }
}

function enumIs(value: unknown, name: string, num: number): boolean {
  return value === name || toNumber(value) === num;
}

// ---------------------------------------------------------------------------------------------
// Placeholders shown to agents

const TEXTS: Record<Locale, Record<string, string>> = {
  'pt-BR': {
    viewOnce: '[O cliente enviou uma mídia de visualização única, que não pode ser exibida aqui. Peça para reenviar como foto normal.]',
    unsupported: '[Mensagem do WhatsApp de um tipo não suportado ({type}). O conteúdo original foi guardado.]',
    undecryptable: '[Mensagem que não pôde ser descriptografada. Peça ao cliente para reenviar.]',
    adLead: '[Contato vindo de anúncio: o conteúdo da mensagem ainda não chegou do celular do cliente.]',
    mediaTooLarge: '[Anexo não guardado: {name} passa do limite de {max} bytes.]',
    mediaFailed: '[Anexo não pôde ser baixado: {name}.]',
  },
  es: {
    viewOnce: '[El cliente envió un archivo de visualización única, que no se puede mostrar aquí. Pídele que lo reenvíe como foto normal.]',
    unsupported: '[Mensaje de WhatsApp de un tipo no compatible ({type}). Se guardó el contenido original.]',
    undecryptable: '[No se pudo descifrar el mensaje. Pídele al cliente que lo reenvíe.]',
    adLead: '[Contacto desde un anuncio: el contenido del mensaje aún no llegó desde el teléfono del cliente.]',
    mediaTooLarge: '[Adjunto no guardado: {name} supera el límite de {max} bytes.]',
    mediaFailed: '[No se pudo descargar el adjunto: {name}.]',
  },
  en: {
    viewOnce: '[The customer sent view-once media, which cannot be shown here. Ask them to send it again as a normal photo.]',
    unsupported: '[WhatsApp message of an unsupported type ({type}). The original content was kept.]',
    undecryptable: '[This message could not be decrypted. Ask the customer to send it again.]',
    adLead: '[Lead from an ad: the message content has not arrived from the customer’s phone yet.]',
    mediaTooLarge: '[Attachment not kept: {name} is over the {max} byte limit.]',
    mediaFailed: '[Attachment could not be downloaded: {name}.]',
  },
};

export function placeholderText(locale: Locale, key: keyof (typeof TEXTS)['en'], params: Record<string, string | number> = {}): string {
  const template = TEXTS[locale]?.[key] ?? TEXTS.en[key]!;
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

// ---------------------------------------------------------------------------------------------
// Identity

export interface SenderIdentity {
  from: Address;
  fromAliases: Address[];
  lookupAlso: Address[];
  chatJid: string;
  /** A LID<->phone pair this message proved (remoteJidAlt), to remember. */
  learned?: { lid: string; pn: string } | undefined;
}

/**
 * The customer behind a 1:1 chat key. `from` is the phone JID when known (kind `whatsapp`),
 * else the LID (`whatsapp_lid`); the other forms are aliases. A LID-only contact never gets an
 * invented number. Brazilian numbers add the other ninth-digit form as lookup-only.
 */
export function senderIdentity(key: WaKey, lidToPn?: (lid: string) => string | undefined, displayName?: string): SenderIdentity {
  const chatJid = normalizeJid(String(key.remoteJid ?? ''));
  const alt = str(key.remoteJidAlt) ? normalizeJid(String(key.remoteJidAlt)) : undefined;
  const lid = jidKind(chatJid) === 'lid' ? chatJid : alt && jidKind(alt) === 'lid' ? alt : undefined;
  let pn = jidKind(chatJid) === 'user' ? chatJid : alt && jidKind(alt) === 'user' ? alt : undefined;
  const provedByKey = Boolean(pn && lid);
  if (!pn && lid && lidToPn) {
    const mapped = lidToPn(lid);
    if (mapped && jidKind(mapped) === 'user') pn = normalizeJid(mapped);
  }
  const name = displayName ? { displayName: displayName.slice(0, 200) } : {};
  const fromAliases: Address[] = [];
  const lookupAlso: Address[] = [];
  let from: Address;
  if (pn) {
    from = { kind: 'whatsapp', address: pn, ...name };
    if (lid) fromAliases.push({ kind: 'whatsapp_lid', address: lid });
    const e164 = toE164(pn);
    if (e164) {
      fromAliases.push({ kind: 'phone', address: e164 });
      const other = brazilAlternate(e164);
      if (other) lookupAlso.push({ kind: 'phone', address: other }, { kind: 'whatsapp', address: phoneToJid(other) });
    }
  } else {
    from = { kind: 'whatsapp_lid', address: lid ?? chatJid, ...name };
  }
  return { from, fromAliases, lookupAlso, chatJid, learned: provedByKey ? { lid: lid!, pn: pn! } : undefined };
}

// ---------------------------------------------------------------------------------------------
// Content

const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'viewOnceMessageV2Extension', 'documentWithCaptionMessage'] as const;
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

function mediaPlan(type: string, inner: Record<string, unknown>, id: string, viewOnce: boolean): MediaPlan | undefined {
  const declaredSize = toNumber(inner.fileLength);
  const durationSec = toNumber(inner.seconds);
  const mime = str(inner.mimetype);
  const extOf = (m: string | undefined, dflt: string) => EXT[(m ?? '').split(';')[0]!.trim()] ?? dflt;
  const common = { declaredSize, durationSec };
  switch (type) {
    case 'imageMessage': {
      const contentType = mime ?? 'image/jpeg';
      return { kind: 'image', contentType, filename: `image-${id}.${extOf(contentType, 'jpg')}`, ...common, variant: viewOnce ? 'view_once' : undefined };
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

interface VCardContact {
  name: string;
  phones: string[];
  waId?: string | undefined;
}

export function parseVCard(vcard: string, fallbackName?: string): VCardContact {
  const lines = vcard.replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '').split('\n');
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

function contactLine(c: VCardContact): string {
  return `👤 ${c.name}${c.phones.length ? ` — ${c.phones.join(', ')}` : ''}`;
}

/** Click-to-WhatsApp ad attribution from contextInfo, when present. */
function adAttribution(contextInfo: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
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

// ---------------------------------------------------------------------------------------------
// messages.upsert

const CIPHERTEXT_STUB = 2;

export function normalizeUpsertMessage(msg: WaMessage, options: NormalizeOptions): UpsertDecision {
  const key = msg.key ?? {};
  const id = str(key.id);
  const remoteJid = str(key.remoteJid);
  if (!id || !remoteJid) return { action: 'ignore', reason: 'message without key' };
  const chatKind = jidKind(remoteJid);
  if (chatKind === 'status') return { action: 'ignore', reason: 'status@broadcast' };
  if (chatKind === 'newsletter') return { action: 'ignore', reason: 'newsletter' };
  if (chatKind === 'broadcast') return { action: 'ignore', reason: 'broadcast list' };
  if (chatKind === 'group') {
    // Groups are not supported as conversations yet: only ignoring them is implemented.
    return { action: 'ignore', reason: options.ignoreGroups ? 'group chat' : 'group chat (not supported)' };
  }
  if (chatKind !== 'user' && chatKind !== 'lid') return { action: 'ignore', reason: `unsupported chat ${chatKind}` };

  const fromMe = key.fromMe === true;
  const identity = senderIdentity(key, options.lidToPn, fromMe ? undefined : str(msg.pushName));
  const sentAtSec = toNumber(msg.messageTimestamp);
  const sentAt = sentAtSec !== undefined ? Math.round(sentAtSec * 1000) : undefined;
  const metadata: Record<string, unknown> = {
    chatJid: identity.chatJid,
    upsert: options.upsertType ?? 'notify',
  };
  if (str(key.addressingMode)) metadata.addressingMode = key.addressingMode;
  if (options.requestId) metadata.requestId = options.requestId;
  if (identity.learned) metadata.learnedMapping = identity.learned;

  const base = (): InboundMessageInput => ({
    externalId: id,
    ...(sentAt !== undefined ? { sentAt } : {}),
    from: identity.from,
    fromAliases: identity.fromAliases,
    lookupAlso: identity.lookupAlso,
    // WhatsApp's end-to-end session proves the sender's phone/LID (ARCHITECTURE rule 0).
    proof: { level: 'channel' },
    text: '',
    ...(fromMe ? (options.knownOutbound ? { ownEcho: true } : { fromBusiness: true }) : {}),
    metadata,
  });
  if (fromMe) metadata.author = options.knownOutbound ? 'gateway' : 'merchant-phone';

  const message = obj(msg.message);
  if (!message || Object.keys(message).length === 0) {
    const stub = enumIs(msg.messageStubType, 'CIPHERTEXT', CIPHERTEXT_STUB);
    if (stub && !fromMe) {
      const params = (msg.messageStubParameters ?? []).map(String);
      const adLead = params.some((p) => /absent from node/i.test(p));
      const reason = adLead ? 'ad_lead_pending' : 'undecryptable';
      return {
        action: 'await_retry',
        externalId: id,
        reason,
        placeholder: {
          ...base(),
          text: placeholderText(options.locale, adLead ? 'adLead' : 'undecryptable'),
          metadata: { ...metadata, type: 'placeholder', pending: reason, stub: params.slice(0, 3) },
        },
      };
    }
    if (key.isViewOnce === true) {
      return {
        action: 'ingest',
        message: { ...base(), text: placeholderText(options.locale, 'viewOnce'), metadata: { ...metadata, type: 'view_once_unavailable' } },
      };
    }
    return { action: 'ignore', reason: msg.messageStubType != null ? `stub ${String(msg.messageStubType)}` : 'empty message' };
  }

  const { content, type, ephemeral, viewOnce } = unwrapMessage(message);
  if (!type) return { action: 'ignore', reason: 'no content (key distribution only)' };
  const inner = obj(content[type]) ?? {};
  const by = fromMe && options.meJid ? normalizeJid(options.meJid) : identity.from.address;

  // Updates to earlier messages: never a new message, never a reopen.
  if (type === 'reactionMessage') {
    const target = str(obj(inner.key)?.id);
    if (!target) return { action: 'ignore', reason: 'reaction without target' };
    const emoji = typeof inner.text === 'string' ? inner.text : '';
    const at = toNumber(inner.senderTimestampMs) ?? sentAt ?? 0;
    return { action: 'update', update: { externalId: target, reaction: { emoji, by, at } }, dedupeKey: `react:${target}:${by}:${emoji}` };
  }
  if (type === 'protocolMessage') {
    const target = str(obj(inner.key)?.id);
    if (enumIs(inner.type, 'REVOKE', 0) && target) {
      return { action: 'update', update: { externalId: target, revoked: { at: sentAt ?? 0 } }, dedupeKey: `revoke:${target}` };
    }
    if (enumIs(inner.type, 'MESSAGE_EDIT', 14) && target) {
      const text = messageText(obj(inner.editedMessage)) ?? '';
      const at = toNumber(inner.timestampMs) ?? sentAt ?? 0;
      return { action: 'update', update: { externalId: target, edit: { text, at } }, dedupeKey: `edit:${target}:${text}` };
    }
    return { action: 'ignore', reason: `protocol message ${String(inner.type)}` };
  }
  if (type === 'editedMessage') {
    // Older edit form: editedMessage.message.protocolMessage.
    return normalizeUpsertMessage({ ...msg, message: obj(obj(inner.message)) ?? {} }, options);
  }

  const contextInfo = obj(inner.contextInfo);
  if (ephemeral || toNumber(contextInfo?.expiration)) {
    const expiration = toNumber(contextInfo?.expiration);
    if (expiration) metadata.ephemeralExpiration = expiration;
    metadata.ephemeral = true;
  }
  if (viewOnce || inner.viewOnce === true) metadata.viewOnce = true;
  if (contextInfo?.isForwarded === true) metadata.forwarded = true;
  const attribution = adAttribution(contextInfo);
  if (attribution) metadata.attribution = attribution;

  const result: InboundMessageInput = base();
  const stanzaId = str(contextInfo?.stanzaId);
  if (stanzaId) {
    result.threadHints = { references: [stanzaId], signedTicketNumbers: [] };
    const quoted = messageText(obj(contextInfo?.quotedMessage));
    if (quoted) result.quotedText = quoted;
    const participant = str(contextInfo?.participant);
    metadata.quoted = {
      id: stanzaId,
      ...(participant ? { fromBusiness: options.meJid ? normalizeJid(participant) === normalizeJid(options.meJid) : undefined } : {}),
    };
  }
  if (attribution) result.ticketFields = { origin: String(attribution.source).slice(0, 100) };
  metadata.type = type.replace(/Message$/, '');

  switch (type) {
    case 'conversation':
      result.text = String(content.conversation ?? '');
      metadata.type = 'text';
      return { action: 'ingest', message: result };
    case 'extendedTextMessage': {
      result.text = str(inner.text) ?? '';
      metadata.type = 'text';
      const url = str(inner.matchedText);
      if (url) metadata.link = { url, ...(str(inner.title) ? { title: String(inner.title).slice(0, 300) } : {}) };
      return { action: 'ingest', message: result };
    }
    case 'imageMessage':
    case 'videoMessage':
    case 'ptvMessage':
    case 'audioMessage':
    case 'documentMessage':
    case 'stickerMessage': {
      result.text = str(inner.caption) ?? '';
      const media = mediaPlan(type, inner, id, Boolean(metadata.viewOnce));
      if (type === 'audioMessage' && inner.ptt === true) metadata.type = 'voice';
      if (type === 'documentMessage' && toNumber(inner.pageCount)) metadata.pages = toNumber(inner.pageCount);
      return { action: 'ingest', message: result, media };
    }
    case 'locationMessage':
    case 'liveLocationMessage': {
      const lat = toNumber(inner.degreesLatitude);
      const lng = toNumber(inner.degreesLongitude);
      const name = str(inner.name);
      const address = str(inner.address);
      const link = lat !== undefined && lng !== undefined ? `https://maps.google.com/?q=${lat},${lng}` : '';
      result.text = `📍 ${[name, link].filter(Boolean).join(' — ')}`;
      metadata.type = 'location';
      metadata.location = { lat, lng, ...(name ? { name } : {}), ...(address ? { address } : {}), live: type === 'liveLocationMessage' };
      return { action: 'ingest', message: result };
    }
    case 'contactMessage':
    case 'contactsArrayMessage': {
      const cards =
        type === 'contactMessage'
          ? [inner]
          : ((Array.isArray(inner.contacts) ? inner.contacts : []) as unknown[]).map((c) => obj(c) ?? {});
      const contacts = cards.map((c) => parseVCard(String(c.vcard ?? ''), str(c.displayName)));
      result.text = contacts.map(contactLine).join('\n');
      metadata.type = 'contacts';
      metadata.contacts = contacts.slice(0, 20);
      return { action: 'ingest', message: result };
    }
    case 'buttonsResponseMessage':
    case 'templateButtonReplyMessage':
    case 'listResponseMessage':
    case 'interactiveResponseMessage': {
      const body = obj(inner.body);
      result.text = str(inner.selectedDisplayText) ?? str(inner.title) ?? str(body?.text) ?? '';
      return { action: 'ingest', message: result };
    }
    default:
      result.text = placeholderText(options.locale, 'unsupported', { type: type.replace(/Message$/, '') });
      metadata.type = 'unsupported';
      metadata.unsupportedType = type;
      return { action: 'ingest', message: result, unsupported: true };
  }
}

// ---------------------------------------------------------------------------------------------
// messages.update, messages.reaction, message-receipt.update

export function normalizeMessageUpdate(item: WaMessageUpdate, now: number): UpdateDecision[] {
  const key = item.key ?? {};
  const id = str(key.id);
  const update = item.update ?? {};
  if (!id) return [{ action: 'ignore', reason: 'update without id' }];
  const out: UpdateDecision[] = [];
  const at = (() => {
    const ts = toNumber(update.messageTimestamp);
    return ts !== undefined ? Math.round(ts * 1000) : now;
  })();
  if (update.status != null && key.fromMe === true) {
    const status = deliveryFromStatus(update.status);
    if (status) {
      out.push({
        action: 'delivery',
        update: { externalId: id, status, at: now, ...(status === 'failed' ? { errorCode: 'whatsapp_error', errorMessage: 'WhatsApp reported an error status' } : {}) },
      });
    }
  }
  if (Object.prototype.hasOwnProperty.call(update, 'message') || update.messageStubType != null) {
    const message = obj(update.message);
    const edited = obj(obj(message?.editedMessage)?.message);
    if (edited) {
      const text = messageText(edited) ?? '';
      out.push({ action: 'update', update: { externalId: id, edit: { text, at } }, dedupeKey: `edit:${id}:${text}` });
    } else if (update.message === null && enumIs(update.messageStubType, 'REVOKE', 1)) {
      out.push({ action: 'update', update: { externalId: id, revoked: { at } }, dedupeKey: `revoke:${id}` });
    }
  }
  return out.length > 0 ? out : [{ action: 'ignore', reason: 'update without status, edit or revoke' }];
}

export function normalizeReaction(
  item: { key: WaKey; reaction: { key?: WaKey | null; text?: string | null; senderTimestampMs?: unknown } },
  lidToPn: ((lid: string) => string | undefined) | undefined,
  meJid: string | undefined,
  now: number,
): UpdateDecision {
  const target = str(item.key?.id);
  if (!target) return { action: 'ignore', reason: 'reaction without target' };
  const reactor = item.reaction?.key;
  const by =
    reactor?.fromMe === true && meJid
      ? normalizeJid(meJid)
      : reactor?.remoteJid
        ? senderIdentity(reactor, lidToPn).from.address
        : senderIdentity(item.key, lidToPn).from.address;
  const emoji = item.reaction?.text ?? '';
  return {
    action: 'update',
    update: { externalId: target, reaction: { emoji, by, at: toNumber(item.reaction?.senderTimestampMs) ?? now } },
    dedupeKey: `react:${target}:${by}:${emoji}`,
  };
}

export function normalizeReceipt(item: WaReceiptUpdate): UpdateDecision {
  const id = str(item.key?.id);
  if (!id || item.key?.fromMe !== true) return { action: 'ignore', reason: 'receipt for a message we did not send' };
  const r = item.receipt ?? {};
  const read = toNumber(r.readTimestamp) ?? toNumber(r.playedTimestamp);
  const delivered = toNumber(r.receiptTimestamp);
  if (read) return { action: 'delivery', update: { externalId: id, status: 'read', at: read * 1000 } };
  if (delivered) return { action: 'delivery', update: { externalId: id, status: 'delivered', at: delivered * 1000 } };
  return { action: 'ignore', reason: 'empty receipt' };
}
