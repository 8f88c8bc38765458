/**
 * The one place that maps error codes to HTTP statuses (the JSON API; the console and portal
 * pages reuse it through their own error pages). Unknown errors are 500 and logged, never echoed.
 * Push channels' routers answer their provider's protocol themselves (src/channel/contract.ts).
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ChannelError, type ChannelErrorCode, ConflictError, PonteError, type PonteErrorCode, ValidationError } from '../domain/errors.js';

/** Every code but a channel's: a new code does not compile until it has a status here. */
function statusOfCode(code: Exclude<PonteErrorCode, ChannelErrorCode>): number {
  switch (code) {
    case 'validation_failed':
      return 400;
    case 'unauthenticated':
    case 'agent_disabled':
    case 'token_expired':
      return 401;
    case 'forbidden':
    // Another agent's upload token: the request is understood and refused for this agent.
    case 'upload_not_yours':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'upload_already_used':
      return 409;
    case 'blob_too_large':
      return 413;
    case 'config_invalid':
    case 'blob_key_invalid':
      return 500;
    default: {
      const unmapped: never = code;
      void unmapped;
      return 500;
    }
  }
}

export function statusFor(err: unknown): number {
  if (!(err instanceof PonteError)) return 500;
  // The channel (SMTP server, WhatsApp) refused or could not be reached: a bad gateway.
  if (err instanceof ChannelError) return 502;
  return statusOfCode(err.code as Exclude<PonteErrorCode, ChannelErrorCode>);
}

/** express/body-parser errors carry `type` and `status` (malformed JSON, too large, bad charset). */
function bodyParserError(err: any): { status: number; code: string; message: string } | undefined {
  if (
    err &&
    typeof err === 'object' &&
    typeof err.type === 'string' &&
    typeof err.status === 'number' &&
    err.status >= 400 &&
    err.status < 500
  ) {
    const code = err.type === 'entity.parse.failed' ? 'invalid_json' : err.type === 'entity.too.large' ? 'body_too_large' : 'bad_request';
    return {
      status: err.status,
      code,
      message: err.type === 'entity.parse.failed' ? 'request body is not valid JSON' : String(err.message),
    };
  }
  // The router could not percent-decode a path parameter (`/api/tickets/%zz`): the URL is bad input.
  if (err instanceof URIError && (err as URIError & { status?: number }).status === 400) {
    return { status: 400, code: 'bad_request', message: 'malformed percent-encoding in the URL' };
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const bp = bodyParserError(err);
    if (bp) {
      res.status(bp.status).json({ error: bp.code, message: bp.message });
      return;
    }
    const status = statusFor(err);
    if (status >= 500) {
      logger.error({ err, method: req.method, path: req.path }, 'request failed');
      res.status(status).json({ error: err instanceof PonteError ? err.code : 'internal_error', message: 'internal error' });
      return;
    }
    res.status(status).json({
      error: (err as PonteError).code,
      message: (err as Error).message,
      ...(err instanceof ValidationError ? { issues: err.issues } : {}),
      ...(err instanceof ConflictError ? { reason: err.reason, ...(err.details ? { details: err.details } : {}) } : {}),
    });
  };
}
