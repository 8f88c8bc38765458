/**
 * Typed ticket events. The ticket use cases and the ingest spine emit them inside their
 * transaction, after the change is written; listeners (automation, webhook events, the event
 * log) get the same executor and only write rows (outbox messages, timers, webhook events) or
 * log lines, never network I/O: a listener that throws rolls the change back with it.
 * Listeners run in the order they were added, one after another.
 */
import type { Executor } from '../db/database.js';
import type { Classification, TicketStatus } from '../domain/model.js';
import type { Ticket } from '../domain/ticket.js';

export type EventActor = { type: 'customer' | 'agent' | 'system'; id?: string | null | undefined };

/** A customer's message opened this ticket (emitted just before its `message.received`). */
export interface TicketCreatedEvent {
  ticket: Ticket;
  messageId: string;
  channelId: string;
  now: number;
}

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

/** A sender nobody knows wrote on a `knownContactsOnly: reply` channel. */
export interface UnknownContactEvent {
  ticket: Ticket;
  channelId: string;
  now: number;
}

/** An agent's public reply (queued in the outbox) or internal note. */
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
  actor: EventActor;
  now: number;
  /** The change came with an agent's public reply: the reply is the customer's update. */
  withReply?: boolean | undefined;
}

export interface AssigneeChangeEvent {
  ticket: Ticket;
  from: string | null;
  to: string | null;
  actor: EventActor;
  now: number;
}

export interface TicketEventMap {
  'ticket.created': TicketCreatedEvent;
  'message.received': CustomerMessageEvent;
  'contact.unknown': UnknownContactEvent;
  /** Public: `visibility` is always 'public'. */
  'reply.queued': AgentMessageEvent;
  /** Internal: `visibility` is always 'internal'. */
  'note.added': AgentMessageEvent;
  'status.changed': StatusChangeEvent;
  'assignee.changed': AssigneeChangeEvent;
}

export type TicketEventType = keyof TicketEventMap;
export type TicketEventListener<K extends TicketEventType> = (db: Executor, event: TicketEventMap[K]) => Promise<void> | void;

export interface TicketEvents {
  /** Adds a listener; returns its removal. */
  on<K extends TicketEventType>(type: K, listener: TicketEventListener<K>): () => void;
  emit<K extends TicketEventType>(db: Executor, type: K, event: TicketEventMap[K]): Promise<void>;
}

export function createTicketEvents(): TicketEvents {
  const listeners = new Map<TicketEventType, Array<TicketEventListener<any>>>();
  return {
    on(type, listener) {
      const list = listeners.get(type) ?? [];
      listeners.set(type, [...list, listener]);
      return () =>
        listeners.set(
          type,
          (listeners.get(type) ?? []).filter((l) => l !== listener),
        );
    },
    async emit(db, type, event) {
      for (const listener of listeners.get(type) ?? []) await listener(db, event);
    },
  };
}

/** A reply or a note, by its visibility. */
export function agentMessageEvent(e: AgentMessageEvent): 'reply.queued' | 'note.added' {
  return e.visibility === 'public' ? 'reply.queued' : 'note.added';
}
