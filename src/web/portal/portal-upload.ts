/**
 * The portal's multipart forms (reply, new request): fields and files within the configured
 * count, size and type limits, read by the web forms' reader (the one busboy module, handed over as an UploadFormReader). Files wait
 * in a staging folder until the whole form is accepted (CSRF, fields), so a refused form leaves
 * nothing in the blob store. Errors come back as one of three kinds the page words for people.
 */
import type { Request } from 'express';
import type { BlobStore } from '../../channel/contract.js';
import type { AttachmentRef } from '../../domain/envelope.js';
import type { UploadFormReader, UploadProblem } from '../shared/upload-form.js';
import type { PortalConfig } from './portal-config.js';

export type { UploadProblem };

export interface PortalForm {
  fields: Record<string, unknown>;
  /** Copies the staged files into the blob store (call once the form is accepted). */
  commit(): Promise<AttachmentRef[]>;
  dispose(): Promise<void>;
}

export class PortalUploadError extends Error {
  constructor(
    readonly problem: UploadProblem,
    readonly status: number,
    /** The text fields read beside the refused file, when the body was read whole. */
    readonly fields?: Readonly<Record<string, unknown>>,
  ) {
    super(problem);
  }
}

export async function readPortalForm(
  read: UploadFormReader,
  req: Request,
  cfg: PortalConfig['attachments'],
  blobs: BlobStore,
  maxBytes: number,
): Promise<PortalForm> {
  const r = await read(req, req.headers, {
    maxFiles: cfg.maxCount,
    maxFileBytes: Math.min(cfg.maxBytes, maxBytes),
    allowedTypes: cfg.allowedTypes,
    maxFields: 60,
    maxFieldBytes: 100_000,
  });
  if (!r.ok) throw new PortalUploadError(r.problem, r.status, r.fields);
  const form = r.form;
  return { fields: form.fields, commit: () => form.commit(blobs), dispose: () => form.dispose() };
}

export function isMultipart(req: Request): boolean {
  return (req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}
