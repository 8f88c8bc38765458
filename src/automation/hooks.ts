/**
 * Follow-ups the core asks for inside its transactions: acknowledgements, agent notifications,
 * customer status notices, timers. Implementations queue rows (outbox, timers) with the given
 * executor and never do network I/O. The core calls every hook; a no-op set is the default.
 */
import type { Executor } from '../db/database.js';
import type { Ticket } from '../domain/ticket.js';
import type { Classification, TicketStatus } from '../domain/model.js';

export interface CustomerMessageEvent {
  ticket: Ticket;
  messageId: string;
  channelId: string;
  created: boolean;
  classification: Classification;
  senderAddress: string;
  /** The text the agents should see (the reply part). */
  text: string;
  now: number;
  /** No greeting (acknowledgement, out-of-hours) to the sender: a ticket flagged for review. */
  quiet?: boolean | undefined;
}

export interface UnknownContactEvent {
  ticket: Ticket;
  channelId: string;
  now: number;
}

export interface AgentMessageEvent {
  ticket: Ticket;
  messageId: string;
  agentId: string | null;
  visibility: 'public' | 'internal';
  /** Typed on the merchant's phone: no notification, no timers beyond the status. */
  fromBusinessDevice: boolean;
  now: number;
}

export interface StatusChangeEvent {
  ticket: Ticket;
  from: TicketStatus;
  to: TicketStatus;
  actor: { type: 'customer' | 'agent' | 'system'; id?: string | null | undefined };
  now: number;
  /** The change came with an agent's public reply: the reply is the customer's update. */
  withReply?: boolean | undefined;
}

/** The ticket's assignee changed (API patch, console): integrations hear `ticket.assigned`. */
export interface AssigneeChangeEvent {
  ticket: Ticket;
  from: string | null;
  to: string | null;
  actor: { type: 'customer' | 'agent' | 'system'; id?: string | null | undefined };
  now: number;
}

export type ClaimCodeResult =
  | { ok: true; channelId: string; to: string; expiresAt: number }
  | { ok: false; reason: 'unknown_claim' | 'already_linked' | 'no_channel' };

export interface AutomationHooks {
  onCustomerMessage(db: Executor, event: CustomerMessageEvent): Promise<void>;
  onAgentMessage(db: Executor, event: AgentMessageEvent): Promise<void>;
  onStatusChange(db: Executor, event: StatusChangeEvent): Promise<void>;
  /** A sender nobody knows wrote on a `knownContactsOnly: reply` channel: the polite template, capped. */
  onUnknownContact(db: Executor, event: UnknownContactEvent): Promise<void>;
  /** Optional: implemented by the webhook events (src/webhooks/webhook-hooks.ts). */
  onAssigneeChange?(db: Executor, event: AssigneeChangeEvent): Promise<void>;
  /** Sends a one-time code to the identity a claim names; replying with it links the identity to the requester. */
  sendClaimCode(db: Executor, ticket: Ticket, claimId: string, now: number): Promise<ClaimCodeResult>;
}

export const noAutomation: AutomationHooks = {
  onCustomerMessage: async () => {},
  onAgentMessage: async () => {},
  onStatusChange: async () => {},
  onUnknownContact: async () => {},
  sendClaimCode: async () => ({ ok: false, reason: 'no_channel' }),
};
