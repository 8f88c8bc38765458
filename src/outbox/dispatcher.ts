/**
 * The outbox loop: claim due rows, build the OutboundMessage, call the channel's sender outside
 * any transaction, record the result. A row is sent at least once and, after a recorded
 * success, never again; a crash between send and record re-sends with the same external id
 * (assigned before the first attempt), which receivers can de-duplicate.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ChannelSender, Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import type { PonteConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { attachmentsOfMessages, getMessage, latestInboundOnChannel, threadExternalIds } from '../db/repositories/message.repository.js';
import {
  recordOutboundError,
  recordOutboundFailed,
  recordOutboundSent,
  setOutboundExternalId,
} from '../db/repositories/message-delivery.repository.js';
import { claimDueOutbox, markFailed, markRetry, markSent, nextDueAt } from '../db/repositories/outbox.repository.js';
import { getTicketById } from '../db/repositories/ticket.repository.js';
import { getAgent } from '../db/repositories/agent.repository.js';
import { addIdentities } from '../db/repositories/contact.repository.js';
import { ChannelError, PolicyError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Address, IdentityKind, MessagePurpose } from '../domain/model.js';
import { rerouteFailed } from './fallback.js';
import type { OutboundMessage } from '../domain/outbound.js';
import { subjectTokenFor } from '../ingest/ticket-tokens.js';
import type { OutboxRow } from '../db/tables.js';
import { decideRetry } from './retry-policy.js';
import { createPollingLoop } from './polling-loop.js';

export interface DispatchResult {
  sent: number;
  failed: number;
  retried: number;
}

export interface Dispatcher {
  runOnce(): Promise<DispatchResult>;
  /** Run until nothing is due now (tests, CLI). Bounded by `maxRounds`. */
  drain(maxRounds?: number): Promise<DispatchResult>;
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

export interface DispatcherDeps {
  database: Database;
  channels: ChannelDirectory;
  senders: ReadonlyMap<string, ChannelSender>;
  clock: Clock;
  logger: Logger;
  config: PonteConfig;
  onSent?: (row: OutboxRow, message: OutboundMessage) => Promise<void>;
  /** After a final failure was recorded (the message may have gone on through a fallback channel). */
  onFailed?: (row: OutboxRow) => Promise<void>;
  /** Metrics and channel send health: told of every attempt's result. */
  observe?: SendObserver | undefined;
}

export interface SendObserver {
  sent(channelId: string): void;
  failed(channelId: string, code: string, message: string, final: boolean): void;
}

const AUTOMATIC: ReadonlySet<MessagePurpose> = new Set(['notification', 'auto_ack', 'out_of_hours', 'reminder', 'status_notice', 'system']);

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const worker = `${hostname()}:${process.pid}:${newId().slice(-6)}`;
  const db = deps.database.kysely;
  const cfg = deps.config.outbox;

  async function build(row: OutboxRow): Promise<OutboundMessage | undefined> {
    const msg = await getMessage(db, row.message_id);
    if (!msg) return undefined;
    const ticket = await getTicketById(db, msg.ticket_id);
    if (!ticket) return undefined;
    const [attachments, lastInbound, references, author] = await Promise.all([
      attachmentsOfMessages(db, [msg.id]),
      latestInboundOnChannel(db, ticket.id, row.channel_id),
      threadExternalIds(db, ticket.id, row.channel_id, 30),
      msg.author_agent_id ? getAgent(db, msg.author_agent_id) : Promise.resolve(undefined),
    ]);
    const meta = JSON.parse(msg.metadata) as {
      template?: OutboundMessage['template'];
      inReplyTo?: string;
      cc?: Address[];
      agentId?: string;
    };
    const inReplyTo = meta.inReplyTo ?? lastInbound?.external_id ?? references[0];
    return {
      outboxId: row.id,
      messageId: msg.id,
      channelId: row.channel_id,
      externalId: msg.external_id ?? undefined,
      ticket: {
        id: ticket.id,
        number: ticket.number,
        subject: ticket.subject,
        subjectToken: subjectTokenFor(deps.config.tickets, ticket.number),
        locale: ticket.locale,
      },
      recipient: { kind: msg.recipient_kind as IdentityKind, address: msg.recipient_address ?? '' },
      cc: meta.cc?.length ? meta.cc : undefined,
      // A notification to an agent: the channel signs that agent into the reply token, so only
      // their answer to it proves them (ARCHITECTURE rule 0).
      recipientAgentId: msg.purpose === 'notification' && meta.agentId ? meta.agentId : undefined,
      text: msg.text,
      html: msg.html ?? undefined,
      attachments: attachments.map((a) => ({
        blobKey: a.blob_key,
        filename: a.filename,
        contentType: a.content_type,
        size: Number(a.size),
      })),
      threading: { inReplyTo: inReplyTo ?? undefined, references: references.filter((r) => r !== msg.external_id) },
      automatic: AUTOMATIC.has(msg.purpose as MessagePurpose),
      purpose: msg.purpose as MessagePurpose,
      authorName: author?.name,
      recipientLastInboundAt: lastInbound ? Number(lastInbound.created_at) : undefined,
      template: meta.template,
    };
  }

  async function fail(row: OutboxRow, code: string, message: string): Promise<void> {
    const now = deps.clock.now();
    const rerouted = await db.transaction().execute(async (trx) => {
      await markFailed(trx, row.id, worker, code, message, now);
      const msg = await getMessage(trx, row.message_id);
      const plan = msg ? await rerouteFailed(trx, deps, msg, { channelId: row.channel_id, code, message }, now) : undefined;
      if (!plan) await recordOutboundFailed(trx, row.message_id, code, message);
      return plan;
    });
    if (rerouted)
      deps.logger.info(
        { outboxId: row.id, from: row.channel_id, to: rerouted.channelId, code },
        'message failed on its channel; sent again through the fallback channel',
      );
    else await deps.onFailed?.(row);
  }

  async function processRow(row: OutboxRow, result: DispatchResult): Promise<void> {
    const sender = deps.senders.get(row.channel_id);
    if (!sender) {
      await fail(row, 'channel_unavailable', `channel ${row.channel_id} is not configured to send`);
      result.failed++;
      return;
    }
    const message = await build(row);
    if (!message) {
      await fail(row, 'message_missing', 'the message or ticket no longer exists');
      result.failed++;
      return;
    }
    if (!message.externalId && sender.assignExternalId) {
      message.externalId = sender.assignExternalId(message);
      await setOutboundExternalId(db, message.messageId, message.externalId);
    }
    try {
      const receipt = await sender.send(message);
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        await markSent(trx, row.id, worker, now);
        await recordOutboundSent(trx, message.messageId, receipt.externalId, now);
        // The channel told us who the recipient really is (see SendReceipt.resolvedIdentity):
        // remember it as the requester's alias so their messages from it land on their tickets.
        const resolved = receipt.resolvedIdentity;
        if (resolved && (resolved.kind !== message.recipient.kind || resolved.address !== message.recipient.address)) {
          const ticket = await getTicketById(trx, message.ticket.id);
          if (ticket) await addIdentities(trx, ticket.requesterId, [{ kind: resolved.kind, address: resolved.address }], now);
        }
      });
      result.sent++;
      deps.observe?.sent(row.channel_id);
      deps.logger.info(
        {
          outboxId: row.id,
          channel: row.channel_id,
          ticket: message.ticket.number,
          purpose: message.purpose,
          externalId: receipt.externalId,
          attempt: row.attempts,
        },
        'message sent',
      );
      await deps.onSent?.(row, message);
    } catch (err) {
      const code = err instanceof ChannelError || err instanceof PolicyError ? err.code : 'internal_error';
      const retryable = err instanceof ChannelError ? err.retryable : !(err instanceof PolicyError);
      const text = err instanceof Error ? err.message : String(err);
      const decision = decideRetry(cfg, row.attempts, retryable, Math.random, err instanceof ChannelError ? err.retryAfterMs : undefined);
      deps.logger.warn(
        {
          outboxId: row.id,
          channel: row.channel_id,
          ticket: message.ticket.number,
          purpose: message.purpose,
          code,
          attempt: row.attempts,
          retry: decision.retry,
          error: text.slice(0, 300),
        },
        decision.retry ? 'send failed, will retry' : 'message failed',
      );
      deps.observe?.failed(row.channel_id, code, text, !decision.retry);
      if (decision.retry) {
        const now = deps.clock.now();
        await markRetry(db, row.id, worker, now + decision.delayMs, code, text.slice(0, 2000), now);
        await recordOutboundError(db, row.message_id, code, text);
        result.retried++;
      } else {
        await fail(row, code, text);
        result.failed++;
      }
    }
  }

  async function runOnce(): Promise<DispatchResult> {
    const result: DispatchResult = { sent: 0, failed: 0, retried: 0 };
    const rows = await db
      .transaction()
      .execute((trx) => claimDueOutbox(trx, deps.database.dialect, worker, deps.clock.now(), cfg.batchSize, cfg.claimTtlMs));
    // Different channels in parallel, one channel's rows in order (a thread stays in order).
    const byChannel = new Map<string, OutboxRow[]>();
    for (const r of rows) byChannel.set(r.channel_id, [...(byChannel.get(r.channel_id) ?? []), r]);
    await Promise.all(
      [...byChannel.values()].map(async (list) => {
        for (const row of list) {
          try {
            await processRow(row, result);
          } catch (err) {
            deps.logger.error({ err, outboxId: row.id }, 'outbox row could not be processed');
          }
        }
      }),
    );
    return result;
  }

  const loop = createPollingLoop<DispatchResult>({
    runOnce,
    empty: () => ({ sent: 0, failed: 0, retried: 0 }),
    // Idle: sleep until the next retry is due, at most one poll interval (another gateway may queue).
    idleDelayMs: async () => {
      const due = await nextDueAt(db);
      return due === undefined ? cfg.pollIntervalMs : Math.min(cfg.pollIntervalMs, Math.max(0, due - deps.clock.now()));
    },
    onError: (err) => deps.logger.error({ err }, 'outbox loop error'),
    errorDelayMs: cfg.pollIntervalMs,
  });

  return loop;
}
