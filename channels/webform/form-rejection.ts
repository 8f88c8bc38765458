import type { Issue } from '../../src/domain/errors.js';

/**
 * A submission refused for a reason the client can act on. Always a 4xx: the router answers
 * `{ error, message, issues? }` with `status`, and nothing is ingested.
 */
export class FormRejection extends Error {
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
