import { canChangeStatus, statusAfterAgentReply, statusAfterCustomerMessage } from './ticket-status.js';
import type { TicketStatus } from './model.js';

describe('status transitions', () => {
  test.each<[TicketStatus, TicketStatus]>([
    ['new', 'new'],
    ['open', 'open'],
    ['pending', 'open'],
    ['solved', 'open'],
    ['closed', 'open'],
  ])('customer message on %s -> %s', (from, to) => expect(statusAfterCustomerMessage(from)).toBe(to));

  test.each<[TicketStatus, TicketStatus]>([
    ['new', 'pending'],
    ['open', 'pending'],
    ['pending', 'pending'],
    ['solved', 'solved'],
  ])('public agent reply on %s -> %s', (from, to) => expect(statusAfterAgentReply(from)).toBe(to));

  test('closed is final for manual changes, nothing returns to new', () => {
    expect(canChangeStatus('closed', 'open').ok).toBe(false);
    expect(canChangeStatus('open', 'new').ok).toBe(false);
    expect(canChangeStatus('pending', 'solved').ok).toBe(true);
    expect(canChangeStatus('solved', 'closed').ok).toBe(true);
  });
});
