/**
 * Files an agent attaches from the reply box (multipart form, with or without the page script).
 * The form is read by the web forms' multipart reader (an UploadFormReader from the composition root) within `console.attachments` limits; files
 * wait in a staging folder until the CSRF field and the text are accepted, so a refused form
 * leaves nothing in the blob store. Accepted files become upload tokens bound to the agent, the
 * same single-use tokens `POST /api/uploads` hands out, and the reply use case redeems them: one
 * path for files from the API and from the console (type checked against the bytes for images).
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { removeUnreferencedBlobs } from '../../erasure/blob-cleanup.js';
import { decideType } from '../../http/attachments-routes.js';
import { createUploadToken } from '../../tickets/upload-token.js';
import type { UploadProblem } from '../shared/upload-form.js';
import type { WebContext } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';

const UPLOAD_TTL_MS = 3600_000;

export type { UploadProblem };

export class ConsoleUploadError extends Error {
  constructor(
    readonly problem: UploadProblem,
    readonly status: number,
    /** The text fields read beside the refused file (the typed reply), when the body was read whole. */
    readonly fields?: Readonly<Record<string, unknown>>,
  ) {
    super(problem);
  }
}

export interface ConsoleForm {
  fields: Record<string, unknown>;
  /** How many files wait in staging. */
  fileCount: number;
  /** Stores the staged files and returns upload tokens for `agentId` (call once the form is accepted). */
  commit(agentId: string): Promise<string[]>;
  /** After a refused reply: removes the stored files no message refers to (nothing is kept for nobody). */
  release(): Promise<void>;
  dispose(): Promise<void>;
}

export function isMultipart(req: Request): boolean {
  return (req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
}

export function uploadLimits(rt: ConsoleRuntime) {
  const a = rt.deps.config.console.attachments;
  return { maxCount: a.maxCount, maxBytes: Math.min(a.maxBytes, rt.deps.config.storage.maxAttachmentBytes), allowedTypes: a.allowedTypes };
}

export async function readConsoleForm(req: Request, rt: ConsoleRuntime): Promise<ConsoleForm> {
  const limits = uploadLimits(rt);
  const r = await rt.deps.readUploadForm(req, req.headers, {
    maxFiles: limits.maxCount,
    maxFileBytes: limits.maxBytes,
    allowedTypes: limits.allowedTypes,
    maxFields: 40,
    maxFieldBytes: 200_000,
  });
  if (!r.ok) throw new ConsoleUploadError(r.problem, r.status, r.fields);
  const form = r.form;
  let storedKeys: string[] = [];
  return {
    fields: form.fields,
    fileCount: form.fileCount,
    async commit(agentId) {
      const stored = await form.commit(rt.deps.blobs);
      storedKeys = stored.map((f) => f.blobKey);
      const tokens: string[] = [];
      for (const f of stored) {
        const type = await decideType(rt.deps.blobs, f.blobKey, f.contentType);
        tokens.push(
          createUploadToken(rt.deps.uploadKey, {
            id: randomBytes(16).toString('base64url'),
            agentId,
            blobKey: f.blobKey,
            filename: f.filename,
            contentType: type.contentType,
            declaredContentType: type.declared,
            size: f.size,
            expiresAt: rt.deps.clock.now() + UPLOAD_TTL_MS,
          }),
        );
      }
      return tokens;
    },
    async release() {
      await removeUnreferencedBlobs(rt.deps.database.kysely, rt.deps.blobs, storedKeys);
    },
    dispose: () => form.dispose(),
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}

/** The refusal in the agent's language, naming the limit that was passed. */
export function uploadProblemText(web: WebContext, rt: ConsoleRuntime, problem: UploadProblem): string {
  const l = uploadLimits(rt);
  if (problem === 'too_large') return web.tr('upload_too_large', { size: formatBytes(l.maxBytes) });
  if (problem === 'type') return web.tr('upload_type', { types: l.allowedTypes.join(', ') });
  if (problem === 'too_many') return web.tr('upload_too_many', { count: l.maxCount });
  return web.tr('upload_failed');
}
