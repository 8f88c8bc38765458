import { createTicketEvents } from './ticket-events.js';

describe('ticket events', () => {
  const db = {} as never;
  test('listeners run in the order they were added, each once per emit, and can be removed', async () => {
    const events = createTicketEvents();
    const heard: string[] = [];
    events.on('assignee.changed', async (_db, e) => void heard.push(`a:${e.to}`));
    const off = events.on('assignee.changed', (_db, e) => void heard.push(`b:${e.to}`));
    await events.emit(db, 'assignee.changed', { ticket: {} as never, from: null, to: 'ag1', actor: { type: 'agent' }, now: 1 });
    off();
    await events.emit(db, 'assignee.changed', { ticket: {} as never, from: 'ag1', to: 'ag2', actor: { type: 'agent' }, now: 2 });
    await events.emit(db, 'status.changed', { ticket: {} as never, from: 'new', to: 'open', actor: { type: 'agent' }, now: 3 });
    expect(heard).toEqual(['a:ag1', 'b:ag1', 'a:ag2']);
  });

  test("a listener's error reaches the emitter (the change rolls back with it)", async () => {
    const events = createTicketEvents();
    events.on('note.added', () => {
      throw new Error('listener failed');
    });
    await expect(
      events.emit(db, 'note.added', {
        ticket: {} as never,
        messageId: 'm',
        agentId: null,
        visibility: 'internal',
        fromBusinessDevice: false,
        now: 1,
      }),
    ).rejects.toThrow('listener failed');
  });
});
