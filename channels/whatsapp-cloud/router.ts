/**
 * Webhook endpoint, mounted by the core at `/hooks/whatsapp-cloud/<channelId>` before any body
 * parser. GET is Meta's subscription handshake; POST reads the raw bytes itself, checks
 * X-Hub-Signature-256 over exactly those bytes, rejects malformed JSON with 400, hands the body
 * to the durable inbox and answers 200 once it is stored (processing follows; see
 * webhook-inbox.ts). Nothing is stored for a request that fails the signature check.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { verifyHandshake, verifySignature } from './signature.js';

export interface WebhookRouterDeps {
  appSecret: string;
  verifyToken: string;
  maxBytes: number;
  logger: Logger;
  /** Makes the verified raw body durable; resolve = safe to answer 200. */
  accept(raw: Buffer): Promise<unknown>;
}

export function createWebhookRouter(deps: WebhookRouterDeps): Router {
  const router = Router();

  router.get('/', (req: Request, res: Response) => {
    const result = verifyHandshake(req.query as Record<string, unknown>, deps.verifyToken);
    res.set('x-content-type-options', 'nosniff');
    if (result.status === 200) {
      res.status(200).type('text/plain').send(result.challenge);
      return;
    }
    deps.logger.warn({ status: result.status }, `webhook verification refused: ${result.message}`);
    res.status(result.status).type('text/plain').send(result.message);
  });

  router.post('/', express.raw({ type: () => true, limit: deps.maxBytes }), async (req: Request, res: Response) => {
    const raw: unknown = req.body === undefined ? Buffer.alloc(0) : req.body; // no body at all: fails the signature check
    if (!Buffer.isBuffer(raw)) {
      // Another body parser ran first: the exact bytes are gone and no signature can be checked.
      deps.logger.error('webhook body was already parsed before this router: mount it before any body parser');
      res.status(500).json({ error: 'raw_body_unavailable', message: 'the raw request body is not available to verify the signature' });
      return;
    }
    const check = verifySignature(raw, req.headers['x-hub-signature-256'], deps.appSecret);
    if (!check.ok) {
      deps.logger.warn({ reason: check.reason, ip: req.ip }, 'webhook rejected: bad signature');
      res.status(401).json({ error: 'invalid_signature', message: check.message });
      return;
    }
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('the body must be a JSON object');
    } catch (err) {
      res.status(400).json({ error: 'invalid_json', message: `webhook body is not valid JSON: ${(err as Error).message.slice(0, 200)}` });
      return;
    }
    try {
      await deps.accept(raw);
    } catch (err) {
      // Not stored: a non-2xx makes Meta deliver it again later.
      deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'webhook body could not be stored');
      res.status(503).json({ error: 'unavailable', message: 'could not store the webhook; retry later' });
      return;
    }
    res.status(200).json({ received: true });
  });

  // Body-parser errors (too large, aborted) keep their status and get a clear message.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (res.headersSent) return next(err);
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: 'payload_too_large', message: `webhook body is over ${deps.maxBytes} bytes` });
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: 'bad_request', message: (e.message ?? 'bad request').slice(0, 200) });
      return;
    }
    next(err);
  });

  return router;
}
