/**
 * The multipart reader and staging folder of this channel, offered to the gateway's own pages
 * (portal, console) through the composition root: one busboy module for every upload. Answers a
 * result instead of throwing, with the refusal reduced to what a page tells a person.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../src/channel/contract.js';
import type { AttachmentRef } from '../../src/domain/envelope.js';
import { FormRejection } from './form-rejection.js';
import { type MultipartLimits, readMultipart } from './multipart-reader.js';
import { createUploadStaging } from './upload-staging.js';

export type UploadProblem = 'too_large' | 'type' | 'too_many' | 'failed';

export interface StagedForm {
  fields: Record<string, unknown>;
  fileCount: number;
  commit(blobs: BlobStore): Promise<AttachmentRef[]>;
  dispose(): Promise<void>;
}

export type StagedFormResult =
  | { ok: true; form: StagedForm }
  | { ok: false; problem: UploadProblem; status: number; fields?: Readonly<Record<string, unknown>> };

function problemOf(r: FormRejection): UploadProblem {
  if (r.error === 'attachment_too_large') return 'too_large';
  if (r.error === 'attachment_type_refused') return 'type';
  if (r.error === 'too_many_attachments') return 'too_many';
  return 'failed';
}

export async function readUploadForm(source: Readable, headers: IncomingHttpHeaders, limits: MultipartLimits): Promise<StagedFormResult> {
  const staging = createUploadStaging();
  try {
    const r = await readMultipart(source, headers, limits, staging);
    return {
      ok: true,
      form: {
        fields: r.fields as Record<string, unknown>,
        fileCount: r.files.length,
        commit: (blobs) => staging.commit(r.files, blobs),
        dispose: () => staging.dispose(),
      },
    };
  } catch (err) {
    await staging.dispose();
    if (err instanceof FormRejection) return { ok: false, problem: problemOf(err), status: err.status, fields: err.fieldsRead };
    return { ok: false, problem: 'failed', status: 400 };
  }
}
