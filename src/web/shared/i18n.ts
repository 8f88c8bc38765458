/**
 * The pages' words in pt-BR, es and en. `t(locale, key, vars)` fills `{name}` fields. A key
 * missing in one locale falls back to English, and the test beside this file keeps the three
 * dictionaries complete. Status labels are not here: they come from the configuration.
 */
import { MESSAGES_EN } from './i18n-en.js';
import { MESSAGES_ES } from './i18n-es.js';
import { MESSAGES_PT } from './i18n-pt.js';

export const WEB_LOCALES = ['pt-BR', 'es', 'en'] as const;
export type WebLocale = (typeof WEB_LOCALES)[number];
export type MessageKey = keyof typeof MESSAGES_EN;

const DICTS: Record<WebLocale, Partial<Record<MessageKey, string>>> = { 'pt-BR': MESSAGES_PT, es: MESSAGES_ES, en: MESSAGES_EN };

export function t(locale: WebLocale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = DICTS[locale][key] ?? MESSAGES_EN[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The locale from the `lang` cookie, else the best of Accept-Language, else the fallback. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | undefined, fallback: WebLocale): WebLocale {
  if (cookie && (WEB_LOCALES as readonly string[]).includes(cookie)) return cookie as WebLocale;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('pt')) return 'pt-BR';
    if (tag.startsWith('es')) return 'es';
    if (tag.startsWith('en')) return 'en';
  }
  return fallback;
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;
export const translator =
  (locale: WebLocale): Translate =>
  (key, vars) =>
    t(locale, key, vars);

// Intl formatters are costly to build (a fraction of a millisecond each): one per locale, reused.
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "3 min ago" style relative time, via Intl (no dictionary needed). */
export function relativeTime(locale: WebLocale, then: number, now: number): string {
  const diff = Math.round((then - now) / 1000);
  const abs = Math.abs(diff);
  let rtf = relativeFormats.get(locale);
  if (!rtf) relativeFormats.set(locale, (rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' })));
  if (abs < 60) return rtf.format(diff, 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

export function dateTime(locale: WebLocale, at: number, timeZone?: string): string {
  const key = `${locale}|${timeZone ?? ''}`;
  let f = dateFormats.get(key);
  if (!f)
    dateFormats.set(
      key,
      (f = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) })),
    );
  return f.format(at);
}
