/**
 * The few error classes of Ponte. Each carries a literal `code`; callers branch on the code or
 * the class, never on the message. `src/http/` is the only place that maps codes to statuses.
 */
export type Issue = { path: string; message: string };

export type AuthErrorCode = 'unauthenticated' | 'agent_disabled' | 'token_expired' | 'forbidden';

/**
 * Why a sender or source failed. Provider codes keep the provider's number: `smtp_550`,
 * `whatsapp_131047` (Graph error code, or the Baileys server's HTTP-like status),
 * `whatsapp_http_502` (a Graph answer without an error code).
 */
export type ChannelErrorCode =
  /** The connection failed or dropped (refused, reset, timed out): always retryable. */
  | 'network'
  // email (channels/email)
  | 'smtp_auth'
  | `smtp_${number}`
  | 'smtp_envelope'
  | 'smtp_message'
  | 'smtp_rejected'
  | 'smtp_unknown'
  | 'recipient_not_email'
  | 'recipient_is_self'
  | 'oauth2_not_authorized'
  | 'oauth2_network'
  | 'oauth2_refresh_failed'
  // WhatsApp, Baileys and Cloud API (channels/whatsapp)
  | `whatsapp_${number}`
  | `whatsapp_http_${number}`
  | 'whatsapp_empty_message'
  | 'whatsapp_bad_recipient'
  | 'whatsapp_not_on_whatsapp'
  | 'whatsapp_not_connected'
  | 'whatsapp_rate_limited'
  | 'whatsapp_recipient_invalid'
  | 'whatsapp_recipient_unsupported'
  | 'whatsapp_window_closed'
  | 'whatsapp_media_too_large'
  | 'whatsapp_media_invalid'
  | 'whatsapp_media_url_refused'
  | 'whatsapp_bad_response';

export type PolicyErrorCode =
  /** Another agent's upload token (403). */
  'upload_not_yours' | 'upload_already_used';

/** What a 409 was about, for the caller to act on (`reason` in the API's error body). */
export type ConflictReason =
  | 'status_transition'
  | 'ticket_closed'
  | 'no_route'
  | 'last_admin'
  | 'claim_already_linked'
  | 'no_channel_for_claim'
  | 'config_subscription'
  | 'identity_owned_by_other_contact'
  | 'merge_already_undone'
  | 'merge_superseded'
  | 'merge_not_undoable';

/** Every code a PonteError can carry; the storage errors are declared beside the blob store. */
export type PonteErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | AuthErrorCode
  | 'config_invalid'
  | ChannelErrorCode
  | PolicyErrorCode
  | 'blob_too_large'
  | 'blob_key_invalid';

export abstract class PonteError extends Error {
  abstract readonly code: PonteErrorCode;
}

export class ValidationError extends PonteError {
  readonly code = 'validation_failed' as const;
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends PonteError {
  readonly code = 'not_found' as const;
  constructor(
    readonly entity: string,
    readonly key: string,
  ) {
    super(`${entity} ${key} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends PonteError {
  readonly code = 'conflict' as const;
  constructor(
    message: string,
    readonly reason: ConflictReason,
    /** Facts the caller can act on (e.g. the contact that owns an identity, to merge with). */
    readonly details?: Record<string, string | number | null>,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** `agent_disabled` and `token_expired` are refused tokens too (401), told apart for their holder. */
export class AuthError extends PonteError {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export class ConfigError extends PonteError {
  readonly code = 'config_invalid' as const;
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Thrown by channel senders and sources. `retryable` decides whether the outbox tries again;
 * `code` is stored on the failed message (e.g. `smtp_550`, `whatsapp_131047`, `network`).
 * The only error a sender may throw (test/contract/channel-contract.test.ts checks every kind).
 */
export class ChannelError extends PonteError {
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** A rule of the desk refused an operation (e.g. free text outside WhatsApp's 24-hour window). */
export class PolicyError extends PonteError {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}

export function zodIssues(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): Issue[] {
  return error.issues.map((i) => ({
    path: i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '['),
    message: i.message,
  }));
}
