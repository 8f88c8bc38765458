/**
 * Submitted form values -> ticket fields, per the form's `fields:` map. Pure.
 *
 * Every bad field is reported at once, under the name the form submitted (that is what the
 * site developer and the customer see), with a reason a person can act on. Values are cleaned
 * before validation: control characters (NUL breaks PostgreSQL text) are removed, one-line
 * fields have their whitespace collapsed, emails are lower-cased, phones become E.164.
 */
import { z } from 'zod';
import type { Issue } from '../../src/domain/errors.js';
import { PRIORITIES, type Priority } from '../../src/domain/model.js';
import { validateDocument, type DocumentType } from './brazil-documents.js';
import { brazilAlternate, normalizePhone } from './phone-number.js';
import type { StandardTarget, TicketFieldTarget } from './webform-config.js';

export interface MappingRules {
  fields: Readonly<Record<string, TicketFieldTarget>>;
  required: readonly TicketFieldTarget[];
  categories?: readonly string[] | undefined;
  defaultCountryCode: string;
  maxMessageChars: number;
}

export interface MappedSubmission {
  name?: string;
  email?: string;
  /** E.164. */
  phone?: string;
  /** Other forms of the phone, for contact lookups only (the Brazilian ninth digit). */
  phoneLookupAlso: string[];
  subject?: string;
  message: string;
  category?: string;
  reference?: string;
  document?: { type: DocumentType; value: string };
  priority?: Priority;
  custom: Record<string, string>;
}

export type MappingResult = { ok: true; value: MappedSubmission } | { ok: false; issues: Issue[] };

const ONE_LINE_MAX = 200;
const CUSTOM_MAX = 2000;

const PRIORITY_WORDS: Record<string, Priority> = {
  low: 'low',
  baixa: 'low',
  baixo: 'low',
  baja: 'low',
  bajo: 'low',
  normal: 'normal',
  medium: 'normal',
  media: 'normal',
  medio: 'normal',
  high: 'high',
  alta: 'high',
  alto: 'high',
  urgent: 'urgent',
  urgente: 'urgent',
};

/** Remove control characters except tab and newline; normalize line ends and Unicode form. */
export function cleanText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F\u200B\u2028\u2029\uFEFF]/g, '')
    .normalize('NFC')
    .trim();
}

function oneLine(value: string): string {
  return cleanText(value).replace(/\s+/g, ' ');
}

function fold(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

function lineField(label: string, max = ONE_LINE_MAX) {
  return z
    .string()
    .transform(oneLine)
    .pipe(z.string().max(max, `${label} is too long (max ${max} characters)`));
}

function schemaFor(target: TicketFieldTarget, rules: MappingRules): z.ZodType<unknown, string> {
  switch (target as StandardTarget) {
    case 'name':
      return lineField('the name');
    case 'email':
      return z
        .string()
        .transform((v) => oneLine(v).toLowerCase())
        .pipe(z.string().max(320, 'the email is too long').pipe(z.email('not a valid email address, e.g. maria@example.com')));
    case 'phone':
      return z.string().transform((v, ctx) => {
        const r = normalizePhone(oneLine(v), rules.defaultCountryCode);
        if (r.ok) return r.e164;
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      });
    case 'subject':
      return lineField('the subject');
    case 'message':
      return z
        .string()
        .transform(cleanText)
        .pipe(z.string().max(rules.maxMessageChars, `the message is too long (max ${rules.maxMessageChars} characters)`));
    case 'category':
      return lineField('the category').transform((v, ctx) => {
        if (!rules.categories) return v;
        const found = rules.categories.find((c) => fold(c) === fold(v));
        if (found) return found;
        ctx.addIssue({ code: 'custom', message: `choose one of: ${rules.categories.join(', ')}` });
        return z.NEVER;
      });
    case 'reference':
      return lineField('the reference');
    case 'document':
      return z.string().transform((v, ctx) => {
        const r = validateDocument(oneLine(v));
        if (r.ok) return { type: r.type, value: r.value };
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      });
    case 'priority':
      return z.string().transform((v, ctx) => {
        const p = PRIORITY_WORDS[fold(v)];
        if (p) return p;
        ctx.addIssue({ code: 'custom', message: `use one of: ${PRIORITIES.join(', ')}` });
        return z.NEVER;
      });
    default:
      return z
        .string()
        .transform(cleanText)
        .pipe(z.string().max(CUSTOM_MAX, `too long (max ${CUSTOM_MAX} characters)`));
  }
}

/** Schemas are built once per form (rules object), not per submission. */
const compiled = new WeakMap<MappingRules, Map<TicketFieldTarget, z.ZodType<unknown, string>>>();

function compiledSchemaFor(target: TicketFieldTarget, rules: MappingRules): z.ZodType<unknown, string> {
  let byTarget = compiled.get(rules);
  if (!byTarget) compiled.set(rules, (byTarget = new Map()));
  let schema = byTarget.get(target);
  if (!schema) byTarget.set(target, (schema = schemaFor(target, rules)));
  return schema;
}

type Coerced = { present: false } | { present: true; text: string } | { present: true; issue: string };

/** JSON gives any type, urlencoded/multipart give strings or repeated strings. */
function coerce(raw: unknown): Coerced {
  let v = raw;
  if (Array.isArray(v)) {
    const nonEmpty = v.filter((x) => !(x === null || x === undefined || (typeof x === 'string' && x.trim() === '')));
    if (nonEmpty.length > 1) return { present: true, issue: 'sent more than once; send a single value' };
    v = nonEmpty[0];
  }
  if (v === null || v === undefined) return { present: false };
  if (typeof v === 'string') return v.trim() === '' ? { present: false } : { present: true, text: v };
  if (typeof v === 'number' && Number.isFinite(v)) return { present: true, text: String(v) };
  if (typeof v === 'boolean') return { present: true, text: v ? 'true' : 'false' };
  return { present: true, issue: 'must be text' };
}

export function mapSubmission(values: Readonly<Record<string, unknown>>, rules: MappingRules): MappingResult {
  const issues: Issue[] = [];
  const byTarget = new Map<TicketFieldTarget, unknown>();
  const namesOf = new Map<TicketFieldTarget, string[]>();

  for (const [submitted, target] of Object.entries(rules.fields)) {
    namesOf.set(target, [...(namesOf.get(target) ?? []), submitted]);
    const raw = Object.hasOwn(values, submitted) ? values[submitted] : undefined;
    const c = coerce(raw);
    if (!c.present) continue;
    if ('issue' in c) {
      issues.push({ path: submitted, message: c.issue });
      continue;
    }
    const parsed = compiledSchemaFor(target, rules).safeParse(c.text);
    if (!parsed.success) {
      issues.push({ path: submitted, message: parsed.error.issues[0]?.message ?? 'invalid' });
      continue;
    }
    const text = parsed.data;
    if (text === '' || byTarget.has(target)) continue; // first non-empty mapped name wins
    byTarget.set(target, text);
  }

  const label = (t: TicketFieldTarget) => namesOf.get(t)?.[0] ?? t;
  const failed = new Set(issues.map((i) => i.path));
  const anyFailed = (t: TicketFieldTarget) => (namesOf.get(t) ?? []).some((n) => failed.has(n));
  for (const t of new Set(rules.required)) {
    if (!byTarget.has(t) && !anyFailed(t)) issues.push({ path: label(t), message: 'is required' });
  }
  if (!byTarget.has('email') && !byTarget.has('phone') && !anyFailed('email') && !anyFailed('phone')) {
    const path = namesOf.has('email') ? label('email') : label('phone');
    issues.push({ path, message: 'give an email or a phone number so we can answer you' });
  }
  if (issues.length > 0) return { ok: false, issues };

  const get = <T>(t: TicketFieldTarget) => byTarget.get(t) as T | undefined;
  const custom: Record<string, string> = {};
  for (const [t, v] of byTarget) {
    if (t.startsWith('custom:')) custom[t.slice('custom:'.length)] = v as string;
  }
  const phone = get<string>('phone');
  const alternate = phone ? brazilAlternate(phone) : undefined;
  const value: MappedSubmission = { message: get<string>('message') ?? '', phoneLookupAlso: alternate ? [alternate] : [], custom };
  const assign = <K extends keyof MappedSubmission>(k: K, v: MappedSubmission[K] | undefined) => {
    if (v !== undefined) value[k] = v;
  };
  assign('name', get('name'));
  assign('email', get('email'));
  assign('phone', phone);
  assign('subject', get('subject'));
  assign('category', get('category'));
  assign('reference', get('reference'));
  assign('document', get('document'));
  assign('priority', get('priority'));
  return { ok: true, value };
}
