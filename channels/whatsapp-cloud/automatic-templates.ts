/**
 * Approved WhatsApp templates for automatic messages, one per kind (purpose). Outside the
 * 24-hour customer-service window Meta accepts only templates; an acknowledgement, a status
 * notice or a reminder sent then goes out as the template configured for its kind, with body
 * parameters filled from the message. A kind without a template still fails with
 * `whatsapp_window_closed` (the core may then use another channel). Pure.
 */
import { z } from 'zod';
import type { OutboundMessage } from '../../src/domain/outbound.js';

/** The automatic kinds a template can stand in for. */
export const TEMPLATE_PURPOSES = ['auto_ack', 'out_of_hours', 'status_notice', 'reminder', 'notification', 'system'] as const;
export type TemplatePurpose = (typeof TEMPLATE_PURPOSES)[number];

/** Where one body parameter ({{1}}, {{2}} …) takes its text from. */
const paramSourceSchema = z.union([
  z.enum(['ticket.number', 'ticket.subject', 'ticket.token', 'text', 'recipient.name']),
  z.object({ literal: z.string().min(1).max(1024) }).strict(),
]);
export type ParamSource = z.infer<typeof paramSourceSchema>;

const templateSchema = z
  .object({
    /** The template's name as approved in WhatsApp Manager. */
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'the template name as approved by Meta (lowercase letters, digits, _)'),
    /** Its language, e.g. pt_BR, es, en_US (a dash is accepted: pt-BR). */
    language: z.string().regex(/^[a-z]{2,3}([_-][A-Za-z]{2,4})?$/, 'a language code like pt_BR, es or en_US'),
    /** Body parameters in order ({{1}}, {{2}} …). */
    params: z.array(paramSourceSchema).max(20).default([]),
  })
  .strict();
export type AutomaticTemplate = z.infer<typeof templateSchema>;

export const automaticTemplatesSchema = z
  .object(
    Object.fromEntries(TEMPLATE_PURPOSES.map((p) => [p, templateSchema.optional()])) as Record<
      TemplatePurpose,
      z.ZodOptional<typeof templateSchema>
    >,
  )
  .strict()
  .default({});
export type AutomaticTemplates = z.infer<typeof automaticTemplatesSchema>;

/** WhatsApp refuses template parameters with newlines, tabs or more than 4 spaces in a row (error 132018), or over 1024 characters. */
export function templateParamText(value: string): string {
  const flat = value
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/ {5,}/g, '    ')
    .trim();
  return flat.length > 1024 ? `${flat.slice(0, 1023)}…` : flat || '-';
}

function paramValue(source: ParamSource, message: OutboundMessage): string {
  if (typeof source === 'object') return source.literal;
  switch (source) {
    case 'ticket.number':
      return String(message.ticket.number);
    case 'ticket.subject':
      return message.ticket.subject;
    case 'ticket.token':
      return message.ticket.subjectToken;
    case 'text':
      return message.text;
    case 'recipient.name':
      return message.recipient.displayName ?? '';
  }
}

/** The template for this automatic message, or undefined (not automatic, or none configured for its kind). */
export function templateFor(
  message: OutboundMessage,
  templates: AutomaticTemplates | undefined,
): { name: string; language: string; params: string[] } | undefined {
  if (!message.automatic || !templates) return undefined;
  const t = (templates as Partial<Record<string, AutomaticTemplate>>)[message.purpose];
  if (!t) return undefined;
  return { name: t.name, language: t.language, params: t.params.map((p) => templateParamText(paramValue(p, message))) };
}
