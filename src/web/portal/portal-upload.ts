/**
 * The portal's multipart forms (reply, new request): fields and files within the configured
 * count, size and type limits, read by the web forms' reader (the one busboy module). Files wait
 * in a staging folder until the whole form is accepted (CSRF, fields), so a refused form leaves
 * nothing in the blob store. Errors come back as one of three kinds the page words for people.
 */
import type { Request } from 'express';
import { FormRejection } from '../../../channels/webform/form-rejection.js';
import { readMultipart } from '../../../channels/webform/multipart-reader.js';
import { createUploadStaging } from '../../../channels/webform/upload-staging.js';
import type { BlobStore } from '../../channel/contract.js';
import type { AttachmentRef } from '../../domain/envelope.js';
import type { PortalConfig } from './portal-config.js';

export type UploadProblem = 'too_large' | 'type' | 'too_many' | 'failed';

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
  ) {
    super(problem);
  }
}

function problemOf(r: FormRejection): UploadProblem {
  if (r.error === 'attachment_too_large') return 'too_large';
  if (r.error === 'attachment_type_refused') return 'type';
  if (r.error === 'too_many_attachments') return 'too_many';
  return 'failed';
}

export async function readPortalForm(req: Request, cfg: PortalConfig['attachments'], blobs: BlobStore, maxBytes: number): Promise<PortalForm> {
  const staging = createUploadStaging();
  try {
    const r = await readMultipart(req, req.headers, { maxFiles: cfg.maxCount, maxFileBytes: Math.min(cfg.maxBytes, maxBytes), allowedTypes: cfg.allowedTypes, maxFields: 60, maxFieldBytes: 100_000 }, staging);
    return { fields: r.fields as Record<string, unknown>, commit: () => staging.commit(r.files, blobs), dispose: () => staging.dispose() };
  } catch (err) {
    await staging.dispose();
    if (err instanceof FormRejection) throw new PortalUploadError(problemOf(err), err.status);
    throw new PortalUploadError('failed', 400);
  }
}

export function isMultipart(req: Request): boolean {
  return (req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}
