/**
 * Support automations: acknowledgements and out-of-hours replies, agent notifications,
 * customer status notices, SLA due times and timers (pending → solved/closed, solved → closed).
 *
 * The automations listen to the typed ticket events (src/tickets/ticket-events.ts), inside the
 * transactions that emit them, and only write rows (outbox messages, timers, due times, send
 * counts); the outbox sends later. Timers run in `runTimers()`, each in its own
 * transaction that also completes the claimed timer, so a timer fires once across gateways.
 *
 * One automatic-message cap, durable and shared by every gateway: `automaticMailCapPerHour` per
 * recipient address and kind (the loop breaker: two auto-responders mailing each other through
 * Ponte stop there). Agent notifications count per agent and ticket and are never dropped: past
 * the cap they are batched into one digest sent when the hour is over, so a busy desk is never
 * muted and a ticket that loops with an agent's auto-responder costs one notice an hour. (The
 * email sender once kept its own in-memory cap per address: an agent with six customers in an
 * hour got three notices.)
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import { type PonteConfig, statusLabelsFor } from '../config/schema.js';
import type { Database, Executor } from '../db/database.js';
import { customerWantsUpdate, getContact } from '../db/repositories/contact.repository.js';
import { getTicketById, updateTicket } from '../db/repositories/ticket.repository.js';
import type { Ticket } from '../domain/ticket.js';
import { newId } from '../domain/ids.js';
import type { MessagePurpose } from '../domain/model.js';
import { queueOutbound } from '../tickets/outbound-queue.js';
import { resolveCustomerRoute } from '../tickets/reply-route.js';
import type {
  AgentMessageEvent,
  CustomerMessageEvent,
  StatusChangeEvent,
  TicketEvents,
  UnknownContactEvent,
} from '../tickets/ticket-events.js';
import { UNKNOWN_CONTACT_CATEGORY } from '../domain/model.js';
import type { ClaimCodeSender } from '../trust/claim-code.js';
import { changeStatus } from '../tickets/ticket-changes.js';
import {
  clearedDues,
  decideGreeting,
  duesAfterCustomerMessage,
  type TimerKind,
  timerApplies,
  timersForStatus,
  underAutomaticCap,
} from './automation-rules.js';
import { createAgentNotifications } from './agent-notifications.js';
import { createBusinessCalendar, describeSchedule, formatLocalTime } from './business-hours.js';
import { createClaimCodeSender } from './claim-code-message.js';
import { formatWindow, loadTemplates, type TemplateName, type TemplateValues } from './templates.js';
import { createPollingLoop } from '../outbox/polling-loop.js';
import {
  cancelTimers,
  claimDueTimers,
  completeTimer,
  countAutomaticSends,
  countGreetingsToContact,
  greetingsOfTicket,
  pruneAutomaticSends,
  recordAutomaticSend,
  releaseTimer,
  scheduledTimers,
  scheduleTimer,
  type TimerRow,
} from './timer.repository.js';

export interface Automation {
  /** Sends a one-time code to the identity a claim names; replying with it links the identity to the requester. */
  sendClaimCode: ClaimCodeSender;
  /** Runs due timers once; returns how many fired. */
  runTimers(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export interface AutomationDeps {
  database: Database;
  channels: ChannelDirectory;
  config: PonteConfig;
  clock: Clock;
  logger: Logger;
  /** The automations subscribe here (createAutomation), and emit status changes made by timers. */
  events: TicketEvents;
}

const HOUR = 3_600_000;
const TIMER_BATCH = 50;
const TIMER_CLAIM_TTL_MS = 120_000;
/** Batches per `runTimers()` call: a backlog drains over a few passes, never in one unbounded loop. */
const TIMER_MAX_BATCHES = 20;
const PENDING_TIMEOUT_ACTOR = 'timer:pending_timeout';

/** How to greet someone whose name we don't know. */
const NAMELESS: Record<string, string> = { 'pt-BR': 'cliente', es: 'cliente', en: 'there' };

type CustomerTemplate =
  | 'ack'
  | 'out_of_hours'
  | 'pending_reminder'
  | 'pending_timeout'
  | 'solved_notice'
  | 'closed_notice'
  | 'status_notice';

/**
 * Builds the automations. Reads and checks the templates now: a missing template or an unknown
 * placeholder is a ConfigError at startup.
 */
export function createAutomation(deps: AutomationDeps): Automation {
  const { config, channels, clock, logger } = deps;
  const cfg = config.automation;
  const bh = config.businessHours;
  const templates = loadTemplates(cfg.templatesDir, { fallbackLocale: config.tickets.defaultLocale });
  const calendar = createBusinessCalendar(bh);
  const worker = `${hostname()}:${process.pid}:${newId().slice(-6)}`;
  const notifications = createAgentNotifications({ database: deps.database, config, channels, clock, logger, templates });

  async function fresh(db: Executor, ticket: Ticket): Promise<Ticket> {
    return (await getTicketById(db, ticket.id)) ?? ticket;
  }

  /** How long a message still reopens this ticket once closed: the rule of its customer channel. */
  function reopenWindowHours(ticket: Ticket): number {
    const channel = channels.get(ticket.lastCustomerChannelId);
    const viaReply = channel && !channel.capabilities.canSend && channel.replyVia ? channels.get(channel.replyVia) : channel;
    if (viaReply?.capabilities.threading === 'chat') return channel?.config.resumeWindowHours ?? config.tickets.resumeWindowHours;
    return channel?.config.reopenWindowHours ?? config.tickets.reopenWindowHours;
  }

  function reopenHint(ticket: Ticket): string {
    return templates.render('reopen_hint', ticket.locale, {
      ticket_number: String(ticket.number),
      window: formatWindow(reopenWindowHours(ticket), ticket.locale),
    });
  }

  async function customerValues(db: Executor, ticket: Ticket): Promise<TemplateValues<'ack'>> {
    const contact = await getContact(db, ticket.requesterId);
    const labels = statusLabelsFor(config, ticket.locale);
    return {
      reopen_window: formatWindow(reopenWindowHours(ticket), ticket.locale),
      ticket_number: String(ticket.number),
      requester_name: contact?.name?.trim() || NAMELESS[ticket.locale] || NAMELESS.en!,
      subject: ticket.subject,
      status_label: labels[ticket.status],
      business_hours: describeSchedule(bh, ticket.locale),
      label_new: labels.new,
      label_open: labels.open,
      label_pending: labels.pending,
      label_solved: labels.solved,
      label_closed: labels.closed,
    };
  }

  /**
   * Queues an automatic message to the customer, within the per-address cap. Returns false when
   * it was not queued (no route, or the cap), and says why in the log.
   */
  async function sendToCustomer<N extends CustomerTemplate>(
    db: Executor,
    ticket: Ticket,
    purpose: MessagePurpose,
    name: N,
    extra: Omit<TemplateValues<N>, keyof TemplateValues<'ack'>>,
    now: number,
    metadata: Record<string, unknown> = {},
  ): Promise<boolean> {
    const route = await resolveCustomerRoute(db, channels, ticket);
    if (!route) {
      logger.info({ ticket: ticket.number, template: name }, 'automatic message skipped: no channel reaches the customer');
      return false;
    }
    const key = route.recipient.address.toLowerCase();
    if (!underAutomaticCap(await countAutomaticSends(db, key, now - HOUR, purpose), cfg.automaticMailCapPerHour)) {
      logger.warn(
        { ticket: ticket.number, template: name, cap: cfg.automaticMailCapPerHour },
        'automatic message skipped: hourly cap for this address reached (possible mail loop)',
      );
      return false;
    }
    const values = { ...(await customerValues(db, ticket)), ...extra } as TemplateValues<N>;
    const text = templates.render(name as TemplateName, ticket.locale, values as never);
    await queueOutbound(
      db,
      { ticket, route, text, purpose, visibility: 'public', authorType: 'system', metadata: { automation: name, ...metadata } },
      now,
    );
    await recordAutomaticSend(db, key, purpose, now);
    return true;
  }

  /** `statusNotices`, with the older solved/closed switches applied on top. */
  function statusAnnounced(to: StatusChangeEvent['to'], channelId: string): boolean {
    const perChannel = cfg.statusNotices.channels[channelId];
    const statuses = new Set(perChannel ?? cfg.statusNotices.statuses);
    if (cfg.notifyCustomerOnSolved === true) statuses.add('solved');
    if (cfg.notifyCustomerOnSolved === false) statuses.delete('solved');
    if (cfg.notifyCustomerOnClosed === true) statuses.add('closed');
    if (cfg.notifyCustomerOnClosed === false) statuses.delete('closed');
    return statuses.has(to);
  }

  async function applyTimerPlan(db: Executor, ticket: Ticket, to: StatusChangeEvent['to'], now: number): Promise<void> {
    const plan = timersForStatus(cfg, to, now);
    await cancelTimers(db, ticket.id, plan.cancel);
    for (const t of plan.schedule) await scheduleTimer(db, ticket.id, t.kind, t.dueAt, now);
  }

  const listeners = {
    async onCustomerMessage(db: Executor, e: CustomerMessageEvent): Promise<void> {
      if (e.classification !== 'customer') return;
      let ticket = e.ticket;
      const dues = duesAfterCustomerMessage(bh.sla, ticket, e.created, e.now, calendar.addBusinessTime);
      if (Object.keys(dues).length) {
        await updateTicket(db, ticket.id, dues);
        ticket = await fresh(db, ticket);
      }

      const outOfHours = !e.quiet && calendar.enabled && bh.outOfHoursReply && !calendar.isOpen(e.now);
      // Hot path: with acknowledgements off and the team in, no greeting can result.
      if (!(cfg.autoAcknowledge.enabled && e.created && !e.quiet) && !outOfHours) {
        if (cfg.notifyAgents.enabled) await notifications.notifyAgents(db, ticket, e);
        return;
      }
      const greetings = await greetingsOfTicket(db, ticket.id);
      const greeting = decideGreeting({
        created: e.created,
        classification: e.classification,
        ackEnabled: cfg.autoAcknowledge.enabled,
        outOfHours,
        greetedBefore: greetings.any,
        lastOutOfHoursBackAt: greetings.lastOutOfHoursBackAt,
        now: e.now,
        contactGreetingsLastHour: await countGreetingsToContact(db, ticket.requesterId, e.now - HOUR),
        capPerContactPerHour: cfg.autoAcknowledge.capPerContactPerHour,
      });
      if (greeting.kind === 'ack') {
        await sendToCustomer(db, ticket, 'auto_ack', 'ack', {}, e.now);
      } else if (greeting.kind === 'out_of_hours') {
        const backAt = calendar.nextOpening(e.now);
        await sendToCustomer(
          db,
          ticket,
          'out_of_hours',
          'out_of_hours',
          { back_at: formatLocalTime(backAt, bh.timezone, ticket.locale) },
          e.now,
          { backAt },
        );
      } else if (greeting.kind === 'none' && greeting.reason === 'contact_cap') {
        logger.warn({ ticket: ticket.number }, 'acknowledgement skipped: hourly cap for this contact reached');
      }

      if (cfg.notifyAgents.enabled) {
        ticket = await fresh(db, ticket);
        await notifications.notifyAgents(db, ticket, e);
      }
    },

    async onAgentMessage(db: Executor, e: AgentMessageEvent): Promise<void> {
      if (e.visibility !== 'public') return;
      // A public answer (from the API, an agent's mail or WhatsApp, or the merchant's own phone)
      // meets the deadline the team owed.
      await updateTicket(db, e.ticket.id, clearedDues);
      const ticket = await fresh(db, e.ticket);
      // Waiting for the customer counts from our latest answer.
      if (ticket.status === 'pending') await applyTimerPlan(db, ticket, 'pending', e.now);
    },

    async onUnknownContact(db: Executor, e: UnknownContactEvent): Promise<void> {
      // Once a day at most per sender: the template explains; repeating it is noise.
      const route = await resolveCustomerRoute(db, channels, e.ticket);
      if (!route) return;
      const key = route.recipient.address.toLowerCase();
      if ((await countAutomaticSends(db, key, e.now - 24 * HOUR, 'unknown_contact')) > 0) return;
      const text = templates.render('unknown_contact', e.ticket.locale, {});
      await queueOutbound(
        db,
        {
          ticket: e.ticket,
          route,
          text,
          purpose: 'auto_ack',
          visibility: 'public',
          authorType: 'system',
          metadata: { automation: 'unknown_contact' },
        },
        e.now,
      );
      await recordAutomaticSend(db, key, 'unknown_contact', e.now);
    },

    async onStatusChange(db: Executor, e: StatusChangeEvent): Promise<void> {
      await applyTimerPlan(db, e.ticket, e.to, e.now);
      if (e.to === 'pending' || e.to === 'solved' || e.to === 'closed') await updateTicket(db, e.ticket.id, clearedDues);
      // The pending timeout sends its own message; a closed ticket reopening needs no notice; the
      // customer knows what they changed themselves; an agent's reply is itself the update.
      if (e.actor.id === PENDING_TIMEOUT_ACTOR || e.from === 'closed' || e.actor.type === 'customer' || e.withReply) return;
      if (e.ticket.category === UNKNOWN_CONTACT_CATEGORY) return;
      if (!statusAnnounced(e.to, e.ticket.lastCustomerChannelId)) return;
      // The customer's portal choice: every update, or only when their answer is needed.
      if (!(await customerWantsUpdate(db, e.ticket.requesterId, e.to === 'pending'))) return;
      if (e.to === 'solved') {
        await sendToCustomer(db, e.ticket, 'status_notice', 'solved_notice', { reopen_hint: reopenHint(e.ticket) }, e.now);
      } else if (e.to === 'closed') {
        await sendToCustomer(db, e.ticket, 'status_notice', 'closed_notice', { reopen_hint: reopenHint(e.ticket) }, e.now);
      } else {
        await sendToCustomer(db, e.ticket, 'status_notice', 'status_notice', {}, e.now);
      }
    },
  };

  const sendClaimCode = createClaimCodeSender(channels, templates);

  // Subscribed first (createApp adds webhook events and the event log after): the automations'
  // rows are written before anything reports the change.
  deps.events.on('message.received', listeners.onCustomerMessage);
  deps.events.on('reply.queued', listeners.onAgentMessage);
  deps.events.on('status.changed', listeners.onStatusChange);
  deps.events.on('contact.unknown', listeners.onUnknownContact);

  /** Acts on one claimed timer in one transaction; false when it no longer applied or another worker ran it. */
  async function fire(timer: TimerRow): Promise<boolean> {
    const now = clock.now();
    return deps.database.kysely.transaction().execute(async (trx) => {
      if (!(await completeTimer(trx, timer.id, worker))) return false;
      const ticket = await getTicketById(trx, timer.ticket_id);
      const kind = timer.kind as TimerKind;
      if (!ticket || !timerApplies(kind, ticket, Number(timer.created_at))) return false;
      const actor = { type: 'system' as const, id: kind === 'pending_timeout' ? PENDING_TIMEOUT_ACTOR : `timer:${kind}` };
      if (kind === 'pending_reminder') {
        const timeout = (await scheduledTimers(trx, ticket.id)).find((t) => t.kind === 'pending_timeout');
        const deadline = timeout ? formatLocalTime(Number(timeout.due_at), bh.timezone, ticket.locale) : '';
        await sendToCustomer(trx, ticket, 'reminder', 'pending_reminder', { deadline }, now);
      } else if (kind === 'pending_timeout') {
        const updated = await changeStatus(trx, deps.events, ticket, cfg.pendingTimeout.action, actor, now);
        await sendToCustomer(trx, updated, 'status_notice', 'pending_timeout', { reopen_hint: reopenHint(updated) }, now);
      } else if (kind === 'solved_close') {
        await changeStatus(trx, deps.events, ticket, 'closed', actor, now);
      }
      return true;
    });
  }

  async function runTimers(): Promise<number> {
    let fired = 0;
    for (let batch = 0; batch < TIMER_MAX_BATCHES; batch++) {
      const claimed = await deps.database.kysely
        .transaction()
        .execute((trx) => claimDueTimers(trx, deps.database.dialect, worker, clock.now(), TIMER_BATCH, TIMER_CLAIM_TTL_MS));
      for (const timer of claimed) {
        try {
          if (await fire(timer)) fired++;
        } catch (err) {
          logger.error({ err, timerId: timer.id, kind: timer.kind }, 'timer failed; it runs again on a later pass');
          await releaseTimer(deps.database.kysely, timer.id, worker).catch(() => {});
        }
      }
      if (claimed.length < TIMER_BATCH) break;
    }
    fired += await notifications.flushDigests(TIMER_BATCH);
    // Send counts older than the longest window any cap looks at are noise.
    await pruneAutomaticSends(deps.database.kysely, clock.now() - 24 * HOUR);
    return fired;
  }

  // The shared loop: a pass that fired timers runs the next at once (a backlog drains without
  // waiting an interval per batch), an idle or failed pass sleeps `timerIntervalMs`.
  const loop = createPollingLoop<{ fired: number }>({
    runOnce: async () => ({ fired: await runTimers() }),
    empty: () => ({ fired: 0 }),
    idleDelayMs: () => cfg.timerIntervalMs,
    onError: (err) => logger.error({ err }, 'timer loop error'),
    errorDelayMs: cfg.timerIntervalMs,
  });

  return {
    sendClaimCode,
    runTimers,
    start: () => loop.start(),
    stop: () => loop.stop(),
  };
}
