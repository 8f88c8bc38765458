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
 * - Identity (cloud-identity.ts): the phone `wa_id` as a JID, the BSUID only when Meta hides
 *   the phone; no number is ever invented. Content per type: cloud-content.ts; statuses:
 *   cloud-status.ts.
 * - Meta's pricing/conversation blocks and BSUID fields are optional everywhere.
 */
import type { DeliveryUpdate, InboundEnvelopeInput, MessageUpdate } from '../../src/channel/contract.js';
import type { InboundMessageInput } from '../../src/domain/envelope.js';
import { whatsappTexts } from '../whatsapp-shared/placeholder-texts.js';
import { toE164 } from '../whatsapp-shared/phone.js';
import { messageContent } from './cloud-content.js';
import { identifySender, WA_ID_RE } from './cloud-identity.js';
import { normalizeStatus } from './cloud-status.js';
import { arr, clip, isObj, str, toMs, type Json } from './cloud-values.js';
import { describeCloudErrorCode } from './graph-errors.js';

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
      message: `WhatsApp Cloud API reported error ${code ?? '?'}: ${[
        str(e.title) ?? str(e.message),
        details,
        code ? describeCloudErrorCode(code) : undefined,
      ]
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

function normalizeMessage(message: Json, contacts: Json[], displayPhone: string | undefined, options: NormalizeOptions): CloudAction {
  const id = str(message.id);
  if (!id) return { type: 'alert', level: 'warn', message: 'message without an id' };
  const type = str(message.type) ?? 'unknown';
  const at = toMs(message.timestamp, options.now);
  const texts = whatsappTexts(options.locale);

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

  const who = identifySender(message, contacts);
  if (!who) {
    return {
      type: 'alert',
      level: 'error',
      message: `message ${id.slice(0, 120)} has neither a wa_id nor a user id: cannot tell who wrote it`,
    };
  }
  const identityRefs = { ...(who.waId ? { waId: who.waId } : {}), ...(who.bsuid ? { bsuid: who.bsuid } : {}) };

  if (type === 'reaction') {
    const reaction = isObj(message.reaction) ? message.reaction : {};
    const target = str(reaction.message_id);
    if (!target) return { type: 'alert', level: 'warn', message: `reaction ${id.slice(0, 120)} without a target message id` };
    return {
      type: 'reaction',
      update: {
        externalId: target,
        reaction: { emoji: typeof reaction.emoji === 'string' ? reaction.emoji : '', by: who.from.address, at },
      },
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
    metadata.attribution = {
      source: str(r.source_type) === 'ad' ? 'ctwa_ad' : `ctwa_${str(r.source_type) ?? 'unknown'}`,
      adId: str(r.source_id),
    };
  }
  const msgErrors = arr(message.errors).filter(isObj);
  if (msgErrors.length > 0) {
    metadata.errors = msgErrors
      .slice(0, 5)
      .map((e) => ({ code: e.code, title: str(e.title), details: isObj(e.error_data) ? str(e.error_data.details) : undefined }));
  }

  const { text, media, ignore } = messageContent(type, message, texts, metadata);

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
