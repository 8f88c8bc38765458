/**
 * The email channel's current parser as a Reparser: the exported `defaultEmailParser`
 * over a stored .eml (used by `ponte replay`). Attachments are streamed to the blob store again
 * (content-addressed: the same bytes keep the same key, nothing is duplicated).
 */
import type { BlobStore } from '../../src/channel/contract.js';
import type { Reparser } from '../../src/domain/reparse.js';
import { defaultEmailParser } from './index.js';

export function createEmailReparser(blobs: BlobStore, options: { supportAddresses: string[]; maxAttachmentBytes: number }): Reparser {
  return async (raw) => {
    const parsed = await defaultEmailParser.parseEmail(raw, {
      blobs,
      maxAttachmentBytes: options.maxAttachmentBytes,
      supportAddresses: options.supportAddresses,
    });
    const m = parsed.message;
    const text = m.text ?? '';
    return {
      text,
      replyText: m.replyText ?? text,
      quotedText: m.quotedText ?? null,
      classification: parsed.classification,
      attachments: (m.attachments ?? []).map((a) => ({
        blobKey: a.blobKey,
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        contentId: a.contentId,
        inline: a.inline,
      })),
    };
  };
}
