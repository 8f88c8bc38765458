/**
 * `ingest(envelope)`: every inbound message goes through one short transaction of named steps:
 *
 *   receipts → contact → facts → match → store → follow-ups
 *
 * 1. receipts: a redelivery, an erased person's message, our own echo, or a message the adapter
 *    asks to ignore is answered at once (with the checkpoint saved);
 * 2. contact: who wrote (proof, claims, one-time codes, `knownContactsOnly`), found or created;
 * 3. facts: is the sender an agent; which tickets the message points at, and whether the sender
 *    belongs to them;
 * 4. match: the pure decision (match.ts); automatic mail without a ticket is ignored; an agent's
 *    message goes to the agent relay (src/tickets/agent-relay.ts);
 * 5. store: the ticket, the message, its attachments, claims and recipients;
 * 6. follow-ups: status and times, and the ticket events automation and webhooks listen to.
 * Then the receipt and the checkpoint. Everything or nothing: a crash anywhere rolls it all back,
 * so the adapter redelivers and gets the same outcome. Envelopes that arrive together share one
 * transaction (group-commit.ts: one that fails is rolled back alone); every caller is answered after the
 * commit with its own outcome.
 */
import type { Transaction } from 'kysely';
import type { Executor } from '../db/database.js';
import type { DB } from '../db/tables.js';
import { inboundEnvelopeSchema, type InboundEnvelopeInput, type IngestOutcome } from '../domain/envelope.js';
import { ValidationError, zodIssues } from '../domain/errors.js';
import type { AgentCommand } from '../tickets/agent-commands.js';
import {
  type AgentInbound,
  agentAutoReply,
  type RelayResult,
  recordAgentAutoReply,
  recordAgentMessage,
  recordUnverifiedAgentMessage,
} from '../tickets/agent-relay.js';
import { takeBlob } from '../storage/blob-intake.js';
import { type InlineRow, writeInlineRow } from '../storage/inline-blob-store.js';
import { createGroupCommit } from './group-commit.js';
import { withoutNul } from './without-nul.js';
import type { Arrival, IngestDeps } from './steps/arrival.js';
import { resolveSender, type Sender } from './steps/contact.step.js';
import { agentFacts, ticketFacts } from './steps/facts.step.js';
import { followUps } from './steps/follow-ups.step.js';
import { type Match, matchTicket } from './steps/match.step.js';
import { answerKnownMessage, writeReceipt } from './steps/receipts.step.js';
import { storeMessage } from './steps/store.step.js';
import { compileSubjectToken } from './ticket-tokens.js';

export type { IngestDeps } from './steps/arrival.js';

/**
 * `fence`: for a message fetched under a lease (a pulled mailbox on several gateways). It runs
 * first inside the message's transaction and throws (`lease_lost`) when this process no longer
 * holds the lease at its epoch: then nothing of the message, and no checkpoint, is written.
 */
export interface IngestOptions {
  fence?: (trx: Executor) => Promise<void>;
  /**
   * The raw payload kept for replay (ChannelContext.ingest): stored by the core, which sets the
   * envelope's `rawKey`. Up to `storage.inlineMaxBytes` it is a row written in the message's own
   * transaction (one commit for both, and nothing stored for an envelope refused or rolled back);
   * larger, it goes to the blob store before the transaction, as a `blobs.put` would.
   */
  raw?: Uint8Array;
}

export type IngestFn = (channelId: string, input: InboundEnvelopeInput, options?: IngestOptions) => Promise<IngestOutcome>;

/** Automatic mail: never opens a customer ticket and never moves a status. */
const NON_CUSTOMER = new Set(['auto_reply', 'bounce', 'complaint', 'delivery_receipt']);

export function createIngest(deps: IngestDeps): IngestFn {
  const subjectRe = compileSubjectToken(deps.config.tickets);
  const relay = { channels: deps.channels, events: deps.events, logger: deps.logger };
  const group = createGroupCommit(deps.database, ingestOne);

  return async function ingest(channelId, input, options) {
    const parsed = inboundEnvelopeSchema.safeParse(input);
    if (!parsed.success) throw new ValidationError('invalid inbound envelope', zodIssues(parsed.error));
    const env = withoutNul(parsed.data);
    const channel = deps.channels.get(channelId);
    if (!channel) throw new ValidationError(`unknown channel ${channelId}`, [{ path: 'channelId', message: 'not configured' }]);
    const m = env.message;
    // CPU work before the transaction: it holds the only SQLite connection.
    const html = m.html ? deps.sanitizeHtml(m.html) : null;
    const dedupeKeys = [m.externalId, ...(env.idempotencyKey ? [`idem:${env.idempotencyKey}`] : [])];
    const fence = options?.fence;
    const now = deps.clock.now();
    const raw = options?.raw ? await keepRaw(options.raw, now) : undefined;
    const arrival: Arrival = { channelId, channel, env: raw ? { ...env, rawKey: raw.key } : env, message: m, html, now, dedupeKeys };
    if (fence) arrival.fence = fence;
    if (raw?.row) arrival.rawRow = raw.row;
    return group.submit(arrival);
  };

  /** A small payload becomes a row for the message's transaction; a larger one is put in the blob store now. */
  async function keepRaw(raw: Uint8Array, now: number): Promise<{ key: string; row?: InlineRow }> {
    const inlineMax = deps.rawPayloads.inlineMaxBytes;
    if (raw.byteLength <= inlineMax) {
      // Hashed as the blob stores hash (no copy of the bytes).
      const { key, bytes } = await takeBlob(raw, inlineMax);
      return { key, row: { key, bytes, createdAt: now } };
    }
    return { key: (await deps.rawPayloads.blobs.put(raw, { raw: true })).key };
  }

  async function ingestOne(trx: Transaction<DB>, a: Arrival): Promise<IngestOutcome> {
    if (a.fence) await a.fence(trx);
    if (a.rawRow) await writeInlineRow(trx, a.rawRow);
    const known = await answerKnownMessage(trx, a);
    if (known) return known;
    const sender = await resolveSender(trx, a);
    const agent = await agentFacts(trx, a, sender);
    const facts = await ticketFacts(trx, a, sender, agent, subjectRe);
    const match = matchTicket(a, deps.config, facts, agent);

    if (NON_CUSTOMER.has(a.message.classification) && !match.matched) {
      const reason = `${a.message.classification}_without_ticket`;
      await writeReceipt(trx, a, { outcome: 'ignored', ticketId: null, messageId: null, reason });
      return { status: 'ignored', reason };
    }
    const relayed = await relayAgentMessage(trx, a, sender, match, agent.command);
    if (relayed) {
      await writeReceipt(trx, a, {
        outcome: 'appended',
        ticketId: relayed.ticket.id,
        messageId: relayed.messageId,
        reason: relayed.reason,
      });
      return {
        status: 'appended',
        ticketId: relayed.ticket.id,
        ticketNumber: relayed.ticket.number,
        ticketStatus: relayed.ticket.status,
        messageId: relayed.messageId,
        matchedBy: match.decision.matchedBy,
        ...(relayed.agentId ? { asAgent: { agentId: relayed.agentId, visibility: relayed.visibility } } : {}),
      };
    }

    const stored = await storeMessage(trx, a, deps.config, subjectRe, sender, match);
    const ticket = await followUps(trx, deps.events, a, sender, match, stored);
    await writeReceipt(trx, a, {
      outcome: stored.created ? 'created' : 'appended',
      ticketId: ticket.id,
      messageId: stored.messageId,
      reason: null,
    });
    const { decision } = match;
    return {
      status: stored.created ? 'created' : 'appended',
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      ticketStatus: ticket.status,
      messageId: stored.messageId,
      matchedBy: decision.matchedBy,
      ...(decision.kind === 'new' && decision.mentionedNumber !== undefined ? { mentionedTicketNumber: decision.mentionedNumber } : {}),
    };
  }

  /** A message from an agent's address on a ticket: an unverified note, their out-of-office, or their reply. */
  async function relayAgentMessage(
    trx: Transaction<DB>,
    a: Arrival,
    sender: Sender,
    match: Match,
    command: AgentCommand | undefined,
  ): Promise<RelayResult | undefined> {
    const { matched: ticket, agent, unverified } = match;
    if (!ticket) return undefined;
    const m = a.message;
    const inbound: AgentInbound = {
      channelId: a.channelId,
      externalId: m.externalId,
      subject: m.subject,
      text: m.replyText ?? m.text,
      attachments: m.attachments.map((x) => ({ blobKey: x.blobKey, filename: x.filename, contentType: x.contentType, size: x.size })),
      from: sender.identities[0]!,
    };
    if (unverified) return recordUnverifiedAgentMessage(trx, relay, { ...unverified, ticket, inbound, now: a.now });
    if (!agent || !command) return undefined;
    const automatic = await agentAutoReply(trx, agent.id, m.subject, command.body, a.now);
    if (automatic) return recordAgentAutoReply(trx, relay, { agent, ticket, inbound, text: command.body, reason: automatic, now: a.now });
    return recordAgentMessage(trx, relay, { agent, command, ticket, inbound, now: a.now });
  }
}
