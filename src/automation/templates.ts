/**
 * Templates of every automatic message, one file per locale and name:
 * `<templatesDir>/<locale>/<name>.txt`, with `{{placeholder}}` fields. They are read once when
 * the app is built, and every missing file or unknown placeholder is reported then, with its
 * file and line, so a typo fails the deploy instead of a customer's message at 3 a.m.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Issue } from '../domain/errors.js';

export const TEMPLATE_LOCALES = ['pt-BR', 'es', 'en'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

const LABELS = ['label_new', 'label_open', 'label_pending', 'label_solved', 'label_closed'] as const;
const CUSTOMER = ['ticket_number', 'requester_name', 'subject', 'status_label', 'business_hours', 'reopen_window', ...LABELS] as const;

/** Each template and the placeholders it may use. */
export const TEMPLATE_PLACEHOLDERS = {
  /** New ticket acknowledgement (what the statuses mean). */
  ack: [...CUSTOMER],
  /** New ticket (or message) outside business hours: when the team is back. */
  out_of_hours: [...CUSTOMER, 'back_at'],
  pending_reminder: [...CUSTOMER, 'deadline'],
  /** The pending ticket was solved/closed for lack of an answer. */
  pending_timeout: [...CUSTOMER, 'reopen_hint'],
  solved_notice: [...CUSTOMER, 'reopen_hint'],
  closed_notice: [...CUSTOMER, 'reopen_hint'],
  /** Any other status change the desk announces (open, pending …). */
  status_notice: [...CUSTOMER],
  /** To a sender nobody knows on a `knownContactsOnly: reply` channel: no ticket data. */
  unknown_contact: [],
  /** To an agent: a new ticket or customer message. */
  agent_notification: [
    'ticket_number',
    'requester_name',
    'requester_address',
    'channel',
    'subject',
    'text',
    'status_label',
    'how_to_answer',
    'event',
  ],
  /** Fragments rendered into the templates above. */
  answer_hint_email: ['ticket_number'],
  answer_hint_chat: ['ticket_number'],
  reopen_hint: ['ticket_number', 'window'],
  event_new_ticket: ['ticket_number'],
  event_new_message: ['ticket_number'],
  event_digest: ['ticket_number', 'count'],
  claim_code: ['ticket_number', 'code', 'identity'],
} as const satisfies Record<string, readonly string[]>;

export type TemplateName = keyof typeof TEMPLATE_PLACEHOLDERS;
export type TemplateValues<N extends TemplateName> = Record<(typeof TEMPLATE_PLACEHOLDERS)[N][number], string>;
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_PLACEHOLDERS) as TemplateName[];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Problems in one template's text: unknown or malformed placeholders, with their line. */
export function checkTemplate(text: string, allowed: readonly string[]): Array<{ line: number; message: string }> {
  const issues: Array<{ line: number; message: string }> = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(PLACEHOLDER)) {
      const name = m[1]!;
      if (!allowed.includes(name))
        issues.push({ line: i + 1, message: `unknown placeholder {{${name}}} (allowed: ${allowed.join(', ')})` });
    }
    const stray = line.replace(PLACEHOLDER, '');
    if (stray.includes('{{') || stray.includes('}}')) issues.push({ line: i + 1, message: 'unbalanced "{{" or "}}"' });
  });
  if (text.trim() === '') issues.push({ line: 1, message: 'the template is empty' });
  return issues;
}

/** Fills placeholders; runs of blank lines left by empty values collapse to one. */
export function renderTemplate(text: string, values: Record<string, string>): string {
  return text
    .replace(PLACEHOLDER, (_m, name: string) => values[name] ?? '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface TemplateSet {
  readonly dir: string;
  render<N extends TemplateName>(name: N, locale: string, values: TemplateValues<N>): string;
}

/**
 * Reads and checks every template for every shipped locale. `dir` is resolved against `cwd`.
 * Throws a ConfigError listing every problem (not only the first).
 */
export function loadTemplates(dir: string, options: { cwd?: string; fallbackLocale?: TemplateLocale } = {}): TemplateSet {
  const root = resolve(options.cwd ?? process.cwd(), dir);
  const texts = new Map<string, string>();
  const issues: Issue[] = [];
  for (const locale of TEMPLATE_LOCALES) {
    for (const name of TEMPLATE_NAMES) {
      const file = join(root, locale, `${name}.txt`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        issues.push({
          path: `automation.templatesDir: ${file}`,
          message: code === 'ENOENT' ? 'template file is missing' : `cannot read the template (${code ?? 'error'})`,
        });
        continue;
      }
      for (const p of checkTemplate(text, TEMPLATE_PLACEHOLDERS[name]))
        issues.push({ path: `automation.templatesDir: ${file}:${p.line}`, message: p.message });
      texts.set(`${locale}/${name}`, text);
    }
  }
  if (issues.length)
    throw new ConfigError(
      `automatic message templates in ${root} are invalid (${issues.length} problem${issues.length === 1 ? '' : 's'})`,
      issues,
    );
  const fallback = options.fallbackLocale ?? 'en';
  return {
    dir: root,
    render(name, locale, values) {
      const text = texts.get(`${locale}/${name}`) ?? texts.get(`${fallback}/${name}`)!;
      return renderTemplate(text, values as Record<string, string>);
    },
  };
}

/** "48 horas", "7 dias", "2 days" … for the reopen/resume window in automatic texts. */
export function formatWindow(hours: number, locale: string): string {
  const words: Record<string, { hour: [string, string]; day: [string, string] }> = {
    'pt-BR': { hour: ['hora', 'horas'], day: ['dia', 'dias'] },
    es: { hour: ['hora', 'horas'], day: ['día', 'días'] },
    en: { hour: ['hour', 'hours'], day: ['day', 'days'] },
  };
  const w = words[locale] ?? words.en!;
  if (hours >= 24 && hours % 24 === 0) {
    const d = hours / 24;
    return `${d} ${w.day[d === 1 ? 0 : 1]}`;
  }
  const h = Math.round(hours * 10) / 10;
  return `${h} ${w.hour[h === 1 ? 0 : 1]}`;
}
