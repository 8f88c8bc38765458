/**
 * What one outbound message becomes on the Cloud API, decided before any I/O. Pure.
 *
 * - Recipient: the address the core chose, as is. For WhatsApp that is the wa_id that wrote;
 *   the Brazilian ninth digit is never added or removed here (Meta answers with the canonical
 *   wa_id, which the sender reports back as the resolved recipient). A customer who moved to a
 *   new number (system webhook) is followed to it.
 * - The 24-hour customer-service window: free text (and media) only within `windowHours` of the
 *   customer's last message; outside it, only a template. An automatic message (acknowledgement,
 *   status notice, reminder …) goes out as the template configured for its kind; anything else
 *   is a non-retryable ChannelError `whatsapp_window_closed` whose message says a template is needed.
 * - Long text is split at WhatsApp's 4096-character limit; attachments go one message each.
 */
import type { OutboundMessage } from '../../src/domain/outbound.js';
import { ChannelError } from '../../src/domain/errors.js';
import { digits } from '../whatsapp-shared/phone.js';
import { templateFor, type AutomaticTemplates } from './automatic-templates.js';

export const TEXT_LIMIT = 4096;
const MB = 1024 * 1024;

export type Target = { to: string; waId: string } | { recipient: string; bsuid: string };

export type SendStep =
  | { kind: 'payload'; payload: Record<string, unknown> }
  | {
      kind: 'media';
      mediaType: 'image' | 'video' | 'audio' | 'document';
      attachment: OutboundMessage['attachments'][number];
      context?: { message_id: string };
    };

export interface SendPlan {
  target: Target;
  steps: SendStep[];
}

export interface PlanInput {
  message: OutboundMessage;
  now: number;
  windowHours: number;
  /** Latest customer message on this channel (core's `recipientLastInboundAt` and our own record, whichever is newer). */
  lastInboundAt?: number | undefined;
  /** The customer's new wa_id when they changed number. */
  movedTo?: string | undefined;
  /** Approved templates per automatic-message kind, used outside the window. */
  templates?: AutomaticTemplates | undefined;
}

export function resolveTarget(recipient: OutboundMessage['recipient'], movedTo?: string): Target {
  if (recipient.kind === 'whatsapp' || recipient.kind === 'phone') {
    const user = recipient.kind === 'whatsapp' ? recipient.address.split('@')[0]!.split(':')[0]! : recipient.address;
    const waId = digits(user);
    if (!/^\d{6,20}$/.test(waId) || (recipient.kind === 'whatsapp' && !/@(s\.whatsapp\.net|c\.us)$/.test(recipient.address))) {
      throw new ChannelError(
        'whatsapp_recipient_invalid',
        `cannot send to "${recipient.address.slice(0, 80)}": not a WhatsApp phone number`,
        false,
      );
    }
    const finalId = movedTo && /^\d{6,20}$/.test(movedTo) ? movedTo : waId;
    return { to: finalId, waId: finalId };
  }
  if (recipient.kind === 'whatsapp_bsuid') {
    return { recipient: recipient.address, bsuid: recipient.address };
  }
  throw new ChannelError('whatsapp_recipient_unsupported', `the WhatsApp Cloud API cannot deliver to a ${recipient.kind} address`, false);
}

/** Open when the customer wrote within the last `windowHours`. */
export function windowOpen(lastInboundAt: number | undefined, now: number, windowHours: number): boolean {
  return lastInboundAt !== undefined && now - lastInboundAt <= windowHours * 3600_000;
}

export function windowClosedError(lastInboundAt: number | undefined, now: number, windowHours: number): ChannelError {
  const since =
    lastInboundAt === undefined
      ? 'the customer has never written to this WhatsApp number'
      : `the customer last wrote ${Math.floor((now - lastInboundAt) / 3600_000)} h ago (${new Date(lastInboundAt).toISOString()})`;
  return new ChannelError(
    'whatsapp_window_closed',
    `WhatsApp only allows free-text replies within ${windowHours} hours of the customer's last message and ${since}: send an approved template instead (the customer's answer reopens the window)`,
    false,
  );
}

/** Splits text at the last newline or space before the limit (never inside a surrogate pair). */
export function splitText(text: string, limit = TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(' ', limit);
    if (cut < limit / 2) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.trim().length > 0) parts.push(rest);
  return parts.filter((p) => p.length > 0);
}

const MEDIA_RULES: Array<{ type: 'image' | 'video' | 'audio'; mimes: RegExp; max: number }> = [
  { type: 'image', mimes: /^image\/(jpeg|png)$/i, max: 5 * MB },
  { type: 'video', mimes: /^video\/(mp4|3gpp)$/i, max: 16 * MB },
  { type: 'audio', mimes: /^audio\/(aac|amr|mpeg|mp4|ogg)$/i, max: 16 * MB },
];
const DOCUMENT_MAX = 100 * MB;

export function mediaTypeFor(contentType: string, size: number): 'image' | 'video' | 'audio' | 'document' {
  const base = contentType.split(';')[0]!.trim();
  const rule = MEDIA_RULES.find((r) => r.mimes.test(base));
  if (rule && size <= rule.max) return rule.type;
  if (size > DOCUMENT_MAX) {
    throw new ChannelError(
      'whatsapp_media_too_large',
      `attachment is ${size} bytes; WhatsApp accepts documents up to ${DOCUMENT_MAX} bytes`,
      false,
    );
  }
  return 'document';
}

export function planSend(input: PlanInput): SendPlan {
  const { message } = input;
  const target = resolveTarget(message.recipient, input.movedTo);
  const quote = message.threading.inReplyTo?.startsWith('wamid.') ? { message_id: message.threading.inReplyTo } : undefined;
  const address = 'to' in target ? { to: target.to } : { recipient: target.recipient };

  const open = windowOpen(input.lastInboundAt, input.now, input.windowHours);
  const automaticTemplate = open ? undefined : templateFor(message, input.templates);
  if (message.template || automaticTemplate) {
    const t = (message.template ?? automaticTemplate)!;
    const template: Record<string, unknown> = { name: t.name, language: { code: t.language.replace('-', '_') } };
    if (t.params.length > 0) {
      template.components = [{ type: 'body', parameters: t.params.map((text) => ({ type: 'text', text })) }];
    }
    return { target, steps: [{ kind: 'payload', payload: { ...address, type: 'template', template } }] };
  }

  if (!open) {
    const err = windowClosedError(input.lastInboundAt, input.now, input.windowHours);
    if (!message.automatic) throw err;
    throw new ChannelError(
      'whatsapp_window_closed',
      `${err.message}. No template is configured for automatic "${message.purpose}" messages (channel setting templates.${message.purpose})`,
      false,
    );
  }

  const steps: SendStep[] = [];
  splitText(message.text).forEach((body, i) => {
    steps.push({
      kind: 'payload',
      payload: { ...address, ...(i === 0 && quote ? { context: quote } : {}), type: 'text', text: { preview_url: false, body } },
    });
  });
  for (const attachment of message.attachments) {
    const mediaType = mediaTypeFor(attachment.contentType, attachment.size);
    steps.push({ kind: 'media', mediaType, attachment, ...(steps.length === 0 && quote ? { context: quote } : {}) });
  }
  if (steps.length === 0) {
    throw new ChannelError('whatsapp_empty_message', 'nothing to send: the reply has no text, attachment or template', false);
  }
  return { target, steps };
}
