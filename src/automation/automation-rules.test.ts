import { whatsappIdentityKinds } from '../../channels/whatsapp-shared/identity-kinds.js';
import { identityLookups } from '../channel/directory.js';
import {
  agentRecipient,
  decideGreeting,
  displayAddress,
  duesAfterCustomerMessage,
  type GreetingFacts,
  notificationTargets,
  timerApplies,
  timersForStatus,
  underAutomaticCap,
} from './automation-rules.js';

const H = 3_600_000;
const NOW = 1_800_000_000_000;

describe('timersForStatus', () => {
  const settings = { pendingTimeout: { enabled: true, hours: 48, action: 'solved' as const, reminderHours: 24 }, solvedToClosedHours: 24 };
  test.each([
    [
      'pending: reminder then timeout',
      settings,
      'pending',
      [
        { kind: 'pending_reminder', dueAt: NOW + 24 * H },
        { kind: 'pending_timeout', dueAt: NOW + 48 * H },
      ],
    ],
    [
      'pending without reminder',
      { ...settings, pendingTimeout: { ...settings.pendingTimeout, reminderHours: undefined } },
      'pending',
      [{ kind: 'pending_timeout', dueAt: NOW + 48 * H }],
    ],
    [
      'a reminder after the timeout is pointless',
      { ...settings, pendingTimeout: { ...settings.pendingTimeout, reminderHours: 60 } },
      'pending',
      [{ kind: 'pending_timeout', dueAt: NOW + 48 * H }],
    ],
    ['pending timeout disabled', { ...settings, pendingTimeout: { ...settings.pendingTimeout, enabled: false } }, 'pending', []],
    ['solved closes later', settings, 'solved', [{ kind: 'solved_close', dueAt: NOW + 24 * H }]],
    ['solved stays solved with 0 hours', { ...settings, solvedToClosedHours: 0 }, 'solved', []],
    ['open has no timers', settings, 'open', []],
    ['closed has no timers', settings, 'closed', []],
  ] as const)('%s', (_name, s, to, schedule) => {
    const plan = timersForStatus(s, to, NOW);
    expect(plan.schedule).toEqual(schedule);
    expect(plan.cancel).toEqual(['pending_reminder', 'pending_timeout', 'solved_close']);
  });
});

describe('timerApplies', () => {
  const created = NOW;
  test.each([
    [
      'pending timeout on a still-pending ticket',
      'pending_timeout',
      { status: 'pending', statusChangedAt: NOW, lastCustomerMessageAt: NOW - H },
      true,
    ],
    [
      'the customer answered after the timer was set',
      'pending_timeout',
      { status: 'pending', statusChangedAt: NOW, lastCustomerMessageAt: NOW + 1 },
      false,
    ],
    ['the ticket moved on', 'pending_reminder', { status: 'open', statusChangedAt: NOW + H, lastCustomerMessageAt: null }, false],
    ['solved close on a solved ticket', 'solved_close', { status: 'solved', statusChangedAt: NOW, lastCustomerMessageAt: null }, true],
    [
      'solved again later: the newer timer decides',
      'solved_close',
      { status: 'solved', statusChangedAt: NOW + H, lastCustomerMessageAt: null },
      false,
    ],
  ] as const)('%s', (_name, kind, ticket, expected) => {
    expect(timerApplies(kind, ticket, created)).toBe(expected);
  });
});

describe('decideGreeting', () => {
  const base: GreetingFacts = {
    created: true,
    classification: 'customer',
    ackEnabled: true,
    outOfHours: false,
    greetedBefore: false,
    lastOutOfHoursBackAt: undefined,
    now: NOW,
    contactGreetingsLastHour: 0,
    capPerContactPerHour: 3,
  };
  test.each([
    ['a new ticket is acknowledged', {}, { kind: 'ack' }],
    ['an auto-reply never is', { classification: 'auto_reply' }, { kind: 'none', reason: 'not_customer' }],
    ['a bounce never is', { classification: 'bounce' }, { kind: 'none', reason: 'not_customer' }],
    ['at most one per ticket', { greetedBefore: true }, { kind: 'none', reason: 'already_greeted' }],
    ['acknowledgements off', { ackEnabled: false }, { kind: 'none', reason: 'ack_disabled' }],
    ['a message on an existing ticket in hours', { created: false }, { kind: 'none', reason: 'existing_ticket' }],
    ['the per-contact cap', { contactGreetingsLastHour: 3 }, { kind: 'none', reason: 'contact_cap' }],
    ['out of hours replaces the acknowledgement', { outOfHours: true }, { kind: 'out_of_hours' }],
    ['out of hours even with acknowledgements off', { outOfHours: true, ackEnabled: false }, { kind: 'out_of_hours' }],
    ['out of hours, existing ticket, first time this night', { outOfHours: true, created: false }, { kind: 'out_of_hours' }],
    [
      'out of hours, existing ticket, already told this night',
      { outOfHours: true, created: false, lastOutOfHoursBackAt: NOW + 8 * H },
      { kind: 'none', reason: 'out_of_hours_already_sent' },
    ],
    [
      'out of hours, existing ticket, told on an earlier night',
      { outOfHours: true, created: false, lastOutOfHoursBackAt: NOW - 16 * H },
      { kind: 'out_of_hours' },
    ],
    ['out of hours is capped too', { outOfHours: true, contactGreetingsLastHour: 5 }, { kind: 'none', reason: 'contact_cap' }],
  ] as const)('%s', (_name, over, expected) => {
    expect(decideGreeting({ ...base, ...over })).toEqual(expected);
  });

  test('the global cap counts the last hour strictly', () => {
    expect(underAutomaticCap(9, 10)).toBe(true);
    expect(underAutomaticCap(10, 10)).toBe(false);
  });
});

describe('notification targets and routes', () => {
  const ana = { id: 'a', email: 'ana@loja.example', phone: null, active: true, notifyChannelId: 'mail' };
  const bia = { id: 'b', email: null, phone: '+5511900000002', active: true, notifyChannelId: 'zap' };
  const old = { id: 'c', email: 'old@loja.example', phone: null, active: false, notifyChannelId: 'mail' };
  test.each([
    ['the assignee only', 'b', ['b']],
    ['everyone active when unassigned', null, ['a', 'b']],
    ['everyone active when the assignee left', 'c', ['a', 'b']],
  ])('%s', (_name, assignee, ids) => {
    expect(notificationTargets([ana, bia, old], assignee).map((a) => a.id)).toEqual(ids);
  });

  test.each([
    ['email agent on a mail channel', ana, { canSend: true, deliversTo: ['email'] }, { kind: 'email', address: 'ana@loja.example' }],
    [
      'phone agent on a channel that takes phone numbers',
      bia,
      { canSend: true, deliversTo: ['whatsapp', 'phone'] },
      { kind: 'phone', address: '+5511900000002' },
    ],
    [
      'phone agent on a JID-only channel',
      bia,
      {
        canSend: true,
        deliversTo: ['whatsapp'],
        phoneAliases: (p: string) => [{ kind: 'whatsapp' as const, address: `${p.slice(1)}@s.whatsapp.net` }],
      },
      { kind: 'whatsapp', address: '5511900000002@s.whatsapp.net' },
    ],
    ['phone agent on a channel with neither phones nor aliases', bia, { canSend: true, deliversTo: ['whatsapp'] }, undefined],
    ['email agent on a WhatsApp channel', ana, { canSend: true, deliversTo: ['whatsapp', 'phone'] }, undefined],
    ['a channel that cannot send', ana, { canSend: false, deliversTo: ['email'] }, undefined],
    ['no channel', ana, undefined, undefined],
  ] as const)('%s', (_name, agent, channel, expected) => {
    expect(agentRecipient(agent, channel)).toEqual(expected);
  });
});

describe('duesAfterCustomerMessage', () => {
  const add = (t: number, ms: number) => t + ms * 2; // a stand-in calendar: half the time is open
  const sla = { firstResponseHours: 4, nextResponseHours: 8 };
  const fresh = { firstResponseAt: null, firstResponseDueAt: null, nextResponseDueAt: null };
  test.each([
    ['a new ticket owes a first response', sla, fresh, true, { first_response_due_at: NOW + 8 * H }],
    ['no first-response SLA configured', { nextResponseHours: 8 }, fresh, true, {}],
    ['unanswered ticket keeps its first deadline', sla, { ...fresh, firstResponseDueAt: NOW + H }, false, {}],
    ['unanswered ticket whose deadline was cleared gets one again', sla, fresh, false, { first_response_due_at: NOW + 8 * H }],
    ['answered ticket owes a next response', sla, { ...fresh, firstResponseAt: NOW - H }, false, { next_response_due_at: NOW + 16 * H }],
    [
      'a second unanswered message keeps the earlier deadline',
      sla,
      { firstResponseAt: NOW - H, firstResponseDueAt: null, nextResponseDueAt: NOW + H },
      false,
      {},
    ],
  ] as const)('%s', (_name, s, ticket, created, expected) => {
    expect(duesAfterCustomerMessage(s, ticket, created, NOW, add)).toEqual(expected);
  });
});

test.each([
  ['5511987654321@s.whatsapp.net', '+5511987654321'],
  ['maria@example.com', 'maria@example.com'],
  ['203948571620394@lid', '203948571620394@lid'],
])('displayAddress(%s) = %s', (input, expected) => {
  // The phone rule comes from the WhatsApp channel kinds, through the directory.
  expect(displayAddress(input, identityLookups([{ kind: 'whatsapp', identityKinds: whatsappIdentityKinds } as never]).phoneOf)).toBe(
    expected,
  );
});
