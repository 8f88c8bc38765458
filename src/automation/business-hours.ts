/**
 * Business hours as a calendar of absolute intervals. Pure: time zones come from Intl (the
 * runtime's tz database), so "09:00 in São Paulo" is right across DST changes and the UTC
 * offsets of any zone. Holidays are local dates in the business time zone.
 *
 * - `isOpen(t)`: inside an opening interval.
 * - `nextOpening(t)`: `t` itself when open, else the start of the next interval.
 * - `addBusinessTime(t, ms)`: the instant when `ms` of opening time have elapsed after `t`
 *   (SLA due times). With business hours disabled every instant is open (24/7).
 */

export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface BusinessHoursInput {
  enabled: boolean;
  timezone: string;
  /** Per weekday, `[start, end]` pairs as `HH:MM` local time; an end at or before its start ends the next day. */
  schedule: Record<Weekday, Array<[string, string]>>;
  /** `YYYY-MM-DD` local dates on which no interval starts. */
  holidays: string[];
}

export interface BusinessCalendar {
  readonly enabled: boolean;
  readonly timezone: string;
  isOpen(t: number): boolean;
  nextOpening(t: number): number;
  addBusinessTime(t: number, ms: number): number;
}

/** How far ahead we look for an opening: a year is more than any real schedule needs. */
const HORIZON_DAYS = 400;
const DAY = 86_400_000;

/** Problems with a business-hours configuration, as `{ path, message }` (empty when valid). */
export function validateBusinessHours(input: BusinessHoursInput): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: input.timezone });
  } catch {
    issues.push({ path: 'timezone', message: `unknown time zone "${input.timezone}" (use an IANA name such as America/Sao_Paulo)` });
  }
  for (const day of WEEKDAYS) {
    (input.schedule[day] ?? []).forEach(([start, end], i) => {
      if (!validClock(start, false))
        issues.push({ path: `schedule.${day}[${i}][0]`, message: `"${start}" is not a time between 00:00 and 23:59` });
      if (!validClock(end, true))
        issues.push({ path: `schedule.${day}[${i}][1]`, message: `"${end}" is not a time between 00:00 and 24:00` });
    });
  }
  input.holidays.forEach((d, i) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, dd));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== dd)
      issues.push({ path: `holidays[${i}]`, message: `"${d}" is not a calendar date` });
  });
  if (input.enabled && !WEEKDAYS.some((d) => (input.schedule[d] ?? []).length > 0)) {
    issues.push({ path: 'schedule', message: 'business hours are enabled but no weekday has opening hours' });
  }
  return issues;
}

function validClock(s: string, allow24: boolean): boolean {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) return false;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (allow24 && h === 24 && min === 0) return true;
  return h < 24 && min < 60;
}

function minutesOf(s: string): number {
  const [h, m] = s.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock time in `timezone` at instant `t`. */
export function localParts(t: number, timezone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timezone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** UTC offset (ms) of `timezone` at instant `t`. */
function offsetAt(t: number, timezone: string): number {
  const p = localParts(t, timezone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time. Minutes past 24:00 roll into the next day. A time
 * skipped by a DST jump maps to the instant just after the jump; a repeated one to its first.
 */
export function zonedTime(year: number, month: number, day: number, minutes: number, timezone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  // Offsets on either side of any transition near this time; the valid reading round-trips.
  const before = wall - offsetAt(wall - DAY, timezone);
  const after = wall - offsetAt(wall + DAY, timezone);
  const valid = (t: number) => offsetAt(t, timezone) === wall - t;
  if (valid(before) && valid(after)) return Math.min(before, after);
  if (valid(before)) return before;
  if (valid(after)) return after;
  return Math.max(before, after);
}

export function createBusinessCalendar(input: BusinessHoursInput): BusinessCalendar {
  const holidays = new Set(input.holidays);
  const schedule = WEEKDAYS.map((d) =>
    (input.schedule[d] ?? []).map(([s, e]) => {
      const start = minutesOf(s);
      let end = minutesOf(e);
      if (end <= start) end += 24 * 60;
      return [start, end] as const;
    }),
  );

  /** Opening intervals (absolute, ordered) whose local day is `offsetDays` after the local date of `t`. */
  function intervalsOfDay(base: LocalParts, offsetDays: number): Array<[number, number]> {
    const date = new Date(Date.UTC(base.year, base.month - 1, base.day + offsetDays));
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (holidays.has(iso)) return [];
    return schedule[date.getUTCDay()]!.map(
      ([s, e]) => [zonedTime(y, m, d, s, input.timezone), zonedTime(y, m, d, e, input.timezone)] as [number, number],
    ).filter(([s, e]) => e > s);
  }

  /** Intervals that end after `t`, in order, starting with the previous local day (overnight shifts). */
  function* intervalsFrom(t: number): Generator<[number, number]> {
    const base = localParts(t, input.timezone);
    for (let i = -1; i <= HORIZON_DAYS; i++) {
      for (const iv of intervalsOfDay(base, i)) if (iv[1] > t) yield iv;
    }
  }

  const enabled = input.enabled && schedule.some((d) => d.length > 0);
  return {
    enabled,
    timezone: input.timezone,
    isOpen(t) {
      if (!enabled) return true;
      for (const [s] of intervalsFrom(t)) return s <= t;
      return false;
    },
    nextOpening(t) {
      if (!enabled) return t;
      for (const [s] of intervalsFrom(t)) return Math.max(s, t);
      return t + HORIZON_DAYS * DAY;
    },
    addBusinessTime(t, ms) {
      if (!enabled || ms <= 0) return t + Math.max(0, ms);
      let left = ms;
      for (const [s, e] of intervalsFrom(t)) {
        const from = Math.max(s, t);
        if (e - from >= left) return from + left;
        left -= e - from;
      }
      return t + ms + HORIZON_DAYS * DAY;
    },
  };
}

/**
 * A human summary of the schedule in `locale`: consecutive days with the same hours are
 * grouped ("seg.–sex. 09:00–18:00; sáb. 09:00–12:00"). Empty when business hours are off.
 */
export function describeSchedule(input: BusinessHoursInput, locale: string): string {
  if (!input.enabled) return '';
  // 2023-01-01 was a Sunday: index i is WEEKDAYS[i].
  const names = WEEKDAYS.map((_, i) =>
    new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2023, 0, 1 + i))),
  );
  const order = [1, 2, 3, 4, 5, 6, 0];
  const hoursOf = (i: number) => (input.schedule[WEEKDAYS[i]!] ?? []).map(([s, e]) => `${s}–${e}`).join(', ');
  const groups: Array<{ from: number; to: number; hours: string }> = [];
  for (const i of order) {
    const hours = hoursOf(i);
    const last = groups[groups.length - 1];
    if (last && last.hours === hours && order.indexOf(i) === order.indexOf(last.to) + 1) last.to = i;
    else groups.push({ from: i, to: i, hours });
  }
  return groups
    .filter((g) => g.hours)
    .map((g) => `${g.from === g.to ? names[g.from] : `${names[g.from]}–${names[g.to]}`} ${g.hours}`)
    .join('; ');
}

/** An instant as the business sees it, e.g. "segunda-feira, 24 de novembro, 09:00". */
export function formatLocalTime(t: number, timezone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: timezone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(t));
}
