/**
 * Multipart forms with files on the gateway's own pages (the portal's requests and replies, the
 * console's reply box). The reader is the web form channel's (channels/webform: the one module
 * that imports busboy, with its staging folder); the composition root hands it to the pages as
 * an `UploadFormReader`, so the core never imports an adapter. Files wait in staging until the
 * page has accepted the whole form (CSRF, fields): a refused form leaves nothing in the blob store.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../channel/contract.js';
import type { AttachmentRef } from '../../domain/envelope.js';

/** Why a form was refused, in words a page can translate. */
export type UploadProblem = 'too_large' | 'type' | 'too_many' | 'failed';

export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** Exact media types or `type/*`. */
  allowedTypes: readonly string[];
  maxFields: number;
  maxFieldBytes: number;
}

export interface UploadForm {
  fields: Record<string, unknown>;
  /** How many files wait in staging. */
  fileCount: number;
  /** Copies the staged files into the blob store (call once the form is accepted). */
  commit(blobs: BlobStore): Promise<AttachmentRef[]>;
  /** Deletes the staged files. Always call it. */
  dispose(): Promise<void>;
}

/** A refusal keeps the text fields read whole (`fields`), so the page can show what was typed again. */
export type UploadFormResult =
  | { ok: true; form: UploadForm }
  | { ok: false; problem: UploadProblem; status: number; fields?: Readonly<Record<string, unknown>> };

export type UploadFormReader = (source: Readable, headers: IncomingHttpHeaders, limits: UploadLimits) => Promise<UploadFormResult>;
