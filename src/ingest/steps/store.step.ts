/**
 * Step 5, store: the ticket (matched, or new: a follow-up, a stranger who typed a number, an
 * unknown sender's held ticket), the sender as participant, the message with its attachments,
 * the identities it only claims, and who else received it.
 */
import type { PonteConfig } from '../../config/schema.js';
import type { Executor } from '../../db/database.js';
import { recordEvent } from '../../db/repositories/event.repository.js';
import { insertAttachments, insertInboundMessage } from '../../db/repositories/message.repository.js';
import { addParticipant, insertNewTicket, latestTicketInCategory, nextTicketNumber } from '../../db/repositories/ticket.repository.js';
import { insertClaims, recordRecipients } from '../../db/repositories/trust.repository.js';
import { newId } from '../../domain/ids.js';
import { REVIEW_CATEGORY, type TicketStatus, UNKNOWN_CONTACT_CATEGORY } from '../../domain/model.js';
import type { Ticket } from '../../domain/ticket.js';
import { cleanSubject } from '../ticket-tokens.js';
import type { Arrival } from './arrival.js';
import type { Sender } from './contact.step.js';
import type { Match } from './match.step.js';

export interface Stored {
  ticket: Ticket;
  created: boolean;
  messageId: string;
}

/** Only a person's own message makes them a participant (or records its recipients). */
export function joinsTicket(a: Arrival): boolean {
  return a.message.classification === 'customer' && !a.message.fromBusiness;
}

export async function storeMessage(
  trx: Executor,
  a: Arrival,
  config: PonteConfig,
  subjectRe: RegExp,
  sender: Sender,
  match: Match,
): Promise<Stored> {
  const m = a.message;
  const { ticket, created } = await ticketFor(trx, a, config, subjectRe, sender, match);
  // The requester is a participant by definition (match.ts reads requesterId first).
  // Only a person's own message makes them a participant: automatic mail may land by thread
  // reference (shown, never acted on), but must not open the thread to its sender or its Cc.
  const joins = joinsTicket(a);
  if (joins && ticket.requesterId !== sender.contactId) await addParticipant(trx, ticket.id, sender.contactId, a.now);

  const messageId = newId(a.now);
  await insertInboundMessage(trx, {
    id: messageId,
    ticketId: ticket.id,
    channelId: a.channelId,
    externalId: m.externalId,
    fromBusiness: m.fromBusiness,
    authorContactId: sender.contactId,
    sender: sender.identities[0]!,
    recipientAddress: m.to[0]?.address ?? null,
    subject: m.subject ?? null,
    text: m.text,
    html: a.html,
    replyText: m.replyText ?? null,
    quotedText: m.quotedText ?? null,
    classification: m.classification,
    matchedBy: match.decision.matchedBy,
    metadata: { ...m.metadata, ...(m.fromBusiness ? { sentFromPhone: true } : {}) },
    rawKey: a.env.rawKey ?? null,
    parseError: m.parseError ?? null,
    sentAt: m.sentAt ?? a.now,
  });
  if (m.attachments.length) await insertAttachments(trx, messageId, m.attachments, a.now);
  if (sender.claims.length) await insertClaims(trx, ticket.id, sender.claims, a.now);
  if (joins && (m.to.length || m.cc.length)) await recordRecipients(trx, ticket.id, [...m.to, ...m.cc], a.now);
  return { ticket, created, messageId };
}

async function ticketFor(
  trx: Executor,
  a: Arrival,
  config: PonteConfig,
  subjectRe: RegExp,
  sender: Sender,
  match: Match,
): Promise<{ ticket: Ticket; created: boolean }> {
  const { decision, matched, agent } = match;
  const open = (o: {
    initialStatus: TicketStatus;
    category?: string | undefined;
    mentioned?: number | undefined;
    followUpOf?: string | undefined;
  }) => createTicket(trx, a, config, subjectRe, sender.contactId, o).then((ticket) => ({ ticket, created: true }));
  if (sender.unknownPolicy === 'reply' && !agent) {
    // An unknown sender on a known-contacts-only channel: their messages are kept (never
    // lost) on one closed ticket of their own; they get the polite template, nothing else.
    const held = await latestTicketInCategory(trx, sender.contactId, UNKNOWN_CONTACT_CATEGORY);
    return held ? { ticket: held, created: false } : open({ initialStatus: 'closed', category: UNKNOWN_CONTACT_CATEGORY });
  }
  if (decision.kind === 'append' && matched) return { ticket: matched, created: false };
  return open({
    initialStatus: a.message.fromBusiness ? 'pending' : 'new',
    category: sender.unknownPolicy === 'review' ? REVIEW_CATEGORY : undefined,
    mentioned: decision.kind === 'new' ? decision.mentionedNumber : undefined,
    followUpOf: decision.kind === 'new' ? decision.followUpOf?.id : undefined,
  });
}

async function createTicket(
  trx: Executor,
  a: Arrival,
  config: PonteConfig,
  subjectRe: RegExp,
  contactId: string,
  o: { initialStatus: TicketStatus; category?: string | undefined; mentioned?: number | undefined; followUpOf?: string | undefined },
): Promise<Ticket> {
  const m = a.message;
  const f = m.ticketFields;
  const number = await nextTicketNumber(trx, config.tickets.numberStart);
  const subject = cleanSubject(m.subject, subjectRe) || firstLine(m.replyText ?? m.text) || '(no subject)';
  const ticket = await insertNewTicket(trx, {
    id: newId(a.now),
    number,
    subject: subject.slice(0, 500),
    status: o.initialStatus,
    priority: f?.priority ?? 'normal',
    category: o.category ?? f?.category ?? null,
    reference: f?.reference ?? null,
    origin: f?.origin ?? null,
    customFields: f?.customFields ?? {},
    requesterId: contactId,
    channelId: a.channelId,
    locale: a.channel.config.locale ?? config.tickets.defaultLocale,
    mentionedTicketNumber: o.mentioned ?? null,
    followUpOf: o.followUpOf ?? null,
    lastCustomerMessageAt: joinsTicket(a) ? a.now : null,
    now: a.now,
  });
  const actor = { type: 'customer' as const, id: contactId };
  await recordEvent(trx, ticket.id, 'created', null, o.initialStatus, actor, a.now);
  if (o.followUpOf) await recordEvent(trx, ticket.id, 'follow_up', o.followUpOf, ticket.id, { type: 'system' }, a.now);
  if (o.mentioned !== undefined) await recordEvent(trx, ticket.id, 'mentioned', null, String(o.mentioned), actor, a.now);
  return ticket;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 120);
}
