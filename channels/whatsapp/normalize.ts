/**
 * A Baileys `messages.upsert` message -> what the core should do, as a pure decision. No I/O:
 * media is described (MediaPlan) and downloaded by the source; the LID<->phone table and "is
 * this one of our sends" are looked up by the caller and passed in. The pieces: scalars
 * (normalize-values.ts), who wrote (normalize-identity.ts), what it says (normalize-content.ts),
 * updates of earlier messages (normalize-updates.ts), the texts agents see
 * (../whatsapp-shared/placeholder-texts.ts).
 */
import type { MessageUpdate } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import { whatsappTexts, type WhatsappLocale } from '../whatsapp-shared/placeholder-texts.js';
import { jidKind, normalizeJid } from '../whatsapp-shared/phone.js';
import { adAttribution, contactLine, mediaPlan, messageText, parseVCard, unwrapMessage, type MediaPlan } from './normalize-content.js';
import { senderIdentity } from './normalize-identity.js';
import { enumIs, obj, str, toNumber } from './normalize-values.js';
import type { WaMessage } from './socket-port.js';

export interface NormalizeOptions {
  ignoreGroups: boolean;
  locale: WhatsappLocale;
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
  const texts = whatsappTexts(options.locale);
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
          text: adLead ? texts.adLead : texts.undecryptable,
          metadata: { ...metadata, type: 'placeholder', pending: reason, stub: params.slice(0, 3) },
        },
      };
    }
    if (key.isViewOnce === true) {
      return {
        action: 'ingest',
        message: { ...base(), text: texts.viewOnce, metadata: { ...metadata, type: 'view_once_unavailable' } },
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
        type === 'contactMessage' ? [inner] : ((Array.isArray(inner.contacts) ? inner.contacts : []) as unknown[]).map((c) => obj(c) ?? {});
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
      result.text = texts.unsupportedType(type.replace(/Message$/, ''));
      metadata.type = 'unsupported';
      metadata.unsupportedType = type;
      return { action: 'ingest', message: result, unsupported: true };
  }
}
