import {
  type BusinessHoursInput,
  createBusinessCalendar,
  describeSchedule,
  formatLocalTime,
  localParts,
  validateBusinessHours,
  zonedTime,
} from './business-hours.js';

const weekdays = (hours: Array<[string, string]>) => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: [], sun: [] });
const saoPaulo = (over: Partial<BusinessHoursInput> = {}): BusinessHoursInput => ({
  enabled: true,
  timezone: 'America/Sao_Paulo',
  schedule: { ...weekdays([['09:00', '18:00']]), sat: [['09:00', '12:00']] },
  holidays: [],
  ...over,
});
const H = 3_600_000;
const iso = (s: string) => Date.parse(s);

describe('zonedTime / localParts', () => {
  test.each([
    ['America/Sao_Paulo', 2026, 11, 20, 9 * 60, '2026-11-20T12:00:00Z'],
    ['Europe/Lisbon', 2026, 7, 1, 9 * 60, '2026-07-01T08:00:00Z'],
    ['America/New_York', 2026, 3, 6, 9 * 60, '2026-03-06T14:00:00Z'],
    ['America/New_York', 2026, 3, 9, 9 * 60, '2026-03-09T13:00:00Z'],
    // 02:30 does not exist on the spring-forward night: it reads as 03:30 EDT.
    ['America/New_York', 2026, 3, 8, 2 * 60 + 30, '2026-03-08T07:30:00Z'],
    // 01:30 happens twice on the fall-back night: the first one (EDT).
    ['America/New_York', 2026, 11, 1, 60 + 30, '2026-11-01T05:30:00Z'],
    ['Asia/Kolkata', 2026, 1, 1, 24 * 60, '2026-01-01T18:30:00Z'],
  ])('%s %i-%i-%i +%i min is %s', (tz, y, m, d, min, expected) => {
    expect(new Date(zonedTime(y, m, d, min, tz)).toISOString()).toBe(new Date(expected).toISOString());
  });

  test('localParts reads the wall clock in the zone', () => {
    expect(localParts(iso('2026-11-20T22:30:00Z'), 'America/Sao_Paulo')).toEqual({
      year: 2026,
      month: 11,
      day: 20,
      hour: 19,
      minute: 30,
      second: 0,
    });
  });
});

describe('business calendar', () => {
  const cal = createBusinessCalendar(saoPaulo());
  const noSaturday = createBusinessCalendar(saoPaulo({ schedule: weekdays([['09:00', '18:00']]) }));

  test.each([
    ['Friday 17:59 is open', cal, '2026-11-20T20:59:00Z', true],
    ['Friday 18:00 is closed (end is exclusive)', cal, '2026-11-20T21:00:00Z', false],
    ['Friday 09:00 is open (start is inclusive)', cal, '2026-11-20T12:00:00Z', true],
    ['Saturday 10:00 is open', cal, '2026-11-21T13:00:00Z', true],
    ['Sunday noon is closed', cal, '2026-11-22T15:00:00Z', false],
    ['Monday 08:59 is closed', noSaturday, '2026-11-23T11:59:00Z', false],
  ])('%s', (_name, c, at, open) => {
    expect(c.isOpen(iso(at))).toBe(open);
  });

  test.each([
    ['Friday evening → Saturday 09:00', cal, '2026-11-20T22:30:00Z', '2026-11-21T12:00:00Z'],
    ['Friday evening without Saturday hours → Monday 09:00', noSaturday, '2026-11-20T22:30:00Z', '2026-11-23T12:00:00Z'],
    ['Saturday 12:30 → Monday 09:00', cal, '2026-11-21T15:30:00Z', '2026-11-23T12:00:00Z'],
    ['open now → now', cal, '2026-11-19T15:00:00Z', '2026-11-19T15:00:00Z'],
    ['early morning → same day 09:00', cal, '2026-11-19T09:00:00Z', '2026-11-19T12:00:00Z'],
  ])('next opening: %s', (_name, c, at, expected) => {
    expect(new Date(c.nextOpening(iso(at))).toISOString()).toBe(new Date(expected).toISOString());
  });

  test('a holiday (Friday 2026-11-20) is skipped: Thursday evening → Monday', () => {
    const c = createBusinessCalendar(saoPaulo({ schedule: weekdays([['09:00', '18:00']]), holidays: ['2026-11-20'] }));
    expect(c.isOpen(iso('2026-11-20T15:00:00Z'))).toBe(false);
    expect(new Date(c.nextOpening(iso('2026-11-19T21:30:00Z'))).toISOString()).toBe('2026-11-23T12:00:00.000Z');
    // 4 business hours from Thursday 16:00: 2 on Thursday, the holiday counts nothing, 2 on Monday.
    expect(new Date(c.addBusinessTime(iso('2026-11-19T19:00:00Z'), 4 * H)).toISOString()).toBe('2026-11-23T14:00:00.000Z');
  });

  test.each([
    ['inside one day', '2026-11-19T12:00:00Z', 3, '2026-11-19T15:00:00Z'],
    ['Friday 17:00 + 4h → Monday 12:00 (no Saturday hours)', '2026-11-20T20:00:00Z', 4, '2026-11-23T15:00:00Z'],
    ['from a closed time starts at the next opening', '2026-11-22T15:00:00Z', 1, '2026-11-23T13:00:00Z'],
    ['exactly a full day lands on the closing time', '2026-11-19T12:00:00Z', 9, '2026-11-19T21:00:00Z'],
    ['24 business hours span three days', '2026-11-16T12:00:00Z', 24, '2026-11-18T18:00:00Z'],
  ])('add business time: %s', (_name, from, hours, expected) => {
    expect(new Date(noSaturday.addBusinessTime(iso(from), hours * H)).toISOString()).toBe(new Date(expected).toISOString());
  });

  test('the same instant is open in Lisbon and closed in São Paulo', () => {
    const lisbon = createBusinessCalendar(saoPaulo({ timezone: 'Europe/Lisbon' }));
    const t = iso('2026-11-19T10:00:00Z'); // 10:00 in Lisbon, 07:00 in São Paulo
    expect(lisbon.isOpen(t)).toBe(true);
    expect(cal.isOpen(t)).toBe(false);
  });

  test('across a DST change the local opening hour holds (New York, March 2026)', () => {
    const ny = createBusinessCalendar({
      enabled: true,
      timezone: 'America/New_York',
      schedule: weekdays([['09:00', '17:00']]),
      holidays: [],
    });
    // Friday 16:00 EST + 2h → Monday 10:00 EDT.
    expect(new Date(ny.addBusinessTime(iso('2026-03-06T21:00:00Z'), 2 * H)).toISOString()).toBe('2026-03-09T14:00:00.000Z');
    expect(new Date(ny.nextOpening(iso('2026-03-07T12:00:00Z'))).toISOString()).toBe('2026-03-09T13:00:00.000Z');
  });

  test('an overnight shift (22:00–06:00) runs into the next day; 24:00 ends at midnight', () => {
    const night = createBusinessCalendar({ enabled: true, timezone: 'UTC', schedule: { ...weekdays([['22:00', '06:00']]) }, holidays: [] });
    expect(night.isOpen(iso('2026-11-20T03:00:00Z'))).toBe(true); // Thursday's shift, Friday 03:00
    expect(night.isOpen(iso('2026-11-21T03:00:00Z'))).toBe(true); // Friday's shift, Saturday 03:00
    expect(night.isOpen(iso('2026-11-22T03:00:00Z'))).toBe(false); // no Saturday shift
    const late = createBusinessCalendar({ enabled: true, timezone: 'UTC', schedule: weekdays([['18:00', '24:00']]), holidays: [] });
    expect(late.isOpen(iso('2026-11-19T23:59:00Z'))).toBe(true);
    expect(new Date(late.nextOpening(iso('2026-11-20T00:00:00Z'))).toISOString()).toBe('2026-11-20T18:00:00.000Z');
  });

  test('disabled business hours are always open and add plain time', () => {
    const off = createBusinessCalendar(saoPaulo({ enabled: false }));
    const t = iso('2026-11-22T03:00:00Z');
    expect(off.isOpen(t)).toBe(true);
    expect(off.nextOpening(t)).toBe(t);
    expect(off.addBusinessTime(t, 5 * H)).toBe(t + 5 * H);
  });
});

describe('validation and descriptions', () => {
  test.each([
    [{ timezone: 'Mars/Olympus' }, 'timezone', 'unknown time zone'],
    [{ schedule: { ...weekdays([['9:00', '18:00']]) } }, 'schedule.mon[0][0]', 'not a time'],
    [{ schedule: { ...weekdays([['09:00', '25:00']]) } }, 'schedule.mon[0][1]', 'not a time'],
    [{ holidays: ['2026-02-30'] }, 'holidays[0]', 'not a calendar date'],
    [{ schedule: weekdays([]) }, 'schedule', 'no weekday'],
  ])('%j is rejected at %s', (over, path, message) => {
    const issues = validateBusinessHours(saoPaulo(over as Partial<BusinessHoursInput>));
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  test('a valid configuration has no issues', () => {
    expect(validateBusinessHours(saoPaulo({ holidays: ['2026-12-25'] }))).toEqual([]);
  });

  test('the schedule is summarized per locale with grouped days', () => {
    expect(describeSchedule(saoPaulo(), 'en')).toBe('Mon–Fri 09:00–18:00; Sat 09:00–12:00');
    expect(describeSchedule(saoPaulo(), 'pt-BR')).toMatch(/^seg\.?–sex\.? 09:00–18:00; sáb\.? 09:00–12:00$/);
    expect(describeSchedule(saoPaulo({ enabled: false }), 'en')).toBe('');
  });

  test('a local time is written for the customer in their language and the business zone', () => {
    expect(formatLocalTime(iso('2026-11-23T12:00:00Z'), 'America/Sao_Paulo', 'pt-BR')).toMatch(/segunda-feira.*23.*novembro.*09:00/);
  });
});
