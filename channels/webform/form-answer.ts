/**
 * What a form submission answers. Pure.
 *
 * Answers disclose nothing (ARCHITECTURE rule 0): a public form proves nothing about who typed
 * it, so its answer names a ticket (number, status) only when this very submission created it.
 * Appended to an existing request, or a duplicate, it answers the same plain "received" (one
 * post with a stranger's email and a customer's phone once answered with the customer's ticket
 * number). A signed form's answer goes to the merchant's server, which vouches for its
 * customers: it keeps every detail.
 */
import type { IngestOutcome } from '../../src/channel/contract.js';

export type Disclosure = 'full' | 'created_only';

export interface FormAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Counted as accepted in the channel's health numbers. */
  counted: boolean;
  /** The ticket number the answer may show (redirect `?ticket=`, thank-you page). */
  ticketNumber?: number;
}

export const RECEIVED_MESSAGE = 'received; we will answer at your address';

export function answerFor(outcome: IngestOutcome, disclosure: Disclosure): FormAnswer {
  if (outcome.status === 'ignored') return { status: 202, body: { status: 'ignored', created: false }, counted: false };
  if (outcome.status === 'created') {
    return {
      status: 201,
      body: { ticketNumber: outcome.ticketNumber, status: outcome.ticketStatus, outcome: 'created', created: true },
      counted: true,
      ticketNumber: outcome.ticketNumber,
    };
  }
  const counted = outcome.status === 'appended';
  if (disclosure === 'created_only')
    return { status: 200, body: { outcome: 'received', created: false, message: RECEIVED_MESSAGE }, counted };
  if (outcome.status === 'appended') {
    return {
      status: 200,
      body: {
        ticketNumber: outcome.ticketNumber,
        status: outcome.ticketStatus,
        outcome: 'appended',
        created: false,
        matchedBy: outcome.matchedBy,
      },
      counted,
      ticketNumber: outcome.ticketNumber,
    };
  }
  return {
    status: 200,
    body: { ticketNumber: outcome.ticketNumber, status: outcome.ticketStatus, outcome: 'duplicate', created: false },
    counted,
    ...(outcome.ticketNumber !== undefined ? { ticketNumber: outcome.ticketNumber } : {}),
  };
}

/** The honeypot answer: looks like success, names nothing. */
export const HONEYPOT_ANSWER: FormAnswer = { status: 200, body: { status: 'received', created: true }, counted: false };

/**
 * A browser navigating (a plain HTML form) asks for text/html; `fetch()` sends `*\/*` or asks
 * for JSON. HTML only when it is listed explicitly and preferred over application/json.
 */
export function prefersHtml(accept: string | undefined): boolean {
  let html = 0;
  let json = 0;
  let htmlFirst = false;
  for (const entry of (accept ?? '').split(',').slice(0, 50)) {
    const [type, ...params] = entry.split(';');
    const t = (type ?? '').trim().toLowerCase();
    const q = qualityOf(params);
    if (t === 'text/html' || t === 'application/xhtml+xml') {
      if (html === 0 && json === 0) htmlFirst = true;
      html = Math.max(html, q);
    } else if (t === 'application/json' || t === 'text/json') {
      json = Math.max(json, q);
    }
  }
  // Equal preference: the one listed first wins.
  return html > 0 && (html > json || (html === json && htmlFirst));
}

function qualityOf(params: string[]): number {
  for (const p of params) {
    const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
    if (m) return Number(m[1]);
  }
  return 1;
}

export type PageLocale = 'pt-BR' | 'es' | 'en';

/** The form's own locale, else the browser's first supported language, else Portuguese (Brazil). */
export function pickLocale(formLocale: string | undefined, acceptLanguage: string | undefined): PageLocale {
  if (formLocale === 'pt-BR' || formLocale === 'es' || formLocale === 'en') return formLocale;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .slice(0, 20)
    .map((entry, i) => {
      const [tag, ...params] = entry.split(';');
      return { tag: (tag ?? '').trim().toLowerCase(), q: qualityOf(params), i };
    })
    .filter((e) => e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (primary === 'pt') return 'pt-BR';
    if (primary === 'es') return 'es';
    if (primary === 'en') return 'en';
  }
  return 'pt-BR';
}

/** `base` with these query parameters added (existing ones kept). */
export function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
