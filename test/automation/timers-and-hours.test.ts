/**
 * Timers (a clock the test moves), business hours and SLA due times, through the whole app.
 */
import pino from 'pino';
import { createAutomation } from '../../src/automation/automation.js';
import { parseConfig } from '../../src/config/loader.js';
import { ConfigError } from '../../src/domain/errors.js';
import { createTicketEvents } from '../../src/tickets/ticket-events.js';
import { startTestApp } from '../support/app.js';
import { describeEachDatabase, scratchDatabase } from '../core/db-fixtures.js';
import { type AutomationTestApp, HOUR, startAutomationApp } from './support.js';

const MARIA = 'maria@example.com';
const timers = {
  pendingTimeout: { enabled: true, hours: 48, reminderHours: 24, action: 'solved' },
  solvedToClosedHours: 24,
  notifyCustomerOnSolved: true,
  notifyCustomerOnClosed: false,
};

async function pendingTicket(t: AutomationTestApp): Promise<void> {
  await t.email(MARIA, 'm1@cliente');
  expect((await t.api('POST', '/api/tickets/10001/replies', { body: 'Pode confirmar o endereço?' })).status).toBe(202);
  await t.drainOutbox();
  expect((await t.getTicket(10001)).status).toBe('pending');
}

const automaticTo = (t: AutomationTestApp) => t.sentTo(MARIA).filter((m) => m.automatic);

describeEachDatabase('timers on %s', (kind) => {
  let t: AutomationTestApp;
  beforeEach(async () => {
    t = await startAutomationApp({ automation: timers }, undefined, kind);
  });
  afterEach(() => t.stop());

  test('pending without an answer: reminder at 24 h, solved with a message at 48 h, closed 24 h later', async () => {
    const start = t.now();
    await pendingTicket(t);

    t.setNow(start + 24 * HOUR - 1);
    expect(await t.app.automation.runTimers()).toBe(0);

    t.setNow(start + 24 * HOUR);
    expect(await t.app.automation.runTimers()).toBe(1);
    await t.drainOutbox();
    expect(automaticTo(t)).toHaveLength(1);
    expect(automaticTo(t)[0]).toMatchObject({ purpose: 'reminder' });
    expect(automaticTo(t)[0]!.text).toContain('está aguardando sua resposta');
    expect(automaticTo(t)[0]!.text).toMatch(/até sexta-feira, 20 de novembro.* 12:00/);
    expect((await t.getTicket(10001)).status).toBe('pending');

    t.setNow(start + 48 * HOUR);
    expect(await t.app.automation.runTimers()).toBe(1);
    await t.drainOutbox();
    let ticket = await t.getTicket(10001);
    expect(ticket.status).toBe('solved');
    // One message: the timeout text, not also the solved notice.
    expect(automaticTo(t).map((m) => m.purpose)).toEqual(['reminder', 'status_notice']);
    expect(automaticTo(t)[1]!.text).toContain(
      'Como não recebemos sua resposta, o chamado #10001 (Pedido 10482 atrasado) foi marcado como "Finalizado"',
    );
    expect(ticket.messages.at(-1)).toMatchObject({ authorType: 'system', visibility: 'public' });

    t.setNow(start + 72 * HOUR - 1);
    expect(await t.app.automation.runTimers()).toBe(0);
    t.setNow(start + 72 * HOUR);
    expect(await t.app.automation.runTimers()).toBe(1);
    ticket = await t.getTicket(10001);
    expect(ticket.status).toBe('closed');
    expect(await t.app.automation.runTimers()).toBe(0);
  });

  test('a customer answer cancels the pending timers; the next wait starts from the next reply', async () => {
    const start = t.now();
    await pendingTicket(t);
    t.setNow(start + 10 * HOUR);
    await t.email(MARIA, 'm2@cliente', { subject: 'Re: [#10001] Pedido', text: 'Rua das Flores, 12' });
    expect((await t.getTicket(10001)).status).toBe('open');
    t.setNow(start + 100 * HOUR);
    expect(await t.app.automation.runTimers()).toBe(0);
    expect((await t.getTicket(10001)).status).toBe('open');

    await t.api('POST', '/api/tickets/10001/replies', { body: 'Obrigado, reenviamos.' });
    t.setNow(start + 148 * HOUR - 1);
    await t.app.automation.runTimers();
    expect((await t.getTicket(10001)).status).toBe('pending');
    t.setNow(start + 148 * HOUR);
    await t.app.automation.runTimers();
    expect((await t.getTicket(10001)).status).toBe('solved');
  });

  test('another agent reply while pending restarts the wait', async () => {
    const start = t.now();
    await pendingTicket(t);
    t.setNow(start + 40 * HOUR);
    await t.api('POST', '/api/tickets/10001/replies', { body: 'Lembrete: precisamos do endereço.' });
    t.setNow(start + 50 * HOUR);
    await t.app.automation.runTimers();
    expect((await t.getTicket(10001)).status).toBe('pending');
    t.setNow(start + 88 * HOUR);
    await t.app.automation.runTimers();
    expect((await t.getTicket(10001)).status).toBe('solved');
  });

  test('a customer message on a solved ticket reopens it and cancels the close', async () => {
    const start = t.now();
    await t.email(MARIA, 'm1@cliente');
    await t.api('PATCH', '/api/tickets/10001', { status: 'solved' });
    t.setNow(start + 5 * HOUR);
    await t.email(MARIA, 'm2@cliente', { subject: 'Re: [#10001] Pedido', text: 'Ainda não chegou' });
    t.setNow(start + 30 * HOUR);
    expect(await t.app.automation.runTimers()).toBe(0);
    expect((await t.getTicket(10001)).status).toBe('open');
  });

  test('timers live in the database: two gateway processes run a due timer once', async () => {
    const start = t.now();
    await pendingTicket(t);
    t.setNow(start + 48 * HOUR);
    const loaded = parseConfig({ security: { secret: 'test-secret-0123456789abcdef' }, automation: timers }, { env: {}, definitions: [] });
    // A second gateway process: its own automation over the same database.
    const other = createAutomation({
      database: t.app.database,
      channels: t.app.channels,
      config: loaded.config,
      clock: { now: () => t.now() },
      logger: pino({ level: 'silent' }),
      events: createTicketEvents(),
    });
    const fired = await Promise.all([t.app.automation.runTimers(), other.runTimers(), t.app.automation.runTimers(), other.runTimers()]);
    // The reminder (24 h) and the timeout (48 h) were both due: each fired exactly once.
    expect(fired.reduce((a, b) => a + b, 0)).toBe(2);
    await t.drainOutbox();
    expect(
      automaticTo(t)
        .map((m) => m.purpose)
        .sort(),
    ).toEqual(['reminder', 'status_notice']);
    expect((await t.getTicket(10001)).status).toBe('solved');
  });

  test('timers survive a restart: a new process on the same database fires them', async () => {
    const scratch = await scratchDatabase(kind);
    await scratch.database.destroy();
    const first = await startAutomationApp({ automation: timers, database: scratch.config });
    const start = first.now();
    try {
      await pendingTicket(first);
    } finally {
      await first.stop();
    }
    const second = await startAutomationApp({ automation: timers, database: scratch.config }, start + 48 * HOUR);
    try {
      expect(await second.app.automation.runTimers()).toBe(2);
      expect((await second.getTicket(10001)).status).toBe('solved');
      await second.drainOutbox();
      expect(second.sentTo(MARIA).map((m) => m.purpose)).toEqual(['reminder', 'status_notice']);
    } finally {
      await second.stop();
      await scratch.drop();
    }
  });

  test('the loop started by start() runs due timers on its own', async () => {
    const looped = await startAutomationApp({ automation: { ...timers, timerIntervalMs: 20 } }, undefined, kind);
    try {
      const start = looped.now();
      await pendingTicket(looped);
      looped.setNow(start + 49 * HOUR);
      looped.app.automation.start();
      const deadline = Date.now() + 5000;
      while ((await looped.getTicket(10001)).status !== 'solved' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await looped.getTicket(10001)).status).toBe('solved');
    } finally {
      await looped.app.automation.stop();
      await looped.stop();
    }
  });
});

describe('business hours and SLA', () => {
  const businessHours = {
    enabled: true,
    timezone: 'America/Sao_Paulo',
    schedule: {
      mon: [['09:00', '18:00']],
      tue: [['09:00', '18:00']],
      wed: [['09:00', '18:00']],
      thu: [['09:00', '18:00']],
      fri: [['09:00', '18:00']],
    },
    holidays: ['2026-11-20'],
    sla: { firstResponseHours: 4, nextResponseHours: 8 },
  };
  let t: AutomationTestApp;
  afterEach(() => t.stop());

  test('Friday evening: the out-of-hours reply says Monday 09:00, once a night; the first response is due Monday 13:00', async () => {
    t = await startAutomationApp({ businessHours, automation: { autoAcknowledge: { enabled: true } } }, Date.parse('2026-11-27T22:00:00Z')); // Friday 19:00 in São Paulo
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    const [ooh] = t.sentTo(MARIA);
    expect(ooh).toMatchObject({ purpose: 'out_of_hours', automatic: true });
    expect(ooh!.text).toContain('Recebemos sua mensagem (chamado #10001)');
    expect(ooh!.text).toMatch(/Estaremos de volta segunda-feira, 30 de novembro.* 09:00/);
    expect(ooh!.text).toMatch(/Horário de atendimento: seg\.?–sex\.? 09:00–18:00/);
    expect(t.sentTo(MARIA)).toHaveLength(1); // instead of the acknowledgement, not besides it
    const ticket = await t.getTicket(10001);
    expect(new Date(ticket.firstResponseDueAt!).toISOString()).toBe('2026-11-30T16:00:00.000Z');

    // Saturday: the customer writes again; told already for this closed period.
    t.setNow(Date.parse('2026-11-28T14:00:00Z'));
    await t.email(MARIA, 'm2@cliente', { subject: 'Re: [#10001] Pedido', text: 'Oi?' });
    await t.drainOutbox();
    expect(t.sentTo(MARIA)).toHaveLength(1);

    // Monday 08:00 and then after the deadline: overdue until an agent answers.
    t.setNow(Date.parse('2026-11-30T11:00:00Z'));
    expect((await t.api('GET', '/api/tickets?overdue=true')).body.tickets).toHaveLength(0);
    t.setNow(Date.parse('2026-11-30T16:00:01Z'));
    expect((await t.api('GET', '/api/tickets?overdue=true')).body.tickets.map((x: any) => x.number)).toEqual([10001]);
    await t.api('POST', '/api/tickets/10001/replies', { body: 'Bom dia! Verificando.' });
    expect((await t.api('GET', '/api/tickets?overdue=true')).body.tickets).toHaveLength(0);
    expect(await t.getTicket(10001)).toMatchObject({ firstResponseDueAt: null, nextResponseDueAt: null });

    // The customer answers Monday 17:00: the next response is due 8 business hours later, Tuesday 16:00.
    t.setNow(Date.parse('2026-11-30T20:00:00Z'));
    await t.email(MARIA, 'm3@cliente', { subject: 'Re: [#10001] Pedido', text: 'Obrigada' });
    expect(new Date((await t.getTicket(10001)).nextResponseDueAt!).toISOString()).toBe('2026-12-01T19:00:00.000Z');
    await t.drainOutbox();
    expect(t.sentTo(MARIA).filter((m) => m.purpose === 'out_of_hours')).toHaveLength(1);
  });

  test('on the Friday holiday the reply points to Monday; in hours the acknowledgement goes out', async () => {
    t = await startAutomationApp({ businessHours, automation: { autoAcknowledge: { enabled: true } } }, Date.parse('2026-11-20T15:00:00Z')); // holiday, noon
    await t.email(MARIA, 'm1@cliente');
    t.setNow(Date.parse('2026-11-23T15:00:00Z')); // Monday noon
    await t.email('joao@example.com', 'j1@cliente', { subject: 'Troca de tamanho' });
    await t.drainOutbox();
    expect(t.sentTo(MARIA)[0]).toMatchObject({ purpose: 'out_of_hours' });
    expect(t.sentTo(MARIA)[0]!.text).toMatch(/segunda-feira, 23 de novembro/);
    expect(t.sentTo('joao@example.com')[0]).toMatchObject({ purpose: 'auto_ack' });
    // Due in 4 business hours from Monday 12:00: Monday 16:00 local.
    expect(new Date((await t.getTicket(10002)).firstResponseDueAt!).toISOString()).toBe('2026-11-23T19:00:00.000Z');
  });

  test('the time zone decides: 07:00 in São Paulo is closed even though it is 10:00 UTC', async () => {
    t = await startAutomationApp({ businessHours, automation: { autoAcknowledge: { enabled: true } } }, Date.parse('2026-11-24T10:00:00Z'));
    await t.email(MARIA, 'm1@cliente');
    await t.drainOutbox();
    expect(t.sentTo(MARIA)[0]).toMatchObject({ purpose: 'out_of_hours' });
    expect(t.sentTo(MARIA)[0]!.text).toMatch(/terça-feira, 24 de novembro.* 09:00/);
  });
});

describe('configuration errors surface at startup', () => {
  test('a missing templates folder', async () => {
    await expect(startTestApp({ config: { automation: { templatesDir: './no/such/templates' } } })).rejects.toThrow(ConfigError);
    await expect(startTestApp({ config: { automation: { templatesDir: './no/such/templates' } } })).rejects.toMatchObject({
      issues: expect.arrayContaining([
        {
          path: expect.stringMatching(/^automation\.templatesDir: .*no\/such\/templates\/pt-BR\/ack\.txt$/),
          message: 'template file is missing',
        },
      ]),
    });
  });

  test('an unknown time zone and a bad holiday, with their paths', () => {
    expect(() =>
      parseConfig(
        {
          security: { secret: 'test-secret-0123456789abcdef' },
          businessHours: { timezone: 'America/Sao_Pablo', holidays: ['2026-13-01'] },
        },
        { env: {}, definitions: [] },
      ),
    ).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'businessHours.timezone', message: expect.stringContaining('unknown time zone') }),
          expect.objectContaining({ path: 'businessHours.holidays[0]', message: '"2026-13-01" is not a calendar date' }),
        ]),
      }),
    );
  });
});
