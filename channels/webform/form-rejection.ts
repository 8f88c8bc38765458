import type { Issue } from '../../src/domain/errors.js';

/**
 * A submission refused for a reason the client can act on. Always a 4xx: the router answers
 * `{ error, message, issues? }` with `status`, and nothing is ingested.
 */
export class FormRejection extends Error {
  /**
   * The text fields of a multipart form read whole before it was refused (a file too large or of
   * a refused type): a page shows the typed text again instead of losing it. Never files.
   */
  fieldsRead?: Readonly<Record<string, unknown>>;

  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly issues?: Issue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'FormRejection';
  }

  body(): Record<string, unknown> {
    return this.issues ? { error: this.error, message: this.message, issues: this.issues } : { error: this.error, message: this.message };
  }
}
