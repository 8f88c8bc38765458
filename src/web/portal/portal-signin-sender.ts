/**
 * Delivers a sign-in link/code to a proven identity through a channel that can send to it (the
 * email channel's sender, or WhatsApp's), directly: it is about no ticket, so it is not a ticket
 * message in the outbox. The message carries an unsigned Message-ID (not a ticket's token), so an
 * answer to it proves nothing about any ticket. Failures are logged without the code or link.
 */
import { randomBytes } from 'node:crypto';
import type { OutboundMessage } from '../../channel/contract.js';
import { newId } from '../../domain/ids.js';
import type { IdentityKind } from '../../domain/model.js';
import type { PortalRuntime } from './portal-deps.js';
import type { PortalTranslate } from './portal-messages.js';

export interface SignInDelivery {
  channelId: string;
  recipient: { kind: IdentityKind; address: string };
}

/** Where a sign-in for this contact identity can go, or undefined (nothing is sent). */
export function deliveryFor(rt: PortalRuntime, identity: { kind: string; address: string }): SignInDelivery | undefined {
  const want: IdentityKind = identity.kind === 'email' ? 'email' : identity.kind === 'whatsapp' ? 'whatsapp' : 'phone';
  const preferred = want === 'email' ? rt.portal.emailChannel : rt.portal.whatsappChannel;
  const entries = rt.deps.channels
    .list()
    .filter((e) => e.capabilities.canSend && e.capabilities.deliversTo.includes(want) && (!preferred || e.id === preferred));
  for (const e of entries) {
    const running = rt.deps.running().find((c) => c.entry.id === e.id);
    if (running?.runtime.sender) return { channelId: e.id, recipient: { kind: want, address: identity.address } };
  }
  return undefined;
}

export async function sendSignIn(
  rt: PortalRuntime,
  d: SignInDelivery,
  tp: PortalTranslate,
  locale: string,
  secret: { code: string; link: string | undefined },
): Promise<void> {
  const sender = rt.deps.running().find((c) => c.entry.id === d.channelId)?.runtime.sender;
  if (!sender) return;
  const minutes = rt.portal.signInMinutes;
  const vars = { name: rt.site.name, code: secret.code, link: secret.link ?? '', minutes };
  const text = d.recipient.kind === 'email' ? tp(secret.link ? 'email_body' : 'email_body_nolink', vars) : tp('whatsapp_body', vars).trim();
  const now = rt.now();
  const message: OutboundMessage = {
    outboxId: newId(now),
    messageId: newId(now),
    channelId: d.channelId,
    externalId: `portal-sign-in.${randomBytes(12).toString('hex')}@ponte.invalid`,
    ticket: { id: '', number: 0, subject: tp('email_subject', { name: rt.site.name }), subjectToken: '', locale },
    recipient: d.recipient,
    text,
    attachments: [],
    threading: { references: [] },
    automatic: true,
    purpose: 'system',
  };
  try {
    await sender.send(message);
  } catch (err) {
    rt.deps.logger.warn({ channel: d.channelId, code: (err as { code?: string }).code }, 'portal sign-in message not sent');
  }
}
