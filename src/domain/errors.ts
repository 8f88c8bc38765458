/**
 * The few error classes of Ponte. Each carries a literal `code`; callers branch on the code or
 * the class, never on the message. `src/http/` is the only place that maps codes to statuses.
 */
export type Issue = { path: string; message: string };

export abstract class PonteError extends Error {
  abstract readonly code: string;
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
    readonly reason: string,
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
    readonly code: 'unauthenticated' | 'agent_disabled' | 'token_expired' | 'forbidden',
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
 */
export class ChannelError extends PonteError {
  constructor(
    readonly code: string,
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
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}

export function zodIssues(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '['),
    message: i.message,
  }));
}
