/**
 * Delivery fallback: when the customer's channel refuses a message for good (WhatsApp's 24-hour
 * window closed, an unreachable number, any permanent failure), the same message goes out on the
 * requester's next channel that can reach them, in the configured order, and the message records
 * which channel carried it and why. "The chat answer is sent by email when the customer left."
 * Runs inside the dispatcher's failure transaction; only rows, no network I/O.
 */
import type { ChannelDirectory } from '../channel/directory.js';
import type { PonteConfig } from '../config/schema.js';
import type { Executor } from '../db/database.js';
import { identitiesOf } from '../db/repositories/contact.repository.js';
import { rerouteOutbound } from '../db/repositories/message-delivery.repository.js';
import { enqueue } from '../db/repositories/outbox.repository.js';
import { getTicketById } from '../db/repositories/ticket.repository.js';
import type { MessageRow } from '../db/tables.js';
import type { Address, MessagePurpose } from '../domain/model.js';

/** What a customer must receive one way or another; notifications to agents and internal rows never fall back. */
const CUSTOMER_FACING: ReadonlySet<MessagePurpose> = new Set(['reply', 'auto_ack', 'out_of_hours', 'reminder', 'status_notice']);

export interface FallbackPlan {
  channelId: string;
  recipient: Address;
}

/** Pure: the next channel (not tried yet, in order) that can deliver to one of the requester's identities. */
export function pickFallback(
  order: readonly string[],
  tried: readonly string[],
  channels: ReadonlyArray<{ id: string; canSend: boolean; deliversTo: readonly string[] }>,
  identities: readonly Address[],
): FallbackPlan | undefined {
  const byId = new Map(channels.map((c) => [c.id, c]));
  for (const id of order) {
    const c = byId.get(id);
    if (!c || !c.canSend || tried.includes(id)) continue;
    for (const kind of c.deliversTo) {
      const identity = identities.find((i) => i.kind === kind);
      if (identity) return { channelId: id, recipient: identity };
    }
  }
  return undefined;
}

/** Re-routes a failed customer message to its fallback channel; false when there is none. */
export async function rerouteFailed(
  trx: Executor,
  deps: { channels: ChannelDirectory; config: PonteConfig },
  msg: MessageRow,
  failure: { channelId: string; code: string; message: string },
  now: number,
): Promise<FallbackPlan | undefined> {
  if (!deps.config.delivery.fallback) return undefined;
  if (msg.visibility !== 'public' || !CUSTOMER_FACING.has(msg.purpose as MessagePurpose)) return undefined;
  const ticket = await getTicketById(trx, msg.ticket_id);
  if (!ticket) return undefined;
  const meta = JSON.parse(msg.metadata) as Record<string, unknown> & { fallbacks?: Array<{ from: string; code: string; at: number }> };
  const tried = [...(meta.fallbacks ?? []).map((f) => f.from), failure.channelId];
  const all = deps.channels.list();
  const order = deps.config.delivery.fallbackOrder ?? all.map((c) => c.id);
  const plan = pickFallback(
    order,
    tried,
    all.map((c) => ({ id: c.id, canSend: c.capabilities.canSend, deliversTo: c.capabilities.deliversTo })),
    (await identitiesOf(trx, ticket.requesterId)).map((i) => ({ kind: i.kind as Address['kind'], address: i.address })),
  );
  if (!plan) return undefined;
  const fallbacks = [...(meta.fallbacks ?? []), { from: failure.channelId, code: failure.code, at: now }];
  await rerouteOutbound(
    trx,
    msg.id,
    { channelId: plan.channelId, recipient: plan.recipient, metadata: JSON.stringify({ ...meta, fallbacks, cc: undefined }) },
    { code: failure.code, message: `${failure.channelId}: ${failure.message}` },
  );
  await enqueue(trx, { messageId: msg.id, channelId: plan.channelId, dueAt: now }, now);
  return plan;
}
