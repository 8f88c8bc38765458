/**
 * Streams each attachment mailparser hands over into the blob store. An attachment over the
 * size limit is dropped and named in a note (the rest of the message is kept); any other blob
 * store failure (disk full …) propagates as `BlobFailure`, so the caller retries instead of
 * storing a message without its files.
 */
import { PassThrough } from 'node:stream';
import type { BlobStore } from '../../../src/channel/contract.js';
import type { AttachmentRef } from '../../../src/domain/envelope.js';
import type { MimeAttachment } from './mailparser-adapter.js';

export class BlobFailure extends Error {
  constructor(readonly original: unknown) {
    super('blob store failure');
  }
}

function isTooLarge(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'blob_too_large';
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/html': 'html',
  'message/rfc822': 'eml',
  'message/delivery-status': 'txt',
  'text/rfc822-headers': 'txt',
};

export interface AttachmentSink {
  attachments: AttachmentRef[];
  /** One line per attachment that was not kept (shown to the agent). */
  notes: string[];
  store(att: MimeAttachment): Promise<void>;
}

export function createAttachmentSink(blobs: BlobStore, maxAttachmentBytes: number): AttachmentSink {
  const attachments: AttachmentRef[] = [];
  const notes: string[] = [];
  return {
    attachments,
    notes,
    async store(att) {
      const index = attachments.length + notes.length + 1;
      const filename = (att.filename?.trim() || `${att.inline ? 'image' : 'attachment'}-${index}.${EXT[att.contentType] ?? 'bin'}`).slice(
        0,
        255,
      );
      const pass = new PassThrough();
      att.content.pipe(pass);
      try {
        const put = await blobs.put(pass, { maxBytes: maxAttachmentBytes });
        const ref: AttachmentRef = { blobKey: put.key, filename, contentType: att.contentType.slice(0, 255), size: put.size };
        if (att.contentId) ref.contentId = att.contentId.slice(0, 255);
        if (att.inline) ref.inline = true;
        attachments.push(ref);
      } catch (err) {
        att.content.unpipe(pass);
        att.content.resume();
        if (isTooLarge(err)) {
          notes.push(`Attachment "${filename}" (${att.contentType}) was not kept: larger than ${formatBytes(maxAttachmentBytes)}.`);
          return;
        }
        throw new BlobFailure(err);
      }
    },
  };
}
