/**
 * Sends agent replies through the connected Baileys socket.
 *
 * - The WhatsApp message id is ours and deterministic per outbox row ('3EB0' + 18 hex of a hash
 *   of the outbox id, Baileys' own id layout), recorded before the first attempt; a retry sends
 *   the same id, so the echo and the receipts find the same stored message.
 * - Recipient: a `whatsapp`/`whatsapp_lid` address is the JID that wrote to us and is used as is.
 *   A typed `phone` is resolved once through onWhatsApp (WhatsApp knows whether a Brazilian
 *   account has the ninth digit; we never add or remove it by guesswork) and cached.
 */
import { createHash } from 'node:crypto';
import type { ChannelContext, ChannelSender, OutboundMessage, SendReceipt } from '../../src/channel/contract.js';
import { digits, jidKind, normalizeJid, toE164 } from '../whatsapp-shared/phone.js';
import { classifyWhatsappSendError, sendErrors } from './send-errors.js';
import type { WaOutgoingContent, WaSocketPort } from './socket-port.js';

const JID_CACHE_PREFIX = 'jid:';

/** Baileys-style id (`3EB0` + 18 upper-case hex), stable for a given outbox row and part. */
export function outboundMessageId(outboxId: string, part = 0): string {
  const hash = createHash('sha256')
    .update(part === 0 ? outboxId : `${outboxId}:${part}`)
    .digest('hex');
  return `3EB0${hash.slice(0, 18).toUpperCase()}`;
}

export interface OutgoingPart {
  messageId: string;
  content: WaOutgoingContent;
}

type Loaded = { blob: Buffer; filename: string; contentType: string };

/**
 * Text and attachments -> WhatsApp messages. One attachment that can carry a caption takes the
 * text with it (one message, the row's id); otherwise the text goes first and each attachment
 * follows with its own derived id.
 */
export function buildParts(message: OutboundMessage, externalId: string, files: Loaded[]): OutgoingPart[] {
  const text = message.text.trim();
  const contentOf = (f: Loaded, caption?: string): WaOutgoingContent => {
    const type = f.contentType.split(';')[0]!.trim().toLowerCase();
    const withCaption = caption ? { caption } : {};
    if (type.startsWith('image/') && type !== 'image/webp') return { image: f.blob, mimetype: f.contentType, ...withCaption };
    if (type.startsWith('video/')) return { video: f.blob, mimetype: f.contentType, ...withCaption };
    if (type.startsWith('audio/')) return { audio: f.blob, mimetype: f.contentType, ptt: type === 'audio/ogg' };
    return { document: f.blob, mimetype: f.contentType, fileName: f.filename, ...withCaption };
  };
  if (files.length === 0) {
    if (!text) throw sendErrors.emptyMessage();
    return [{ messageId: externalId, content: { text } }];
  }
  const first = files[0]!;
  const captionable = !first.contentType.toLowerCase().startsWith('audio/');
  const parts: OutgoingPart[] = [];
  if (files.length === 1 && captionable) return [{ messageId: externalId, content: contentOf(first, text || undefined) }];
  if (text) parts.push({ messageId: externalId, content: { text } });
  files.forEach((f, i) => {
    const id = parts.length === 0 && i === 0 ? externalId : outboundMessageId(message.outboxId, i + 1);
    parts.push({ messageId: id, content: contentOf(f) });
  });
  return parts;
}

export interface WhatsappSenderDeps {
  ctx: ChannelContext;
  /** The open socket, or undefined while disconnected. */
  socket(): WaSocketPort | undefined;
}

export function createWhatsappSender({ ctx, socket }: WhatsappSenderDeps): ChannelSender {
  const resolveRecipient = async (port: WaSocketPort, message: OutboundMessage): Promise<string> => {
    const { kind, address } = message.recipient;
    if (kind === 'whatsapp' || kind === 'whatsapp_lid') {
      const jid = normalizeJid(address);
      const ok = kind === 'whatsapp' ? jidKind(jid) === 'user' : jidKind(jid) === 'lid';
      if (!ok) throw sendErrors.badRecipient(`not a ${kind} address: ${address}`);
      return jid;
    }
    if (kind === 'phone') {
      const e164 = toE164(address);
      if (!e164) throw sendErrors.badRecipient(`not a phone number: ${address}`);
      const cached = await ctx.state.get<string>(JID_CACHE_PREFIX + e164);
      if (cached) return cached;
      const found = await port.onWhatsApp(digits(e164));
      if (!found?.exists) throw sendErrors.notOnWhatsapp(e164);
      const jid = normalizeJid(found.jid);
      await ctx.state.set(JID_CACHE_PREFIX + e164, jid);
      return jid;
    }
    throw sendErrors.badRecipient(`WhatsApp cannot deliver to a ${kind} address`);
  };

  return {
    assignExternalId: (message) => outboundMessageId(message.outboxId),
    async send(message): Promise<SendReceipt> {
      const port = socket();
      if (!port) throw sendErrors.notConnected();
      const externalId = message.externalId ?? outboundMessageId(message.outboxId);
      try {
        const jid = await resolveRecipient(port, message);
        const files = await Promise.all(
          message.attachments.map(async (a) => ({
            blob: await ctx.blobs.read(a.blobKey),
            filename: a.filename,
            contentType: a.contentType,
          })),
        );
        const parts = buildParts(message, externalId, files);
        for (const part of parts) await port.sendMessage(jid, part.content, { messageId: part.messageId });
        // The JID WhatsApp delivered to (onWhatsApp's answer for a typed phone) joins the requester.
        const delivered = jidKind(jid);
        if (delivered !== 'user' && delivered !== 'lid') return { externalId };
        return { externalId, resolvedIdentity: { kind: delivered === 'lid' ? 'whatsapp_lid' : 'whatsapp', address: jid } };
      } catch (err) {
        throw classifyWhatsappSendError(err);
      }
    },
  };
}
