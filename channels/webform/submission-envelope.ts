/**
 * A validated submission -> the envelope the core ingests. Pure.
 *
 * A form proves nothing about who typed it (ARCHITECTURE rule 0): the email and phone are
 * claims. `from` is the identity replies go to (the one the form's `replyVia` channel delivers
 * to, see `replyTo`); the other typed identity is a claim on the ticket (`message.claims`),
 * never an alias that would join someone else's contact. Only a signed form whose merchant
 * server vouches for its customers (`trustIdentities: true`) sends both as the requester's
 * identities. No form ever runs agent commands (`agentCommands: false`): a stranger typing an
 * agent's address must get an ordinary customer ticket.
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
 * - a signed request -> derived from its verified signature and timestamp, so an exact replay
 *   inside the window is a duplicate, never a second ticket, even with a fresh Idempotency-Key;
 *   a client key is carried too (`idempotencyKey`, de-duplicated by the core), so a re-signed
 *   retry with the same key is a duplicate as well;
 * - a client key (Idempotency-Key header, else the submission id field) -> derived from the key,
 *   so a retried POST answers `duplicate` with the first ticket;
 * - otherwise random: two identical public posts are two submissions.
 */
export function submissionIdentity(input: {
  header?: string | undefined;
  field?: unknown;
  fieldName?: string;
  replayKey?: string | undefined;
}): SubmissionIdentity {
  const fromField = typeof input.field === 'string' || typeof input.field === 'number' ? String(input.field).trim() : undefined;
  if (input.field !== undefined && fromField === undefined) {
    throw new FormRejection(400, 'validation_failed', 'the submission id must be text', [
      { path: input.fieldName ?? 'submissionId', message: 'must be text' },
    ]);
  }
  const key = input.header?.trim() || fromField || undefined;
  if (key !== undefined && !KEY_RE.test(key)) {
    throw new FormRejection(400, 'invalid_idempotency_key', 'the idempotency key must be 1–255 visible ASCII characters');
  }
  // A signed request is identified by its signature whatever key it carries: a captured request
  // replayed with a fresh Idempotency-Key is the same submission (the key is not signed).
  if (input.replayKey) return { externalId: `webform:sig:${input.replayKey}`, ...(key !== undefined ? { idempotencyKey: key } : {}) };
  if (key !== undefined) return { externalId: `webform:key:${createHash('sha256').update(key).digest('hex')}`, idempotencyKey: key };
  return { externalId: `webform:${randomUUID()}` };
}

export interface EnvelopeInput {
  formId: string;
  /** Which typed identity replies go to (the kind the replyVia channel delivers to). */
  replyTo: 'email' | 'phone';
  /** A signed form's merchant server vouches for the identities it sends. */
  trustIdentities: boolean;
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
  const from = input.replyTo === 'phone' ? (phone ?? email) : (email ?? phone);
  if (!from) throw new Error('field mapping guarantees an email or a phone'); // unreachable: mapSubmission refuses
  const other = from === email ? phone : email;
  const fromAliases = other && input.trustIdentities ? [other] : [];
  const claims = other && !input.trustIdentities ? [other] : [];
  // Ninth-digit variants find the same person's contact: only for the phone replies go to.
  const lookupAlso = from === phone ? s.phoneLookupAlso.map((address) => ({ kind: 'phone' as const, address })) : [];

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
      claims,
      lookupAlso,
      proof: { level: input.trustIdentities ? 'authenticated' : 'none' },
      agentCommands: false,
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
  const firstLine = s.message
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
  if (firstLine) return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine;
  return origin;
}
