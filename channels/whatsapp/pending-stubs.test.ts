import { PENDING_KEEP_MS, placeholderDelay, resumeDecision, type PendingStub } from './pending-stubs.js';

const stub = (over: Partial<PendingStub> = {}): PendingStub => ({
  since: 1_000,
  placeholder: { externalId: 'X', from: { kind: 'whatsapp', address: '1@s.whatsapp.net' }, text: '' },
  ...over,
});

describe('pending stubs', () => {
  test('after a restart: a stub not yet shown waits on; a shown one stays unresolved for a week, then is forgotten', () => {
    expect(resumeDecision(stub(), 10 * PENDING_KEEP_MS)).toBe('schedule');
    expect(resumeDecision(stub({ placeholderIngested: true }), 1_000 + PENDING_KEEP_MS)).toBe('unresolved');
    expect(resumeDecision(stub({ placeholderIngested: true }), 1_001 + PENDING_KEEP_MS)).toBe('expire');
  });

  test('the placeholder is due timeout after the stub arrived; overdue ones fire at once', () => {
    expect(placeholderDelay(1_000, 60_000, 1_000)).toBe(60_000);
    expect(placeholderDelay(1_000, 60_000, 31_000)).toBe(30_000);
    expect(placeholderDelay(1_000, 60_000, 999_999)).toBe(0);
  });
});
