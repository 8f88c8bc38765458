/** Agent replies and notes from the API. One transaction: message (+ outbox row when public), status, times. */
import type { Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import type { Database } from '../db/database.js';
import type { Agent } from '../db/repositories/agent.repository.js';
import { getAttachment } from '../db/repositories/message.repository.js';
import { getTicketByNumber, updateTicket } from '../db/repositories/ticket.repository.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { statusAfterAgentReply } from '../domain/ticket-status.js';
import { queueOutbound, storeInternal } from './outbound-queue.js';
import { resolveCustomerRoute } from './reply-route.js';
import { changeStatus } from './ticket-changes.js';
import type { TicketEvents } from './ticket-events.js';
import { redeemUploadToken } from './upload-redeem.js';

export interface ReplyInput {
  ticketNumber: number;
  body: string;
  visibility: 'public' | 'internal';
  /** Ids of attachments already stored (uploaded or from another message). */
  attachmentIds?: string[] | undefined;
  /** Set the status in the same step (e.g. reply and mark solved). */
  status?: 'open' | 'pending' | 'solved' | 'closed' | undefined;
  template?: { name: string; language: string; params: string[] } | undefined;
}

export interface ReplyDeps {
  database: Database;
  channels: ChannelDirectory;
  events: TicketEvents;
  clock: Clock;
  /** Verifies upload tokens (see upload-token.ts). */
  uploadKey: Buffer;
}

export async function createAgentReply(
  deps: ReplyDeps,
  agent: Agent,
  input: ReplyInput,
): Promise<{ messageId: string; ticketNumber: number; deliveryStatus: string | null; channelId: string | null; visibility: string }> {
  const now = deps.clock.now();
  return deps.database.kysely.transaction().execute(async (trx) => {
    let ticket = await getTicketByNumber(trx, input.ticketNumber);
    if (!ticket) throw new NotFoundError('ticket', `#${input.ticketNumber}`);
    const attachments = [];
    for (const [i, id] of (input.attachmentIds ?? []).entries()) {
      if (id.startsWith('up_')) {
        // Bound to the uploading agent, single use (recorded in this transaction).
        attachments.push(await redeemUploadToken(trx, deps.uploadKey, id, agent.id, now, `body.attachments[${i}]`));
        continue;
      }
      const a = await getAttachment(trx, id);
      if (!a)
        throw new ValidationError('unknown attachment', [{ path: `body.attachments[${i}]`, message: `attachment ${id} does not exist` }]);
      attachments.push({ blobKey: a.blob_key, filename: a.filename, contentType: a.content_type, size: Number(a.size) });
    }
    const actor = { type: 'agent' as const, id: agent.id };
    if (input.visibility === 'internal') {
      const messageId = await storeInternal(
        trx,
        { ticket, text: input.body, authorType: 'agent', authorAgentId: agent.id, purpose: 'note', attachments },
        now,
      );
      await deps.events.emit(trx, 'note.added', {
        ticket,
        messageId,
        agentId: agent.id,
        visibility: 'internal',
        fromBusinessDevice: false,
        now,
      });
      if (input.status) await changeStatus(trx, deps.events, ticket, input.status, actor, now);
      return { messageId, ticketNumber: ticket.number, deliveryStatus: null, channelId: null, visibility: 'internal' };
    }
    if (ticket.status === 'closed')
      throw new ConflictError(`ticket #${ticket.number} is closed; the customer's next message opens a follow-up`, 'ticket_closed');
    const route = await resolveCustomerRoute(trx, deps.channels, ticket);
    if (!route) throw new ConflictError(`ticket #${ticket.number} has no channel that can reach the customer`, 'no_route');
    const { messageId } = await queueOutbound(
      trx,
      {
        ticket,
        route,
        text: input.body,
        purpose: 'reply',
        visibility: 'public',
        authorType: 'agent',
        authorAgentId: agent.id,
        attachments,
        ...(input.template ? { metadata: { template: input.template } } : {}),
      },
      now,
    );
    await updateTicket(trx, ticket.id, {
      updated_at: now,
      last_agent_reply_at: now,
      ...(ticket.firstResponseAt ? {} : { first_response_at: now }),
    });
    ticket = { ...ticket, lastAgentReplyAt: now, firstResponseAt: ticket.firstResponseAt ?? now };
    const target = input.status ?? statusAfterAgentReply(ticket.status);
    if (target !== ticket.status) ticket = await changeStatus(trx, deps.events, ticket, target, actor, now, { withReply: true });
    await deps.events.emit(trx, 'reply.queued', {
      ticket,
      messageId,
      agentId: agent.id,
      visibility: 'public',
      fromBusinessDevice: false,
      now,
    });
    return { messageId, ticketNumber: ticket.number, deliveryStatus: 'queued', channelId: route.channelId, visibility: 'public' };
  });
}
