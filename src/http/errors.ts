/** The one place that maps error codes to HTTP statuses. Unknown errors are 500 and logged, never echoed. */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { AuthError, ChannelError, ConfigError, ConflictError, NotFoundError, PolicyError, PonteError, ValidationError } from '../domain/errors.js';

export function statusFor(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof AuthError) return err.code === 'forbidden' ? 403 : 401;
  if (err instanceof NotFoundError) return 404;
  // Another agent's upload token: the request is understood and refused for this agent.
  if (err instanceof PolicyError && err.code === 'upload_not_yours') return 403;
  if (err instanceof ConflictError || err instanceof PolicyError) return 409;
  if (err instanceof ChannelError) return 502;
  if (err instanceof ConfigError) return 500;
  if (err instanceof PonteError && err.code === 'blob_too_large') return 413;
  return 500;
}

/** express/body-parser errors carry `type` and `status` (malformed JSON, too large, bad charset). */
function bodyParserError(err: any): { status: number; code: string; message: string } | undefined {
  if (err && typeof err === 'object' && typeof err.type === 'string' && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    const code = err.type === 'entity.parse.failed' ? 'invalid_json' : err.type === 'entity.too.large' ? 'body_too_large' : 'bad_request';
    return { status: err.status, code, message: err.type === 'entity.parse.failed' ? 'request body is not valid JSON' : String(err.message) };
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
