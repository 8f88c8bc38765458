/**
 * WhatsApp Cloud API webhook body -> the list of things to do, in order. Pure.
 *
 * Contract:
 * - Every entry, every change, every message and every status becomes exactly one action; a
 *   malformed item becomes an `alert` and never hides the items next to it (handlers that only
 *   read entry[0].changes[0].messages[0] lose messages).
 * - Messages become `ingest` actions (media as a reference the runtime downloads), reactions
 *   `reaction` (an update of the target message, never a new ticket), statuses `delivery`,
 *   "user changed number" `number-changed`, value-level errors `alert`.
 * - Identity: a phone `wa_id` is `{kind:'whatsapp', address:'<wa_id>@s.whatsapp.net'}` with the
 *   E.164 phone (and the BSUID when Meta sends one) as aliases, and the Brazilian
 *   with/without-9 forms as lookups only. A user known only by BSUID (username, phone hidden)
 *   is `{kind:'whatsapp_bsuid'}`; no number is ever invented.
 * - Meta's pricing/conversation blocks and BSUID fields are optional everywhere.
 */
import type { DeliveryUpdate, InboundEnvelopeInput, MessageUpdate } from '../../src/channel/contract.js';
import type { DeliveryStatus } from '../../src/domain/model.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import { brazilAlternate, toE164 } from '../whatsapp-shared/phone.js';
import { describeCloudErrorCode } from './graph-errors.js';
import { textsFor } from './texts.js';

type Json = Record<string, unknown>;
type Address = { kind: 'whatsapp' | 'phone' | 'whatsapp_bsuid'; address: string; displayName?: string };

export interface MediaRef {
  mediaId: string;
  mimeType: string;
  filename: string;
  /** Base64 sha256 Meta reports for the file (integrity hint). */
  sha256?: string;
  variant?: 'voice' | 'sticker' | 'animated_sticker';
}

export type CloudAction =
  | {
      type: 'ingest';
      envelope: InboundEnvelopeInput;
      /** Media to download and attach before ingesting. */
      media?: MediaRef;
      /** The phone wa_id that wrote (opens the service window); absent for BSUID-only users. */
      waId?: string;
      bsuid?: string;
      at: number;
    }
  | { type: 'reaction'; update: MessageUpdate; waId?: string; bsuid?: string; at: number }
  | { type: 'delivery'; update: DeliveryUpdate; recipientId?: string }
  | { type: 'number-changed'; oldWaId: string; newWaId: string; at: number; messageId: string; displayName?: string }
  | { type: 'alert'; level: 'warn' | 'error'; message: string; code?: number; detail?: Json }
  | { type: 'skip'; reason: string; externalId?: string };

export interface NormalizeOptions {
  /** This channel's phone_number_id: changes for other numbers of the same app are skipped. */
  phoneNumberId: string;
  locale?: string | undefined;
  /** Blob key of the raw webhook body, recorded on every envelope. */
  rawKey?: string | undefined;
  /** Fallback time (ms) when Meta's timestamp is missing. */
  now: number;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const clip = (v: string | undefined, n: number): string | undefined => (v === undefined ? undefined : v.slice(0, n));

/** Meta's timestamps are epoch seconds as strings. */
function toMs(ts: unknown, fallback: number): number {
  const n = typeof ts === 'string' ? Number(ts) : typeof ts === 'number' ? ts : NaN;
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : fallback;
}

const WA_ID_RE = /^\d{6,20}$/;
const BSUID_RE = /^[A-Z]{2}\.[A-Za-z0-9.]{1,200}$/;

export function waIdToJid(waId: string): string {
  return `${waId}@s.whatsapp.net`;
}

export function normalizeWebhook(body: unknown, options: NormalizeOptions): CloudAction[] {
  const actions: CloudAction[] = [];
  if (!isObj(body)) return [{ type: 'alert', level: 'error', message: 'webhook body is not a JSON object' }];
  if (body.object !== 'whatsapp_business_account') {
    return [{ type: 'skip', reason: `webhook object "${String(body.object).slice(0, 60)}" is not whatsapp_business_account` }];
  }
  for (const entry of arr(body.entry)) {
    if (!isObj(entry)) {
      actions.push({ type: 'alert', level: 'warn', message: 'webhook entry is not an object' });
      continue;
    }
    for (const change of arr(entry.changes)) {
      if (!isObj(change) || !isObj(change.value)) {
        actions.push({ type: 'alert', level: 'warn', message: 'webhook change without a value object' });
        continue;
      }
      const field = str(change.field) ?? '';
      if (field !== 'messages') {
        actions.push({ type: 'skip', reason: `webhook field "${field.slice(0, 60)}" is not handled` });
        continue;
      }
      normalizeValue(change.value, options, actions);
    }
  }
  return actions;
}

function normalizeValue(value: Json, options: NormalizeOptions, actions: CloudAction[]): void {
  const meta = isObj(value.metadata) ? value.metadata : {};
  const phoneNumberId = str(meta.phone_number_id);
  if (phoneNumberId && phoneNumberId !== options.phoneNumberId) {
    actions.push({
      type: 'skip',
      reason: `change for phone_number_id ${phoneNumberId.slice(0, 30)}, this channel is ${options.phoneNumberId}`,
    });
    return;
  }
  const displayPhone = str(meta.display_phone_number);
  const contacts = arr(value.contacts).filter(isObj);

  for (const error of arr(value.errors)) {
    const e = isObj(error) ? error : {};
    const code = typeof e.code === 'number' ? e.code : undefined;
    const details = isObj(e.error_data) ? str(e.error_data.details) : undefined;
    actions.push({
      type: 'alert',
      level: 'error',
      message: `WhatsApp Cloud API reported error ${code ?? '?'}: ${[str(e.title) ?? str(e.message), details, code ? describeCloudErrorCode(code) : undefined]
        .filter(Boolean)
        .join(' — ')}`,
      ...(code !== undefined ? { code } : {}),
      detail: { title: str(e.title), details, href: str(e.href) },
    });
  }

  for (const message of arr(value.messages)) {
    if (!isObj(message)) {
      actions.push({ type: 'alert', level: 'warn', message: 'webhook message is not an object' });
      continue;
    }
    try {
      actions.push(normalizeMessage(message, contacts, displayPhone, options));
    } catch (err) {
      actions.push({
        type: 'alert',
        level: 'error',
        message: `could not normalize message ${String(message.id).slice(0, 120)}: ${(err as Error).message}`,
      });
    }
  }

  for (const status of arr(value.statuses)) {
    if (!isObj(status)) {
      actions.push({ type: 'alert', level: 'warn', message: 'webhook status is not an object' });
      continue;
    }
    actions.push(normalizeStatus(status, options));
  }
}

const DELIVERY: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

function normalizeStatus(status: Json, options: NormalizeOptions): CloudAction {
  const id = str(status.id);
  const s = str(status.status) ?? '';
  const mapped = DELIVERY[s];
  if (!id) return { type: 'alert', level: 'warn', message: 'status without a message id' };
  if (!mapped) return { type: 'skip', reason: `status "${s.slice(0, 30)}" is not tracked`, externalId: id };
  const update: DeliveryUpdate = { externalId: id, status: mapped, at: toMs(status.timestamp, options.now) };
  if (mapped === 'failed') {
    const e = arr(status.errors).find(isObj);
    const code = e && (typeof e.code === 'number' || typeof e.code === 'string') ? String(e.code) : undefined;
    update.errorCode = code ? `whatsapp_${code}` : 'whatsapp_failed';
    const details = e && isObj(e.error_data) ? str(e.error_data.details) : undefined;
    const hint = code && /^\d+$/.test(code) ? describeCloudErrorCode(Number(code)) : undefined;
    update.errorMessage = [e ? (str(e.title) ?? str(e.message)) : undefined, details, hint]
      .filter(Boolean)
      .join(' — ')
      .slice(0, 1000) || 'failed';
  }
  const recipientId = str(status.recipient_id);
  return { type: 'delivery', update, ...(recipientId ? { recipientId } : {}) };
}

interface Identity {
  from: Address;
  fromAliases: Address[];
  lookupAlso: Address[];
  waId?: string;
  bsuid?: string;
  username?: string;
  profileName?: string;
}

function identify(message: Json, contacts: Json[]): Identity | undefined {
  const rawFrom = str(message.from);
  let waId = rawFrom && WA_ID_RE.test(rawFrom) ? rawFrom : undefined;
  let bsuid = str(message.from_user_id) ?? (rawFrom && BSUID_RE.test(rawFrom) ? rawFrom : undefined);
  const contact =
    contacts.find((c) => waId !== undefined && c.wa_id === waId) ??
    contacts.find((c) => bsuid !== undefined && c.user_id === bsuid) ??
    (contacts.length === 1 ? contacts[0] : undefined);
  if (contact) {
    if (!waId && !rawFrom && typeof contact.wa_id === 'string' && WA_ID_RE.test(contact.wa_id)) waId = contact.wa_id;
    if (!bsuid && typeof contact.user_id === 'string' && BSUID_RE.test(contact.user_id)) bsuid = contact.user_id;
  }
  const profile = contact && isObj(contact.profile) ? contact.profile : {};
  const profileName = clip(str(profile.name), 200);
  const username = clip(str(profile.username), 100);
  const displayName = profileName ?? username;
  const named = <T extends Address>(a: T): T => (displayName ? { ...a, displayName } : a);

  if (waId) {
    const e164 = toE164(waId);
    const fromAliases: Address[] = [];
    if (e164) fromAliases.push(named({ kind: 'phone', address: e164 }));
    if (bsuid) fromAliases.push({ kind: 'whatsapp_bsuid', address: bsuid });
    const lookupAlso: Address[] = [];
    const alt = e164 ? brazilAlternate(e164) : undefined;
    if (alt) {
      lookupAlso.push({ kind: 'phone', address: alt }, { kind: 'whatsapp', address: waIdToJid(alt.slice(1)) });
    }
    return {
      from: named({ kind: 'whatsapp', address: waIdToJid(waId) }),
      fromAliases,
      lookupAlso,
      waId,
      ...(bsuid ? { bsuid } : {}),
      ...(username ? { username } : {}),
      ...(profileName ? { profileName } : {}),
    };
  }
  if (bsuid) {
    return {
      from: named({ kind: 'whatsapp_bsuid', address: bsuid }),
      fromAliases: [],
      lookupAlso: [],
      bsuid,
      ...(username ? { username } : {}),
      ...(profileName ? { profileName } : {}),
    };
  }
  return undefined;
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

function normalizeMessage(message: Json, contacts: Json[], displayPhone: string | undefined, options: NormalizeOptions): CloudAction {
  const id = str(message.id);
  if (!id) return { type: 'alert', level: 'warn', message: 'message without an id' };
  const type = str(message.type) ?? 'unknown';
  const at = toMs(message.timestamp, options.now);
  const texts = textsFor(options.locale);

  if (type === 'system') {
    const system = isObj(message.system) ? message.system : {};
    const oldWaId = str(message.from);
    const newWaId = str(system.new_wa_id) ?? str(system.wa_id);
    if ((str(system.type) === 'user_changed_number' || newWaId) && oldWaId && newWaId && WA_ID_RE.test(oldWaId) && WA_ID_RE.test(newWaId)) {
      const contact = contacts.find((c) => c.wa_id === oldWaId);
      const name = contact && isObj(contact.profile) ? clip(str(contact.profile.name), 200) : undefined;
      return { type: 'number-changed', oldWaId, newWaId, at, messageId: id, ...(name ? { displayName: name } : {}) };
    }
    return { type: 'skip', reason: `system message "${(str(system.type) ?? '?').slice(0, 40)}" needs no action`, externalId: id };
  }

  const who = identify(message, contacts);
  if (!who) {
    return { type: 'alert', level: 'error', message: `message ${id.slice(0, 120)} has neither a wa_id nor a user id: cannot tell who wrote it` };
  }
  const identityRefs = { ...(who.waId ? { waId: who.waId } : {}), ...(who.bsuid ? { bsuid: who.bsuid } : {}) };

  if (type === 'reaction') {
    const reaction = isObj(message.reaction) ? message.reaction : {};
    const target = str(reaction.message_id);
    if (!target) return { type: 'alert', level: 'warn', message: `reaction ${id.slice(0, 120)} without a target message id` };
    return {
      type: 'reaction',
      update: { externalId: target, reaction: { emoji: typeof reaction.emoji === 'string' ? reaction.emoji : '', by: who.from.address, at } },
      ...identityRefs,
      at,
    };
  }

  const metadata: Json = { waType: type };
  if (who.waId) metadata.waId = who.waId;
  if (who.bsuid) metadata.bsuid = who.bsuid;
  if (who.username) metadata.username = who.username;
  if (who.profileName) metadata.profileName = who.profileName;
  if (displayPhone) metadata.businessPhone = displayPhone;

  const references: string[] = [];
  if (isObj(message.context)) {
    const ctx = message.context;
    const quoted = str(ctx.id);
    if (quoted) references.push(quoted);
    const context: Json = {};
    if (quoted) context.id = quoted;
    if (str(ctx.from)) context.from = ctx.from;
    if (ctx.forwarded === true) context.forwarded = true;
    if (ctx.frequently_forwarded === true) context.frequentlyForwarded = true;
    if (isObj(ctx.referred_product)) context.referredProduct = ctx.referred_product;
    metadata.context = context;
  }
  if (isObj(message.referral)) {
    const r = message.referral;
    metadata.referral = {
      sourceType: str(r.source_type),
      sourceId: str(r.source_id),
      sourceUrl: str(r.source_url),
      headline: clip(str(r.headline), 500),
      body: clip(str(r.body), 2000),
      mediaType: str(r.media_type),
      imageUrl: str(r.image_url),
      videoUrl: str(r.video_url),
      thumbnailUrl: str(r.thumbnail_url),
      ctwaClid: str(r.ctwa_clid),
    };
    metadata.attribution = { source: str(r.source_type) === 'ad' ? 'ctwa_ad' : `ctwa_${str(r.source_type) ?? 'unknown'}`, adId: str(r.source_id) };
  }
  const msgErrors = arr(message.errors).filter(isObj);
  if (msgErrors.length > 0) {
    metadata.errors = msgErrors.slice(0, 5).map((e) => ({ code: e.code, title: str(e.title), details: isObj(e.error_data) ? str(e.error_data.details) : undefined }));
  }

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
      text = [text, texts.mediaUnavailable('no media id')].filter(Boolean).join('\n');
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
      text = texts.unknownType(`interactive/${kind}`);
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
      ...items.slice(0, 50).map((it) => `   ${String(it.quantity ?? 1)} × ${String(it.product_retailer_id ?? '?')} (${String(it.item_price ?? '?')} ${String(it.currency ?? '')})`.trimEnd()),
    ].join('\n');
    metadata.order = { catalogId: str(o.catalog_id), items: items.slice(0, 50) };
  } else if (type === 'request_welcome') {
    ignore = { reason: 'request_welcome: the customer opened the chat without writing' };
  } else if (type === 'unsupported') {
    text = texts.unsupported;
    metadata.raw = message;
  } else {
    text = texts.unknownType(type.slice(0, 40));
    metadata.raw = message;
  }

  const envelopeMessage: InboundMessageInput = {
    externalId: id,
    sentAt: at,
    from: who.from,
    fromAliases: who.fromAliases,
    lookupAlso: who.lookupAlso,
    // Meta's signed webhook carries the sender WhatsApp verified (ARCHITECTURE rule 0).
    proof: { level: 'channel' },
    to: displayPhone && toE164(displayPhone) ? [{ kind: 'phone', address: toE164(displayPhone)! }] : [],
    text,
    threadHints: { references, signedTicketNumbers: [] },
    metadata,
  };
  const envelope: InboundEnvelopeInput = {
    message: envelopeMessage,
    ...(options.rawKey ? { rawKey: options.rawKey } : {}),
    ...(ignore ? { ignore } : {}),
  };
  return { type: 'ingest', envelope, ...(media ? { media } : {}), ...identityRefs, at };
}
