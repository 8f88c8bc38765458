import { decideMatch, type MatchFacts, type TicketFact } from './match.js';

const HOUR = 3600_000;
const NOW = 1_800_000_000_000;
const t = (over: Partial<TicketFact> = {}): TicketFact => ({
  id: 'T1',
  number: 10001,
  status: 'open',
  closedAt: null,
  senderIsParticipant: true,
  ...over,
});
const facts = (over: Partial<MatchFacts> = {}): MatchFacts => ({
  threading: 'email',
  senderIsAgent: false,
  referenced: [],
  signed: [],
  numbered: [],
  unknownNumbers: [],
  now: NOW,
  reopenWindowHours: 168,
  ...over,
});

describe('decideMatch', () => {
  const cases: Array<[string, Partial<MatchFacts>, Record<string, unknown>]> = [
    ['nothing known -> new ticket', {}, { kind: 'new', matchedBy: 'new_ticket' }],
    [
      'thread reference wins',
      { referenced: [t({ id: 'A' })], numbered: [t({ id: 'B' })] },
      { kind: 'append', matchedBy: 'thread_reference' },
    ],
    [
      'a stranger holding a Message-ID of the thread gets a new ticket recording it',
      { referenced: [t({ senderIsParticipant: false })] },
      { kind: 'new', matchedBy: 'new_ticket', mentionedNumber: 10001 },
    ],
    [
      'a stranger holding our signed id gets a new ticket recording it',
      { signed: [t({ senderIsParticipant: false })] },
      { kind: 'new', matchedBy: 'new_ticket', mentionedNumber: 10001 },
    ],
    [
      'a bounce referencing the thread lands on it (shown, never acted on)',
      { automatic: true, referenced: [t({ senderIsParticipant: false })] },
      { kind: 'append', matchedBy: 'thread_reference' },
    ],
    [
      'an agent referencing the thread lands on it',
      { senderIsAgent: true, referenced: [t({ senderIsParticipant: false })] },
      { kind: 'append', matchedBy: 'thread_reference' },
    ],
    [
      'a participant (e.g. a Cc recipient) referencing the thread joins it',
      { referenced: [t({ senderIsParticipant: true })] },
      { kind: 'append', matchedBy: 'thread_reference' },
    ],
    ['signed token when references were dropped', { signed: [t()] }, { kind: 'append', matchedBy: 'signed_token' }],
    ['number from the requester', { numbered: [t()] }, { kind: 'append', matchedBy: 'ticket_number' }],
    [
      'number from a stranger -> new ticket that records it',
      { numbered: [t({ senderIsParticipant: false })] },
      { kind: 'new', matchedBy: 'new_ticket', mentionedNumber: 10001 },
    ],
    [
      'number from an agent',
      { senderIsAgent: true, numbered: [t({ senderIsParticipant: false })] },
      { kind: 'append', matchedBy: 'ticket_number' },
    ],
    ['unknown number is only recorded', { unknownNumbers: [99999] }, { kind: 'new', mentionedNumber: 99999 }],
    ['chat: open ticket on the channel', { threading: 'chat', openOnChannel: t() }, { kind: 'append', matchedBy: 'open_ticket' }],
    ['email: no open-ticket guessing', { threading: 'email', openOnChannel: t() }, { kind: 'new' }],
    [
      'chat resume: a plain message soon after a close reopens it',
      { threading: 'chat', resumeWindowHours: 48, closedOnChannel: t({ status: 'closed', closedAt: NOW - 10 * 60_000 }) },
      { kind: 'append', matchedBy: 'open_ticket', reopen: true },
    ],
    [
      'chat resume: after the window, a follow-up linked to it',
      { threading: 'chat', resumeWindowHours: 48, closedOnChannel: t({ status: 'closed', closedAt: NOW - 49 * HOUR }) },
      { kind: 'new', matchedBy: 'follow_up' },
    ],
    [
      'chat resume: the chat window decides, not the email one',
      {
        threading: 'chat',
        resumeWindowHours: 2,
        reopenWindowHours: 168,
        closedOnChannel: t({ status: 'closed', closedAt: NOW - 3 * HOUR }),
      },
      { kind: 'new', matchedBy: 'follow_up' },
    ],
    [
      'email: no resume guessing from a closed ticket',
      { threading: 'email', closedOnChannel: t({ status: 'closed', closedAt: NOW - 60_000 }) },
      { kind: 'new', matchedBy: 'new_ticket' },
    ],
    ['form: existing request', { threading: 'none', existingRequest: t() }, { kind: 'append', matchedBy: 'existing_request' }],
    ['form: solved existing request is not reused', { threading: 'none', existingRequest: t({ status: 'solved' }) }, { kind: 'new' }],
    ['solved ticket reopens', { referenced: [t({ status: 'solved' })] }, { kind: 'append', reopen: true }],
    ['closed within window reopens', { referenced: [t({ status: 'closed', closedAt: NOW - 2 * HOUR })] }, { kind: 'append', reopen: true }],
    [
      'closed past window -> follow-up',
      { referenced: [t({ status: 'closed', closedAt: NOW - 200 * HOUR })] },
      { kind: 'new', matchedBy: 'follow_up' },
    ],
    ['open ticket does not reopen', { referenced: [t({ status: 'pending' })] }, { kind: 'append', reopen: false }],
  ];
  test.each(cases)('%s', (_name, over, expected) => {
    expect(decideMatch(facts(over))).toMatchObject(expected);
  });

  test('follow-up links the old ticket', () => {
    const old = t({ id: 'OLD', status: 'closed', closedAt: NOW - 1000 * HOUR });
    const d = decideMatch(facts({ threading: 'chat', openOnChannel: undefined, referenced: [old] }));
    expect(d).toEqual({ kind: 'new', matchedBy: 'follow_up', followUpOf: old });
  });
});
