/**
 * `ingest(envelope)`: the one short transaction every inbound message goes through.
 * de-duplicate → resolve contact → (agent?) → match → store message + attachments → status and
 * times → checkpoint → follow-ups. Everything or nothing: a crash anywhere rolls it all back,
 * so the adapter redelivers and gets the same outcome.
 */
import type { Logger } from 'pino';
import type { AutomationHooks } from '../automation/hooks.js';
import type { Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import type { PonteConfig } from '../config/schema.js';
import type { Database, Executor } from '../db/database.js';
import { addIdentities, createContact, findContactIdsByIdentities, setContactNameIfMissing } from '../db/repositories/contact.repository.js';
import { putState } from '../db/repositories/channel-state.repository.js';
import { mergeContactsRecorded } from '../db/repositories/contact-merge.repository.js';
import { type Agent, findAgentByAddresses } from '../db/repositories/agent.repository.js';
import { recordEvent } from '../db/repositories/event.repository.js';
import { isTombstoned } from '../erasure/tombstone.repository.js';
import { findMessageByExternalId, insertAttachments, insertMessage } from '../db/repositories/message.repository.js';
import {
  addParticipant,
  findExistingRequest,
  getTicketById,
  getTicketsByNumbers,
  insertTicket,
  latestClosedTicketOnChannel,
  latestOpenTicketOnChannel,
  latestTicketInCategory,
  nextTicketNumber,
  participantTicketIds,
  ticketsByExternalIds,
  toTicket,
  updateTicket,
} from '../db/repositories/ticket.repository.js';
import type { Ticket } from '../domain/ticket.js';
import { inboundEnvelopeSchema, type InboundEnvelope, type InboundEnvelopeInput, type IngestOutcome } from '../domain/envelope.js';
import { ValidationError, zodIssues } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { type Address, REVIEW_CATEGORY, type TicketStatus, UNKNOWN_CONTACT_CATEGORY } from '../domain/model.js';
import { statusAfterCustomerMessage } from '../domain/ticket-status.js';
import { parseAgentCommand } from '../tickets/agent-commands.js';
import { looksLikeAgentAutoReply, REPEAT_MIN_CHARS } from '../tickets/agent-auto-reply.js';
import { agentSentSameTextSince, failClaimCode, insertClaims, markClaimLinked, pendingClaimCodes, recipientTicketIds, recordRecipients } from '../db/repositories/trust.repository.js';
import { CLAIM_CODE_MAX_ATTEMPTS, codeMatches, codesIn } from '../trust/claim-code.js';
import { queueOutbound, resolveCustomerRoute, storeInternal } from '../tickets/outbound-queue.js';
import { changeStatus } from '../tickets/ticket-changes.js';
import { decideMatch, type TicketFact } from './match.js';
import { cleanSubject, compileSubjectToken, numbersInSubject, numbersInText } from './ticket-tokens.js';

export interface IngestDeps {
  database: Database;
  clock: Clock;
  config: PonteConfig;
  channels: ChannelDirectory;
  hooks: AutomationHooks;
  logger: Logger;
  sanitizeHtml(html: string): string;
}

export type IngestFn = (channelId: string, input: InboundEnvelopeInput) => Promise<IngestOutcome>;

const NON_CUSTOMER = new Set(['auto_reply', 'bounce', 'complaint', 'delivery_receipt']);

export function createIngest(deps: IngestDeps): IngestFn {
  const subjectRe = compileSubjectToken(deps.config.tickets);

  return async function ingest(channelId, input) {
    const parsed = inboundEnvelopeSchema.safeParse(input);
    if (!parsed.success) throw new ValidationError('invalid inbound envelope', zodIssues(parsed.error));
    const env = withoutNul(parsed.data);
    const channel = deps.channels.get(channelId);
    if (!channel) throw new ValidationError(`unknown channel ${channelId}`, [{ path: 'channelId', message: 'not configured' }]);
    const m = env.message;
    // CPU work before the transaction: it holds the only SQLite connection.
    const html = m.html ? deps.sanitizeHtml(m.html) : null;
    const now = deps.clock.now();
    const dedupeKeys = [m.externalId, ...(env.idempotencyKey ? [`idem:${env.idempotencyKey}`] : [])];

    return deps.database.kysely.transaction().execute(async (trx) => {
      const prior = await trx
        .selectFrom('inbound_receipts')
        .selectAll()
        .where('channel_id', '=', channelId)
        .where('external_id', 'in', dedupeKeys)
        .executeTakeFirst();
      if (prior) {
        if (env.checkpoint) await putState(trx, channelId, env.checkpoint.key, env.checkpoint.value, now);
        const t = prior.ticket_id ? await getTicketById(trx, prior.ticket_id) : undefined;
        return { status: 'duplicate', ...(t ? { ticketId: t.id, ticketNumber: t.number, ticketStatus: t.status } : {}), ...(prior.message_id ? { messageId: prior.message_id } : {}) };
      }
      // LGPD erasure (src/erasure, issue 17): an erased person's message is never imported
      // again (a mailbox re-sync, a history sync). The tombstone is a hash; no receipt is written.
      if (await isTombstoned(trx, channelId, m.externalId)) {
        if (env.checkpoint) await putState(trx, channelId, env.checkpoint.key, env.checkpoint.value, now);
        return { status: 'ignored', reason: 'erased' };
      }
      const receipt = async (outcome: string, ticketId: string | null, messageId: string | null, reason: string | null) => {
        for (const key of dedupeKeys) {
          await trx.insertInto('inbound_receipts').values({ channel_id: channelId, external_id: key, outcome, ticket_id: ticketId, message_id: messageId, reason, received_at: now }).execute();
        }
        if (env.checkpoint) await putState(trx, channelId, env.checkpoint.key, env.checkpoint.value, now);
      };

      // The echo of our own send: the outbound message is already stored under this id.
      const own = await findMessageByExternalId(trx, channelId, m.externalId);
      if (own || m.ownEcho) {
        await receipt('ignored', own?.ticket_id ?? null, own?.id ?? null, 'own_echo');
        const t = own ? await getTicketById(trx, own.ticket_id) : undefined;
        return { status: 'duplicate', ...(t ? { ticketId: t.id, ticketNumber: t.number, ticketStatus: t.status } : {}), ...(own ? { messageId: own.id } : {}) };
      }
      if (env.ignore) {
        await receipt('ignored', null, null, env.ignore.reason);
        return { status: 'ignored', reason: env.ignore.reason };
      }

      // Identity comes from proof: aliases join the contact only when the channel proved them
      // (a WhatsApp LID beside its phone); a form's second identity is only a claim on the ticket.
      const proven = m.proof.level !== 'none';
      const identities: Address[] = dedupeAddresses([m.from, ...(proven ? m.fromAliases : [])]);
      const claims = dedupeAddresses([...m.claims, ...(proven ? [] : m.fromAliases)]).filter((c) => !identities.some((i) => i.kind === c.kind && i.address === c.address));
      const lookupAlso = dedupeAddresses(m.lookupAlso);
      // The one-time code we sent to a ticket's requester, coming back from the identity they
      // claimed (and this channel proves): the sender holds both, so the identity joins the
      // requester (when nobody else owns it) and the message lands on that ticket.
      const provenClaim = proven && m.classification === 'customer' && !m.fromBusiness ? await proveClaimByCode(trx, [...identities, ...lookupAlso], m.replyText ?? m.text, now) : undefined;
      // `knownContactsOnly`: a sender is known when their contact is a shop customer we know by
      // more than this chat identity (an email linked to it). Decided before the contact is made.
      const unknownPolicy =
        channel.config.knownContactsOnly && m.classification === 'customer' && !m.fromBusiness && !provenClaim && !(await isKnownSender(trx, [...identities, ...lookupAlso]))
          ? channel.config.knownContactsOnly
          : undefined;
      const contactId = await resolveContact(trx, identities, lookupAlso, m.from.displayName, channel.config.locale, now);

      // An agent's out-of-office answering a notification is automatic mail, not their reply:
      // relaying it would send the customer "I'm on holiday" (and loop with their auto-responder).
      const emails = identities.filter((i) => i.kind === 'email').map((i) => i.address);
      const phones = [...identities, ...lookupAlso].filter((i) => i.kind === 'phone').map((i) => i.address);
      const candidate = m.fromBusiness || m.classification !== 'customer' || !m.agentCommands ? undefined : await findAgentByAddresses(trx, emails, phones);
      const proof = candidate ? agentProof(candidate, m.proof, emails, phones) : undefined;
      let agent = candidate && proof?.ok ? candidate : undefined;
      // Someone writing from an agent's address without proof: located like an agent (so the
      // team sees it on the right ticket) but stored as an unverified note, never relayed.
      let unverified = candidate && proof && !proof.ok ? { agent: candidate, reason: proof.reason } : undefined;
      const command = candidate ? parseAgentCommand(m.replyText ?? m.text) : undefined;
      const actsAsAgent = candidate !== undefined;

      // Facts for the matcher.
      const referencedTickets = await ticketsByExternalIds(trx, [channelId], m.threadHints.references);
      const signedNumbers = m.threadHints.signedTicketNumbers;
      const typedNumbers = [...new Set([...numbersInSubject(m.subject, subjectRe), ...(channel.capabilities.threading === 'chat' || actsAsAgent ? numbersInText(m.replyText ?? m.text) : []), ...(command?.ticketNumber ? [command.ticketNumber] : [])])];
      const [signedTickets, numberedTickets] = await Promise.all([
        provenClaim ? getTicketById(trx, provenClaim.ticketId).then(async (t) => [...(t ? [t] : []), ...(await getTicketsByNumbers(trx, signedNumbers))]) : getTicketsByNumbers(trx, signedNumbers),
        getTicketsByNumbers(trx, typedNumbers),
      ]);
      // Who may join a ticket: its requester, a participant, or someone who received one of its
      // messages (a Cc'd colleague). Anyone else quoting the thread starts their own ticket.
      const candidateIds = [...new Set([...referencedTickets, ...signedTickets, ...numberedTickets].map((t) => t.id))];
      const [participantOf, recipientOf] = await Promise.all([
        participantTicketIds(trx, contactId, candidateIds),
        recipientTicketIds(trx, identities, candidateIds),
      ]);
      const fact = (t: Ticket): TicketFact => ({
        id: t.id,
        number: t.number,
        status: t.status,
        closedAt: t.closedAt,
        senderIsParticipant: t.requesterId === contactId || participantOf.has(t.id) || recipientOf.has(t.id),
      });
      const fields = m.ticketFields;
      const existing = fields?.matchExistingRequest ? await findExistingRequest(trx, contactId, fields.category ?? null, fields.reference ?? null) : undefined;
      const openOnChannel = channel.capabilities.threading === 'chat' ? await latestOpenTicketOnChannel(trx, contactId, channelId) : undefined;
      const closedOnChannel = channel.capabilities.threading === 'chat' && !openOnChannel ? await latestClosedTicketOnChannel(trx, contactId, channelId) : undefined;
      const decision = decideMatch({
        threading: channel.capabilities.threading,
        senderIsAgent: actsAsAgent,
        automatic: m.classification !== 'customer',
        referenced: referencedTickets.map(fact),
        signed: signedTickets.map(fact),
        numbered: typedNumbers.map((n) => numberedTickets.find((t) => t.number === n)).filter((t): t is Ticket => !!t).map(fact),
        unknownNumbers: typedNumbers.filter((n) => !numberedTickets.some((t) => t.number === n)),
        existingRequest: existing && fact(existing),
        openOnChannel: openOnChannel && fact(openOnChannel),
        closedOnChannel: closedOnChannel && fact(closedOnChannel),
        resumeWindowHours: channel.config.resumeWindowHours ?? deps.config.tickets.resumeWindowHours,
        now,
        reopenWindowHours: channel.config.reopenWindowHours ?? deps.config.tickets.reopenWindowHours,
      });
      const all = [...referencedTickets, ...signedTickets, ...numberedTickets, ...(existing ? [existing] : []), ...(openOnChannel ? [openOnChannel] : []), ...(closedOnChannel ? [closedOnChannel] : [])];
      const matched = decision.kind === 'append' ? all.find((t) => t.id === decision.ticket.id)! : undefined;

      // Automatic mail never opens a customer ticket and never moves a status.
      if (NON_CUSTOMER.has(m.classification) && !matched) {
        await receipt('ignored', null, null, `${m.classification}_without_ticket`);
        return { status: 'ignored', reason: `${m.classification}_without_ticket` };
      }

      // A proven agent's token names one ticket: it is no proof for another.
      const tokenTicket = proof?.ok ? proof.tokenTicket : undefined;
      if (agent && matched && tokenTicket !== undefined && tokenTicket !== matched.number) {
        unverified = { agent, reason: `the reply token names #${tokenTicket}, not #${matched.number}` };
        agent = undefined;
      }
      if (unverified && matched) {
        return recordUnverifiedAgentMessage(trx, { ...unverified, ticket: matched, env, now, receipt, matchedBy: decision.matchedBy, identities });
      }

      // An agent answering a ticket from email/WhatsApp: their reply or note, relayed to the customer.
      if (agent && matched && command) {
        const automatic = await agentAutoReply(trx, agent.id, m.subject, command.body, now);
        if (automatic) {
          return recordAgentAutoReply(trx, { agent, ticket: matched, env, now, receipt, matchedBy: decision.matchedBy, text: command.body, reason: automatic });
        }
        return recordAgentMessage(trx, { agent, command, ticket: matched, channelId, env, now, receipt, matchedBy: decision.matchedBy });
      }

      let ticket: Ticket;
      let created = false;
      const heldUnknown = unknownPolicy === 'reply' && !agent ? await latestTicketInCategory(trx, contactId, UNKNOWN_CONTACT_CATEGORY) : undefined;
      if (unknownPolicy === 'reply' && !agent) {
        // An unknown sender on a known-contacts-only channel: their messages are kept (never
        // lost) on one closed ticket of their own; they get the polite template, nothing else.
        if (heldUnknown) ticket = heldUnknown;
        else {
          created = true;
          ticket = await createTicket(trx, { env, channelId, contactId, locale: channel.config.locale, mentioned: undefined, followUpOf: undefined, initialStatus: 'closed', category: UNKNOWN_CONTACT_CATEGORY, now });
        }
      } else if (decision.kind === 'append' && matched) {
        ticket = matched;
      } else {
        created = true;
        ticket = await createTicket(trx, {
          env,
          channelId,
          contactId,
          locale: channel.config.locale,
          mentioned: decision.kind === 'new' ? decision.mentionedNumber : undefined,
          followUpOf: decision.kind === 'new' ? decision.followUpOf?.id : undefined,
          initialStatus: m.fromBusiness ? 'pending' : 'new',
          category: unknownPolicy === 'review' ? REVIEW_CATEGORY : undefined,
          now,
        });
      }
      // The requester is a participant by definition (match.ts reads requesterId first).
      // Only a person's own message makes them a participant: automatic mail may land by thread
      // reference (shown, never acted on), but must not open the thread to its sender or its Cc.
      const joins = m.classification === 'customer' && !m.fromBusiness;
      if (joins && ticket.requesterId !== contactId) await addParticipant(trx, ticket.id, contactId, now);

      const messageId = newId(now);
      const isCustomer = m.classification === 'customer';
      await insertMessage(trx, {
        id: messageId,
        ticket_id: ticket.id,
        direction: m.fromBusiness ? 'out' : 'in',
        visibility: 'public',
        author_type: m.fromBusiness ? 'agent' : 'customer',
        author_contact_id: m.fromBusiness ? null : contactId,
        author_agent_id: null,
        purpose: m.fromBusiness ? 'reply' : 'message',
        channel_id: channelId,
        external_id: m.externalId,
        sender_address: identities[0]!.address,
        sender_kind: identities[0]!.kind,
        recipient_kind: null,
        recipient_address: m.to[0]?.address ?? null,
        subject: m.subject ?? null,
        text: m.text,
        html,
        reply_text: m.replyText ?? null,
        quoted_text: m.quotedText ?? null,
        classification: m.classification,
        delivery_status: m.fromBusiness ? 'sent' : null,
        error_code: null,
        error_message: null,
        matched_by: decision.matchedBy,
        metadata: JSON.stringify({ ...m.metadata, senderKind: m.from.kind, ...(m.fromBusiness ? { sentFromPhone: true } : {}) }),
        raw_key: env.rawKey ?? null,
        parse_error: m.parseError ?? null,
        reactions: '[]',
        edited_at: null,
        revoked_at: null,
        created_at: m.sentAt ?? now,
        sent_at: m.fromBusiness ? (m.sentAt ?? now) : null,
        delivered_at: null,
        read_at: null,
      });
      if (m.attachments.length) await insertAttachments(trx, messageId, m.attachments, now);
      if (claims.length) await insertClaims(trx, ticket.id, claims, now);
      if (joins && (m.to.length || m.cc.length)) await recordRecipients(trx, ticket.id, [...m.to, ...m.cc], now);

      if (m.fromBusiness) {
        await updateTicket(trx, ticket.id, { updated_at: now, last_agent_reply_at: now, ...(ticket.firstResponseAt ? {} : { first_response_at: now }) });
        await deps.hooks.onAgentMessage(trx, { ticket, messageId, agentId: null, visibility: 'public', fromBusinessDevice: true, now });
      } else if (isCustomer && unknownPolicy === 'reply' && !agent) {
        await updateTicket(trx, ticket.id, { updated_at: now, last_customer_message_at: now, last_customer_channel_id: channelId });
        await deps.hooks.onUnknownContact(trx, { ticket, channelId, now });
      } else if (isCustomer) {
        if (!created) {
          const to: TicketStatus = statusAfterCustomerMessage(ticket.status);
          if (to !== ticket.status) ticket = await changeStatus(trx, deps.hooks, ticket, to, { type: 'customer', id: contactId }, now, { force: true });
        }
        // A ticket created by this message already carries these values (createTicket).
        if (!created) await updateTicket(trx, ticket.id, { updated_at: now, last_customer_message_at: now, last_customer_channel_id: channelId });
        ticket = { ...ticket, lastCustomerChannelId: channelId, lastCustomerMessageAt: now };
        await deps.hooks.onCustomerMessage(trx, {
          ticket,
          messageId,
          channelId,
          created,
          classification: m.classification,
          senderAddress: identities[0]!.address,
          text: m.replyText ?? m.text,
          now,
          // Flagged for review: the team sees it; the unknown sender gets no acknowledgement.
          ...(unknownPolicy === 'review' ? { quiet: true } : {}),
        });
      } else {
        await updateTicket(trx, ticket.id, { updated_at: now });
      }

      await receipt(created ? 'created' : 'appended', ticket.id, messageId, null);
      const outcome: IngestOutcome = {
        status: created ? 'created' : 'appended',
        ticketId: ticket.id,
        ticketNumber: ticket.number,
        ticketStatus: ticket.status,
        messageId,
        matchedBy: decision.matchedBy,
        ...(decision.kind === 'new' && decision.mentionedNumber !== undefined ? { mentionedTicketNumber: decision.mentionedNumber } : {}),
      };
      return outcome;
    });
  };

  /**
   * The code sent for a claim, found in a message from that very identity: links it. Returns the
   * claim's ticket when the identity now belongs to its requester. A wrong code is counted; too
   * many void the code.
   */
  async function proveClaimByCode(trx: Executor, identities: Address[], text: string, now: number): Promise<{ ticketId: string } | undefined> {
    // Most messages carry no code: no query for them (this runs for every proven message).
    const candidates = codesIn(text);
    if (candidates.length === 0) return undefined;
    const pending = await pendingClaimCodes(trx, identities, now);
    if (pending.length === 0) return undefined;
    for (const claim of pending) {
      if (!codeMatches(claim.id, claim.codeHash, candidates)) {
        await failClaimCode(trx, claim, CLAIM_CODE_MAX_ATTEMPTS);
        continue;
      }
      const ticket = await getTicketById(trx, claim.ticketId);
      if (!ticket) continue;
      const identity: Address = { kind: claim.kind, address: claim.address };
      const owner = (await findContactIdsByIdentities(trx, [identity])).get(`${identity.kind}:${identity.address}`);
      // The sender holds both the requester's address (the code went there) and this identity:
      // if the identity already has a contact of its own, the two are one person (recorded, undoable).
      if (owner && owner !== ticket.requesterId) {
        await mergeContactsRecorded(trx, ticket.requesterId, owner, 'system:claim_code', `one-time code sent to the requester of #${ticket.number} came back from ${identity.kind} ${identity.address}`, now);
      }
      if (!owner) await addIdentities(trx, ticket.requesterId, [identity], now);
      await markClaimLinked(trx, claim.id, ticket.requesterId, 'one_time_code', now);
      await recordEvent(trx, ticket.id, 'claim_proven', claim.id, `${identity.kind}:${identity.address}`.slice(0, 200), { type: 'customer', id: ticket.requesterId }, now);
      return { ticketId: ticket.id };
    }
    return undefined;
  }

  /** A contact owns one of these identities and is known by an email as well (a shop customer). */
  async function isKnownSender(trx: Executor, addresses: Address[]): Promise<boolean> {
    const owners = [...new Set((await findContactIdsByIdentities(trx, addresses)).values())];
    if (owners.length === 0) return false;
    const r = await trx.selectFrom('contact_identities').select('id').where('contact_id', 'in', owners).where('kind', '=', 'email').limit(1).executeTakeFirst();
    return r !== undefined;
  }

  async function resolveContact(trx: Executor, identities: Address[], lookupAlso: Address[], name: string | undefined, locale: string | undefined, now: number): Promise<string> {
    const found = await findContactIdsByIdentities(trx, [...identities, ...lookupAlso]);
    let contactId: string | undefined;
    for (const i of [...identities, ...lookupAlso]) {
      contactId = found.get(`${i.kind}:${i.address}`);
      if (contactId) break;
    }
    if (!contactId) contactId = await createContact(trx, { name, locale }, now);
    else await setContactNameIfMissing(trx, contactId, name, now);
    // Identities already known (to this contact or to someone else) stay as they are.
    const unknown = identities.filter((i) => !found.has(`${i.kind}:${i.address}`));
    if (unknown.length) await addIdentities(trx, contactId, unknown, now);
    return contactId;
  }

  async function createTicket(
    trx: Executor,
    a: { env: InboundEnvelope; channelId: string; contactId: string; locale: string | undefined; mentioned: number | undefined; followUpOf: string | undefined; initialStatus: TicketStatus; category?: string | undefined; now: number },
  ): Promise<Ticket> {
    const m = a.env.message;
    const number = await nextTicketNumber(trx, deps.config.tickets.numberStart);
    const subject = cleanSubject(m.subject, subjectRe) || firstLine(m.replyText ?? m.text) || '(no subject)';
    const f = m.ticketFields;
    const id = newId(a.now);
    const row = {
      id,
      number,
      subject: subject.slice(0, 500),
      status: a.initialStatus,
      priority: f?.priority ?? 'normal',
      category: a.category ?? f?.category ?? null,
      reference: f?.reference ?? null,
      origin: f?.origin ?? null,
      custom_fields: JSON.stringify(f?.customFields ?? {}),
      requester_id: a.contactId,
      assignee_id: null,
      origin_channel_id: a.channelId,
      last_customer_channel_id: a.channelId,
      locale: a.locale ?? deps.config.tickets.defaultLocale,
      mentioned_ticket_number: a.mentioned ?? null,
      follow_up_of: a.followUpOf ?? null,
      created_at: a.now,
      updated_at: a.now,
      first_response_at: null,
      solved_at: null,
      closed_at: a.initialStatus === 'closed' ? a.now : null,
      status_changed_at: a.now,
      last_customer_message_at: m.classification === 'customer' && !m.fromBusiness ? a.now : null,
      last_agent_reply_at: null,
      first_response_due_at: null,
      next_response_due_at: null,
    };
    await insertTicket(trx, row);
    await recordEvent(trx, id, 'created', null, a.initialStatus, { type: 'customer', id: a.contactId }, a.now);
    if (a.followUpOf) await recordEvent(trx, id, 'follow_up', a.followUpOf, id, { type: 'system' }, a.now);
    if (a.mentioned !== undefined) await recordEvent(trx, id, 'mentioned', null, String(a.mentioned), { type: 'customer', id: a.contactId }, a.now);
    return toTicket(row);
  }

  type Receipt = (outcome: string, ticketId: string | null, messageId: string | null, reason: string | null) => Promise<void>;

  /** The agent's out-of-office (its phrases, or the very text this agent already sent) is no answer. */
  async function agentAutoReply(trx: Executor, agentId: string, subject: string | undefined, body: string, now: number): Promise<string | undefined> {
    const byText = looksLikeAgentAutoReply(subject, body);
    if (byText) return byText;
    if (body.trim().length >= REPEAT_MIN_CHARS && (await agentSentSameTextSince(trx, agentId, body, now - 7 * 24 * 3600_000))) return 'the same text again';
    return undefined;
  }

  /** Kept for the team as an internal note; nothing reaches the customer, no command runs. */
  async function recordAgentAutoReply(
    trx: Executor,
    a: { agent: Agent; ticket: Ticket; env: InboundEnvelope; now: number; receipt: Receipt; matchedBy: import('../domain/model.js').MatchedBy; text: string; reason: string },
  ): Promise<IngestOutcome> {
    const messageId = await storeInternal(
      trx,
      { ticket: a.ticket, text: a.text, authorType: 'agent', authorAgentId: a.agent.id, purpose: 'note', metadata: { inboundExternalId: a.env.message.externalId, agentAutoReply: a.reason } },
      a.now,
    );
    await a.receipt('appended', a.ticket.id, messageId, 'agent_auto_reply');
    deps.logger.info({ ticket: a.ticket.number, agentId: a.agent.id, reason: a.reason }, 'agent auto-reply kept as an internal note, not relayed');
    return { status: 'appended', ticketId: a.ticket.id, ticketNumber: a.ticket.number, ticketStatus: a.ticket.status, messageId, matchedBy: a.matchedBy, asAgent: { agentId: a.agent.id, visibility: 'internal' } };
  }

  /**
   * A message from an agent's address without proof (a forged From:, a form, a token for another
   * ticket): stored for the team as an "unverified" internal note; never relayed, no command.
   */
  async function recordUnverifiedAgentMessage(
    trx: Executor,
    a: { agent: Agent; reason: string; ticket: Ticket; env: InboundEnvelope; now: number; receipt: Receipt; matchedBy: import('../domain/model.js').MatchedBy; identities: Address[] },
  ): Promise<IngestOutcome> {
    const m = a.env.message;
    const attachments = m.attachments.map((x) => ({ blobKey: x.blobKey, filename: x.filename, contentType: x.contentType, size: x.size }));
    const from = a.identities[0]!;
    const messageId = await storeInternal(
      trx,
      {
        ticket: a.ticket,
        text: m.replyText ?? m.text,
        authorType: 'system',
        purpose: 'note',
        metadata: { unverified: true, unverifiedReason: a.reason, claimedAgentId: a.agent.id, from: from.address, fromKind: from.kind, inboundExternalId: m.externalId, subject: m.subject ?? null },
        attachments,
      },
      a.now,
    );
    await recordEvent(trx, a.ticket.id, 'unverified_message', null, messageId, { type: 'system' }, a.now);
    await a.receipt('appended', a.ticket.id, messageId, 'unverified_agent_message');
    deps.logger.warn({ ticket: a.ticket.number, claimedAgentId: a.agent.id, reason: a.reason }, 'message from an agent address without proof kept as an unverified internal note');
    return { status: 'appended', ticketId: a.ticket.id, ticketNumber: a.ticket.number, ticketStatus: a.ticket.status, messageId, matchedBy: a.matchedBy };
  }

  async function recordAgentMessage(
    trx: Executor,
    a: {
      agent: Agent;
      command: ReturnType<typeof parseAgentCommand>;
      ticket: Ticket;
      channelId: string;
      env: InboundEnvelope;
      now: number;
      matchedBy: import('../domain/model.js').MatchedBy;
      receipt: (outcome: string, ticketId: string | null, messageId: string | null, reason: string | null) => Promise<void>;
    },
  ): Promise<IngestOutcome> {
    const { agent, command, now } = a;
    let ticket = a.ticket;
    const attachments = a.env.message.attachments.map((x) => ({ blobKey: x.blobKey, filename: x.filename, contentType: x.contentType, size: x.size }));
    const meta = { via: a.channelId, inboundExternalId: a.env.message.externalId };
    let messageId: string;
    let visibility: 'public' | 'internal' = command.internal ? 'internal' : 'public';
    if (command.body === '' && attachments.length === 0) {
      // Only a status command: nothing to relay.
      visibility = 'internal';
      messageId = await storeInternal(trx, { ticket, text: `(${command.status ?? 'empty'})`, authorType: 'agent', authorAgentId: agent.id, purpose: 'note', metadata: meta }, now);
    } else if (visibility === 'internal') {
      messageId = await storeInternal(trx, { ticket, text: command.body, authorType: 'agent', authorAgentId: agent.id, purpose: 'note', metadata: meta, attachments }, now);
    } else {
      const route = await resolveCustomerRoute(trx, deps.channels, ticket);
      if (!route) {
        visibility = 'internal';
        messageId = await storeInternal(trx, { ticket, text: command.body, authorType: 'agent', authorAgentId: agent.id, purpose: 'note', metadata: { ...meta, undeliverable: 'no_route_to_customer' }, attachments }, now);
      } else {
        messageId = (await queueOutbound(trx, { ticket, route, text: command.body, purpose: 'reply', visibility: 'public', authorType: 'agent', authorAgentId: agent.id, attachments, metadata: meta }, now)).messageId;
        await updateTicket(trx, ticket.id, { updated_at: now, last_agent_reply_at: now, ...(ticket.firstResponseAt ? {} : { first_response_at: now }) });
        if (!command.status && (ticket.status === 'new' || ticket.status === 'open')) {
          ticket = await changeStatus(trx, deps.hooks, ticket, 'pending', { type: 'agent', id: agent.id }, now, { withReply: true });
        }
      }
    }
    if (command.status && command.status !== ticket.status) {
      ticket = await changeStatus(trx, deps.hooks, ticket, command.status, { type: 'agent', id: agent.id }, now, { force: ticket.status !== 'closed', withReply: visibility === 'public' });
    }
    await deps.hooks.onAgentMessage(trx, { ticket, messageId, agentId: agent.id, visibility, fromBusinessDevice: false, now });
    await a.receipt('appended', ticket.id, messageId, 'agent_message');
    return { status: 'appended', ticketId: ticket.id, ticketNumber: ticket.number, ticketStatus: ticket.status, messageId, matchedBy: a.matchedBy, asAgent: { agentId: agent.id, visibility } };
  }
}

/**
 * Is this message really from that agent? WhatsApp proves the phone (ninth-digit variants
 * included); an email needs our per-agent token from a notification sent to that very agent,
 * with no authentication failure reported for its From domain. A web form proves nothing.
 */
export function agentProof(
  agent: Agent,
  proof: InboundEnvelope['message']['proof'],
  emails: string[],
  phones: string[],
): { ok: true; tokenTicket?: number } | { ok: false; reason: string } {
  if (agent.phone && phones.includes(agent.phone)) {
    if (proof.level === 'channel') return { ok: true };
  }
  if (agent.email && emails.includes(agent.email.toLowerCase())) {
    const token = proof.agentToken;
    if (!token) return { ok: false, reason: 'no reply token from a notification sent to this agent' };
    if (token.agentId.toLowerCase() !== agent.id.toLowerCase()) return { ok: false, reason: 'the reply token belongs to another agent' };
    if (proof.authFailure) return { ok: false, reason: `authentication failed: ${proof.authFailure}` };
    return { ok: true, tokenTicket: token.ticketNumber };
  }
  return { ok: false, reason: proof.level === 'channel' ? 'address not proven by this channel' : 'the channel proves nothing about the sender' };
}

/**
 * U+0000 becomes U+FFFD everywhere in the envelope: PostgreSQL text cannot hold NUL, and a broken
 * mailer's NUL must not turn into an ingest that fails (and is redelivered) forever. The same
 * input always maps to the same output, so de-duplication is unaffected.
 */
function withoutNul<T>(value: T): T {
  return hasNul(value) ? replaceNul(value) : value;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  return false;
}

function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replace(/\u0000/g, '\ufffd') : value) as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[replaceNul(k)] = replaceNul(v);
    return out as T;
  }
  return value;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 120);
}

/** Email addresses compare case-insensitively; everything else is normalized by its adapter. */
function dedupeAddresses(list: Address[]): Address[] {
  const seen = new Set<string>();
  return list.map((a) => (a.kind === 'email' ? { ...a, address: a.address.trim().toLowerCase() } : a)).filter((a) => {
    const k = `${a.kind}:${a.address}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
