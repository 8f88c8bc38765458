/**
 * Where a reply to the customer goes: a channel and an `Address` it delivers to. Read-only; runs
 * with the caller's executor.
 */
import type { ChannelDirectory } from '../channel/directory.js';
import type { Executor } from '../db/database.js';
import { identitiesOf } from '../db/repositories/contact.repository.js';
import { latestInboundOnChannel } from '../db/repositories/message.repository.js';
import { participantEmailAddresses } from '../db/repositories/ticket.repository.js';
import type { Address, IdentityKind } from '../domain/model.js';
import type { Ticket } from '../domain/ticket.js';

export interface Route {
  channelId: string;
  recipient: Address;
  /** Email participants who get a copy; never replace the requester. */
  cc?: Address[] | undefined;
}

/**
 * The customer's channel for this ticket: the channel they last wrote on (a web form's replies
 * go through its `replyVia` channel), answered at the address the *requester* wrote from there
 * (always reply to the WhatsApp JID that wrote), else the requester's identity the channel can
 * deliver to. A participant's message never redirects the answer: a Cc'd person who replied
 * once used to receive the agent's next answer instead of the requester.
 */
export async function resolveCustomerRoute(db: Executor, channels: ChannelDirectory, ticket: Ticket): Promise<Route | undefined> {
  const route = await requesterRoute(db, channels, ticket);
  if (!route || route.recipient.kind !== 'email') return route;
  const cc = await participantEmails(db, ticket, route.recipient.address);
  return cc.length ? { ...route, cc } : route;
}

/** Email addresses of the ticket's participants (not the requester), for Cc. */
async function participantEmails(db: Executor, ticket: Ticket, exclude: string): Promise<Address[]> {
  const rows = await participantEmailAddresses(db, ticket.id, ticket.requesterId, 20);
  const seen = new Set([exclude.toLowerCase()]);
  const out: Address[] = [];
  for (const address of rows) {
    const a = address.toLowerCase();
    if (seen.has(a)) continue;
    seen.add(a);
    out.push({ kind: 'email', address: a });
  }
  return out;
}

async function requesterRoute(db: Executor, channels: ChannelDirectory, ticket: Ticket): Promise<Route | undefined> {
  const candidates = [ticket.lastCustomerChannelId, ticket.originChannelId];
  for (const channelId of candidates) {
    const entry = channels.get(channelId);
    if (!entry) continue;
    const target = entry.capabilities.canSend ? entry : entry.replyVia ? channels.get(entry.replyVia) : undefined;
    if (!target || !target.capabilities.canSend) continue;
    if (target.id === channelId) {
      const last = await latestInboundOnChannel(db, ticket.id, channelId, ticket.requesterId);
      // The identity kind that wrote it is the message's own column (filled for older rows by
      // migration 20261130T1400), no longer a JSON field parsed back.
      const senderKind = last?.sender_kind as IdentityKind | null | undefined;
      if (last?.sender_address && senderKind && target.capabilities.deliversTo.includes(senderKind)) {
        return { channelId: target.id, recipient: { kind: senderKind, address: last.sender_address } };
      }
    }
    const identities = await identitiesOf(db, ticket.requesterId);
    for (const kind of target.capabilities.deliversTo) {
      const id = identities.find((i) => i.kind === kind);
      if (id) return { channelId: target.id, recipient: { kind, address: id.address } };
    }
  }
  return undefined;
}
