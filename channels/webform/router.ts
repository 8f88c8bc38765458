/**
 * POST /hooks/forms/<formId>: one form submission -> one ingest. Mounted by the core before
 * any body parser; this router reads the body itself.
 *
 * Order of checks, cheapest first, so abuse costs us little: CORS origin (public), rate limits,
 * signature headers and timestamp (signed), media type and declared length, body (size-capped;
 * a signed body streams through the HMAC and is spooled, never buffered, until the MAC
 * matches), honeypot (public), field validation, then files into the blob store (they wait in
 * a staging folder until here) and ingest. Every refusal is a 4xx with `{ error, message }`;
 * nothing is ingested or stored unless every check passed. A bot that fills the honeypot gets
 * an answer that looks like success and nothing is stored (telling it would teach it).
 *
 * A browser posting a plain HTML form (it asks for text/html) gets a 303 to the form's
 * `redirect` URLs, or a small localized page, instead of JSON (public forms).
 */
import { Router, type Request, type Response } from 'express';
import type { ChannelContext } from '../../src/channel/contract.js';
import { inboundEnvelopeSchema, type AttachmentRef } from '../../src/domain/envelope.js';
import { zodIssues } from '../../src/domain/errors.js';
import type { Readable } from 'node:stream';
import { PAGE_CSP, renderErrorPage, renderSuccessPage } from './answer-page.js';
import {
  bodyKindOf,
  createSizeLimit,
  parseJsonBody,
  parseUrlencodedBody,
  readRawBody,
  tooLarge,
  unsupportedCharset,
  type BodyKind,
  type FormValues,
} from './body-reader.js';
import { decideCors } from './cors.js';
import { answerFor, HONEYPOT_ANSWER, pickLocale, prefersHtml, withQuery, type FormAnswer } from './form-answer.js';
import { mapSubmission, type MappingRules } from './field-mapping.js';
import { FormRejection } from './form-rejection.js';
import { sendJson } from './json-answer.js';
import { readMultipart, type MultipartLimits } from './multipart-reader.js';
import { createFormLimits } from './rate-limiter.js';
import { checkSignatureHeaders, checkTimestamp, createSignatureVerifier } from './signature.js';
import { spoolBody, type SpooledBody } from './signed-body.js';
import { buildEnvelope, submissionIdentity } from './submission-envelope.js';
import { createUploadStaging, type UploadStaging } from './upload-staging.js';
import type { WebformConfig } from './webform-config.js';

/** A text-only submission never needs more, whatever maxBodyBytes allows for files. */
const TEXT_BODY_FLOOR = 1024 * 1024;
const MAX_FIELDS = 100;
const MAX_FIELD_BYTES = 1024 * 1024;
/** Bytes of a signed body kept in memory before its MAC is known; the rest is spooled to disk. */
const UNAUTHENTICATED_MEMORY_BYTES = 64 * 1024;

export interface WebformStats {
  accepted: number;
  rejected: number;
  honeypot: number;
  lastActivityAt?: number;
}

export interface WebformRouterOptions {
  /** Buckets kept per limiter (memory bound). */
  maxRateLimitKeys?: number;
  /** Folder for spooled signed bodies and staged uploads (default: the OS temp folder). */
  tmpDir?: string;
}

export function createWebformRouter(
  config: WebformConfig,
  ctx: ChannelContext,
  options: WebformRouterOptions = {},
): { router: Router; stats: WebformStats } {
  const stats: WebformStats = { accepted: 0, rejected: 0, honeypot: 0 };
  const limits = config.rateLimit
    ? createFormLimits(config.id, config.rateLimit, ctx.rateLimits, options.maxRateLimitKeys ?? 10_000)
    : undefined;
  const rules: MappingRules = {
    fields: config.fields,
    required: config.required,
    categories: config.categories,
    defaultCountryCode: config.defaultCountryCode,
    maxMessageChars: config.maxMessageChars,
  };
  const textBodyMax = Math.min(config.maxBodyBytes, Math.max(TEXT_BODY_FLOOR, config.maxMessageChars * 4 + 64 * 1024));
  const multipartLimits: MultipartLimits = {
    maxFiles: config.attachments.maxCount,
    maxFileBytes: config.attachments.maxBytes,
    allowedTypes: config.attachments.allowedTypes,
    maxFields: MAX_FIELDS,
    maxFieldBytes: Math.min(MAX_FIELD_BYTES, textBodyMax),
  };
  const secrets = config.mode === 'signed' ? [config.secret, ...(config.previousSecret ? [config.previousSecret] : [])] : [];

  const router = Router();

  router.options('/', (req, res) => {
    if (config.mode !== 'public') {
      res.set('Allow', 'POST').status(405).json({ error: 'method_not_allowed', message: 'signed forms are posted server to server' });
      return;
    }
    const d = decideCors(
      {
        method: 'OPTIONS',
        origin: req.get('origin'),
        requestMethod: req.get('access-control-request-method'),
        requestHeaders: req.get('access-control-request-headers'),
      },
      config.allowedOrigins,
      config.requireOrigin,
    );
    res.set(d.headers);
    if (d.allowed) res.status(204).end();
    else res.status(403).json({ error: 'origin_not_allowed', message: d.message });
  });

  router.post('/', async (req, res) => {
    try {
      const answer = await handleSubmission(req, res);
      stats.accepted += answer.counted ? 1 : 0;
      stats.lastActivityAt = ctx.clock.now();
      respond(req, res, answer);
    } catch (err) {
      stats.rejected++;
      respondError(req, res, err);
    }
  });

  router.all('/', (_req, res) => {
    res
      .set('Allow', config.mode === 'public' ? 'POST, OPTIONS' : 'POST')
      .status(405)
      .json({ error: 'method_not_allowed', message: 'use POST' });
  });

  async function handleSubmission(req: Request, res: Response): Promise<FormAnswer> {
    const staging = createUploadStaging(options.tmpDir);
    let spool: SpooledBody | undefined;
    try {
      return await readAndIngest(req, res, staging, (s) => (spool = s));
    } finally {
      await Promise.all([staging.dispose(), spool?.dispose()]);
    }
  }

  async function readAndIngest(
    req: Request,
    res: Response,
    staging: UploadStaging,
    spooled: (s: SpooledBody) => void,
  ): Promise<FormAnswer> {
    const now = ctx.clock.now();
    if (config.mode === 'public') {
      const origin = req.get('origin');
      const d = decideCors({ method: 'POST', origin }, config.allowedOrigins, config.requireOrigin);
      res.set(d.headers);
      if (!d.allowed) throw new FormRejection(403, 'origin_not_allowed', d.message);
      if (origin) res.locals.allowedOrigin = origin;
    }
    if (limits) {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const byForm = await limits.take(ip, now);
      if (!byForm.allowed) {
        throw new FormRejection(429, 'rate_limited', `too many submissions; try again in ${byForm.retryAfterSeconds} s`, undefined, {
          'Retry-After': String(byForm.retryAfterSeconds),
        });
      }
    }

    let signature: { ts: string; provided: Buffer[]; seconds: number } | undefined;
    if (config.mode === 'signed') {
      // Headers and clock first: a request that cannot be genuine is refused without reading its body.
      const shape = checkSignatureHeaders(req.get(config.signatureHeader), req.get(config.timestampHeader));
      if (!shape.ok) throw new FormRejection(401, shape.reason, shape.message);
      const clock = checkTimestamp(shape.ts, now, config.toleranceSeconds);
      if (!clock.ok) throw new FormRejection(401, clock.reason, clock.message);
      signature = { ts: shape.ts, provided: shape.provided, seconds: clock.seconds };
    }

    const contentType = req.get('content-type');
    const kind = bodyKindOf(contentType);
    if (!kind)
      throw new FormRejection(
        415,
        'unsupported_media_type',
        'send application/json, application/x-www-form-urlencoded or multipart/form-data',
      );
    const charset = unsupportedCharset(contentType);
    if (charset && kind !== 'multipart') throw new FormRejection(415, 'unsupported_charset', `send UTF-8, not ${charset}`);
    const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') throw new FormRejection(415, 'unsupported_content_encoding', 'send the body uncompressed');
    const cap = kind === 'multipart' ? config.maxBodyBytes : textBodyMax;
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > cap) throw tooLarge(cap);

    let values: FormValues;
    let files: AttachmentRef[] = [];
    let raw: Buffer | undefined;
    let replayKey: string | undefined;
    let sentAt: number | undefined;
    const honeypotFilled = (v: FormValues) => config.mode === 'public' && isFilled(v[config.honeypotField]);

    if (signature) {
      const verifier = createSignatureVerifier(secrets, signature.ts);
      const body = await spoolBody(req, {
        maxBytes: cap,
        memoryBytes: UNAUTHENTICATED_MEMORY_BYTES,
        onChunk: (c) => verifier.update(c),
        ...(options.tmpDir ? { tmpRoot: options.tmpDir } : {}),
      });
      spooled(body);
      const sig = verifier.verify(signature.provided);
      if (!sig.ok) throw new FormRejection(401, sig.reason, sig.message);
      replayKey = sig.replayKey;
      sentAt = signature.seconds * 1000;
      // Genuine from here on. Text bodies are small (capped); multipart streams from the spool.
      if (kind !== 'multipart') raw = await body.read();
      ({ values, files } = await parseBody(kind, raw, kind === 'multipart' ? body.stream() : undefined, req, staging));
    } else if (kind === 'multipart') {
      // Streamed, not buffered: files go to the blob store as they arrive.
      const limited = createSizeLimit(cap);
      const abort = () => {
        if (!req.complete)
          limited.destroy(new FormRejection(400, 'body_incomplete', 'the client closed the request before the body ended'));
      };
      req.on('error', abort);
      req.on('close', abort);
      req.pipe(limited);
      try {
        ({ values, files } = await parseBody(kind, undefined, limited, req, staging, honeypotFilled));
      } finally {
        req.off('error', abort);
        req.off('close', abort);
      }
    } else {
      raw = await readRawBody(req, cap);
      ({ values, files } = await parseBody(kind, raw, undefined, req, staging));
    }

    if (honeypotFilled(values)) {
      stats.honeypot++;
      ctx.logger.info({ form: config.id }, 'honeypot field filled: submission dropped');
      return HONEYPOT_ANSWER;
    }

    const mapped = mapSubmission(values, rules);
    if (!mapped.ok) throw new FormRejection(400, 'validation_failed', 'some fields are missing or invalid', mapped.issues);
    const identity = submissionIdentity({
      header: req.get('idempotency-key'),
      field: values[config.submissionIdField],
      fieldName: config.submissionIdField,
      replayKey,
    });
    const metadata: Record<string, unknown> = { mode: config.mode, bodyKind: kind };
    if (config.mode === 'public') metadata.ip = req.ip ?? req.socket.remoteAddress;
    const envelopeWith = (attachments: AttachmentRef[]) =>
      buildEnvelope({
        formId: config.id,
        replyTo: config.replyTo,
        trustIdentities: config.mode === 'signed' && config.trustIdentities,
        origin: config.origin,
        existingRequest: config.existingRequest,
        submission: mapped.value,
        identity,
        attachments,
        sentAt,
        metadata,
      });
    if (files.length > 0) {
      // The core's own envelope rules, checked while the files are still staged: a value the core
      // would refuse must not leave blobs behind either. (Without files the core's own check
      // below answers the same 400, and stores nothing either.)
      const draft = inboundEnvelopeSchema.safeParse(envelopeWith(files));
      if (!draft.success) throw new FormRejection(400, 'validation_failed', 'some fields are invalid', zodIssues(draft.error));
      // Every check passed: the staged files go into the blob store now, not before.
      files = await staging.commit(files, ctx.blobs);
    }
    // The raw payload is stored by the core with the message (in its transaction when small).
    const payload = config.keepRaw
      ? raw && kind !== 'multipart'
        ? raw
        : Buffer.from(JSON.stringify({ fields: values, files }))
      : undefined;
    const outcome = await ctx.ingest(envelopeWith(files), payload ? { raw: payload } : undefined);
    return answerFor(outcome, config.mode === 'public' ? 'created_only' : 'full');
  }

  async function parseBody(
    kind: BodyKind,
    raw: Buffer | undefined,
    stream: Readable | undefined,
    req: Request,
    staging: UploadStaging,
    discardFiles?: (v: FormValues) => boolean,
  ): Promise<{ values: FormValues; files: AttachmentRef[] }> {
    if (kind === 'json') return { values: parseJsonBody(raw!), files: [] };
    if (kind === 'urlencoded') return { values: parseUrlencodedBody(raw!), files: [] };
    const r = await readMultipart(stream!, req.headers, multipartLimits, staging, discardFiles ? { discardFiles } : {});
    return { values: r.fields, files: r.files };
  }

  function respondError(req: Request, res: Response, err: unknown): void {
    if (res.headersSent) return;
    let status: number;
    let body: Record<string, unknown>;
    if (err instanceof FormRejection) {
      status = err.status;
      body = err.body();
      if (err.headers) res.set(err.headers);
      ctx.logger.debug({ form: config.id, status, error: err.error }, 'form submission refused');
    } else if (isCoreValidation(err)) {
      // The core refused the envelope: a value we let through breaks a core limit. Still the client's input.
      status = 400;
      body = { error: 'validation_failed', message: 'some fields are invalid', issues: err.issues };
    } else {
      status = 503;
      body = { error: 'unavailable', message: 'the submission could not be stored; try again in a moment' };
      res.set('Retry-After', '5');
      ctx.logger.error({ form: config.id, err: errorSummary(err) }, 'form submission failed');
    }
    if (!req.complete) {
      // The body was not read to the end (refused early or too large): close after answering
      // and discard the rest rather than parse it.
      res.set('Connection', 'close');
      req.resume();
    }
    if (wantsPage(req)) {
      const error = String(body.error);
      if (config.mode === 'public' && config.redirect) {
        res.redirect(303, withQuery(config.redirect.error, { error }));
        return;
      }
      const issues = Array.isArray(body.issues) ? (body.issues as Array<{ path: string; message: string }>) : undefined;
      sendPage(
        res,
        status,
        renderErrorPage({ locale: pageLocale(req), error, issues, backUrl: res.locals.allowedOrigin as string | undefined }),
      );
      return;
    }
    sendJson(res, status, body);
  }

  /** A public form posted by a browser navigating (a plain HTML form), not by a script. */
  function wantsPage(req: Request): boolean {
    return config.mode === 'public' && prefersHtml(req.get('accept'));
  }

  function pageLocale(req: Request) {
    return pickLocale(config.locale, req.get('accept-language'));
  }

  function respond(req: Request, res: Response, answer: FormAnswer): void {
    if (!wantsPage(req)) {
      sendJson(res, answer.status, answer.body);
      return;
    }
    // Only a ticket this submission created is named (answerFor leaves it out otherwise).
    const ticket = answer.status === 201 ? answer.ticketNumber : undefined;
    if (config.mode === 'public' && config.redirect) {
      res.redirect(303, withQuery(config.redirect.success, ticket !== undefined ? { ticket: String(ticket) } : {}));
      return;
    }
    sendPage(
      res,
      answer.status,
      renderSuccessPage({ locale: pageLocale(req), ticketNumber: ticket, backUrl: res.locals.allowedOrigin as string | undefined }),
    );
  }

  return { router, stats };
}

function sendPage(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    .send(html);
}

function isFilled(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(isFilled);
  if (typeof v === 'string') return v.trim() !== '';
  return v !== undefined && v !== null && v !== false;
}

function isCoreValidation(err: unknown): err is { code: 'validation_failed'; issues: Array<{ path: string; message: string }> } {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'validation_failed' &&
    Array.isArray((err as { issues?: unknown }).issues)
  );
}

/** Class and code only: error messages may quote submitted data. */
function errorSummary(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, code: (err as { code?: unknown }).code };
  return { type: typeof err };
}
