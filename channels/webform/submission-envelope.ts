/**
 * A validated submission -> the envelope the core ingests. Pure.
 *
 * The requester is addressed by email when given (kind `email`), otherwise by phone (kind
 * `phone`, E.164); the other one becomes an alias so an agent's reply can go either way
 * through the form's `replyVia` channel.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AttachmentRef, InboundEnvelopeInput } from '../../src/domain/envelope.js';
import type { MappedSubmission } from './field-mapping.js';
import { FormRejection } from './form-rejection.js';

export interface SubmissionIdentity {
  externalId: string;
  idempotencyKey?: string;
}

const KEY_RE = /^[\x21-\x7E]{1,255}$/;

/**
 * The external id decides de-duplication in the core (per channel = per form):
 * - a client key (Idempotency-Key header, else the submission id field) -> derived from the key,
 *   so a retried POST answers `duplicate` with the first ticket;
 * - no key, signed request -> derived from timestamp + body, so an exact replay inside the
 *   signature window is a duplicate, never a second ticket;
 * - otherwise random: two identical public posts are two submissions.
 */
export function submissionIdentity(input: { header?: string | undefined; field?: unknown; fieldName?: string; replayKey?: string | undefined }): SubmissionIdentity {
  const fromField = typeof input.field === 'string' || typeof input.field === 'number' ? String(input.field).trim() : undefined;
  if (input.field !== undefined && fromField === undefined) {
    throw new FormRejection(400, 'validation_failed', 'the submission id must be text', [{ path: input.fieldName ?? 'submissionId', message: 'must be text' }]);
  }
  const key = input.header?.trim() || fromField || undefined;
  if (key !== undefined) {
    if (!KEY_RE.test(key)) {
      throw new FormRejection(400, 'invalid_idempotency_key', 'the idempotency key must be 1–255 visible ASCII characters');
    }
    return { externalId: `webform:key:${createHash('sha256').update(key).digest('hex')}`, idempotencyKey: key };
  }
  if (input.replayKey) return { externalId: `webform:sig:${input.replayKey}` };
  return { externalId: `webform:${randomUUID()}` };
}

export interface EnvelopeInput {
  formId: string;
  origin: string;
  existingRequest: boolean;
  submission: MappedSubmission;
  identity: SubmissionIdentity;
  attachments: AttachmentRef[];
  sentAt?: number | undefined;
  rawKey?: string | undefined;
  metadata: Record<string, unknown>;
}

export function buildEnvelope(input: EnvelopeInput): InboundEnvelopeInput {
  const s = input.submission;
  const displayName = s.name ? { displayName: s.name } : {};
  const email = s.email ? { kind: 'email' as const, address: s.email, ...displayName } : undefined;
  const phone = s.phone ? { kind: 'phone' as const, address: s.phone, ...displayName } : undefined;
  const from = email ?? phone;
  if (!from) throw new Error('field mapping guarantees an email or a phone'); // unreachable: mapSubmission refuses
  const fromAliases = email && phone ? [phone] : [];

  const customFields: Record<string, string> = { ...s.custom };
  if (s.document) {
    customFields.document = s.document.value;
    customFields.documentType = s.document.type;
  }
  const ticketFields: NonNullable<InboundEnvelopeInput['message']['ticketFields']> = {
    origin: input.origin,
    matchExistingRequest: input.existingRequest,
  };
  if (s.category) ticketFields.category = s.category;
  if (s.reference) ticketFields.reference = s.reference;
  if (s.priority) ticketFields.priority = s.priority;
  if (Object.keys(customFields).length > 0) ticketFields.customFields = customFields;

  const envelope: InboundEnvelopeInput = {
    message: {
      externalId: input.identity.externalId,
      from,
      fromAliases,
      lookupAlso: s.phoneLookupAlso.map((address) => ({ kind: 'phone' as const, address })),
      subject: subjectOf(s, input.origin),
      text: s.message,
      attachments: input.attachments,
      metadata: { form: input.formId, ...input.metadata },
      ticketFields,
    },
  };
  if (input.sentAt !== undefined) envelope.message.sentAt = input.sentAt;
  if (input.identity.idempotencyKey) envelope.idempotencyKey = input.identity.idempotencyKey;
  if (input.rawKey) envelope.rawKey = input.rawKey;
  return envelope;
}

/** The submitted subject; else "category (reference)"; else the message's first line; else the origin label. */
export function subjectOf(s: MappedSubmission, origin: string): string {
  if (s.subject) return s.subject;
  if (s.category) return s.reference ? `${s.category} (${s.reference})` : s.category;
  const firstLine = s.message.split('\n').find((l) => l.trim() !== '')?.trim();
  if (firstLine) return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine;
  return origin;
}
