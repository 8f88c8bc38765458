/** Business hours and SLA, read-only from config, with the count of open and overdue tickets. */
import { sql } from 'kysely';
import { html, type SafeHtml } from '../shared/html.js';
import type { WebContext } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export async function renderSla(web: WebContext, rt: ConsoleRuntime): Promise<SafeHtml> {
  const { tr } = web;
  const bh = rt.deps.config.businessHours;
  const now = rt.deps.clock.now();
  const db = rt.deps.database.kysely;
  // Overdue = owes a first or a next response past its due time; each count is a range of one
  // (status, due) index, read from the index alone (migration 20261130T1710).
  const openStatus = sql<string>`tickets.status`;
  const [open, overFirst, overNext] = await Promise.all([
    db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', ['new', 'open'])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('first_response_due_at', '<', now)
      .where(openStatus, 'in', ['new', 'open'])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('next_response_due_at', '<', now)
      .where(openStatus, 'in', ['new', 'open'])
      // "No first response owed past due", as a filter the covering index answers (an OR of two
      // ranges would read the table for every open ticket not yet due).
      .where(sql<number>`coalesce(tickets.first_response_due_at, ${now})`, '>=', now)
      .executeTakeFirstOrThrow(),
  ]);
  const overdue = { n: Number(overFirst.n) + Number(overNext.n) };
  const dayName = (i: number) => new Intl.DateTimeFormat(web.locale, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + i));
  return html`<h1>${tr('sla_title')}</h1>
${bh.enabled ? '' : html`<p class="hint">${tr('bh_disabled')}</p>`}
<dl class="facts">
<dt>${tr('timezone')}</dt><dd>${bh.timezone}</dd>
<dt>${tr('first_response')}</dt><dd>${bh.sla.firstResponseHours ? tr('hours', { n: bh.sla.firstResponseHours }) : tr('not_set')}</dd>
<dt>${tr('next_response')}</dt><dd>${bh.sla.nextResponseHours ? tr('hours', { n: bh.sla.nextResponseHours }) : tr('not_set')}</dd>
<dt>${tr('open_tickets')}</dt><dd>${Number(open.n)}</dd>
<dt>${tr('overdue_now')}</dt><dd>${Number(overdue.n) > 0 ? html`<a class="overdue" href="${web.href('/?view=open&sort=due')}">${Number(overdue.n)}</a>` : '0'}</dd>
</dl>
<h2>${tr('schedule')}</h2>
<table class="list"><tbody>${DAYS.map((d, i) => html`<tr><th scope="row">${dayName(i)}</th><td>${bh.schedule[d].length ? bh.schedule[d].map(([a, b]) => `${a}–${b}`).join(', ') : tr('closed_day')}</td></tr>`)}</tbody></table>
<h2>${tr('holidays')}</h2>
<p>${bh.holidays.length ? bh.holidays.join(', ') : '—'}</p>`;
}
