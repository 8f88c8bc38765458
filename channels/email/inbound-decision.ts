/**
 * What the IMAP source does with a parsed mail besides ingesting it. Pure.
 *
 * - Loops: mail from our own support address, carrying our own Message-ID, or with an
 *   X-Loop naming us is stored but `ignore`d (never answered, never a new ticket).
 * - Bounces: a delivery report about one of our messages fails that message's delivery
 *   (the first failed recipient names the status). A delay warning (Action: delayed) is
 *   loop-safe like a bounce but has not failed the message.
 * - Auto-replies and other classifications travel on the message (`classification`); the core
 *   decides what they may trigger.
 */
import type { ParsedEmailLike } from './imap-source.js';

export interface DeliveryFailure {
  /** Our outbound message's external id (brackets stripped). */
  externalId: string;
  errorCode: string;
  errorMessage: string;
  status?: string | undefined;
}

export interface InboundDecision {
  ignore?: { reason: string } | undefined;
  deliveryFailure?: DeliveryFailure | undefined;
}

export function inboundDecision(parsed: Pick<ParsedEmailLike, 'loop' | 'classification' | 'bounce'>): InboundDecision {
  const out: InboundDecision = {};
  if (parsed.loop.fromSelf) out.ignore = { reason: 'loop: sent from our own support address' };
  else if (parsed.loop.ourMessageId) out.ignore = { reason: 'loop: carries our own Message-ID' };
  else if (parsed.loop.xLoop) out.ignore = { reason: 'loop: X-Loop names our address' };
  const bounce = parsed.bounce;
  if (parsed.classification === 'bounce' && bounce?.originalMessageId && !bounce.delayed) {
    const failed = bounce.recipients[0];
    const status = failed?.status;
    out.deliveryFailure = {
      externalId: bounce.originalMessageId.replace(/^<+|>+$/g, ''),
      errorCode: status ? `bounce_${status}` : 'bounce',
      errorMessage: [failed?.address, failed?.diagnostic].filter(Boolean).join(': ').slice(0, 500) || 'delivery failed (bounce)',
      status,
    };
  }
  return out;
}
