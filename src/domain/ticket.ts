/** A ticket as the core reads it: rows become this at the repository boundary (toTicket). */
import type { Priority, TicketStatus } from './model.js';

export interface Ticket {
  id: string;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  reference: string | null;
  origin: string | null;
  customFields: Record<string, string>;
  requesterId: string;
  assigneeId: string | null;
  originChannelId: string;
  lastCustomerChannelId: string;
  locale: string;
  mentionedTicketNumber: number | null;
  followUpOf: string | null;
  createdAt: number;
  updatedAt: number;
  firstResponseAt: number | null;
  solvedAt: number | null;
  closedAt: number | null;
  statusChangedAt: number;
  lastCustomerMessageAt: number | null;
  lastAgentReplyAt: number | null;
  firstResponseDueAt: number | null;
  nextResponseDueAt: number | null;
}
