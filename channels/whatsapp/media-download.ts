/**
 * Media is fetched at ingest time (WhatsApp CDN links expire within days) and streamed into the
 * blob store under the channel's size limit. An expired link (404/410) gets one re-upload request
 * to the sender's phone and one more try. A failure never loses the message: the text carries a
 * visible note instead of the attachment.
 */
import type { BlobStore } from '../../src/channel/contract.js';
import type { AttachmentRef } from '../../src/domain/envelope.js';
import { whatsappTexts, type WhatsappLocale } from '../whatsapp-shared/placeholder-texts.js';
import type { MediaPlan } from './normalize-content.js';
import type { WaMessage, WaSocketPort } from './socket-port.js';

export interface MediaResult {
  attachment?: AttachmentRef;
  /** Shown to agents when the attachment could not be kept. */
  note?: string;
  errorCode?: 'media_too_large' | 'media_expired' | 'media_download_failed';
}

function isCode(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | undefined)?.code === code;
}

export async function downloadToBlob(
  port: Pick<WaSocketPort, 'downloadMedia' | 'updateMediaMessage'>,
  message: WaMessage,
  plan: MediaPlan,
  blobs: BlobStore,
  maxBytes: number,
  locale: WhatsappLocale,
): Promise<MediaResult> {
  const tooLarge = (): MediaResult => ({
    note: whatsappTexts(locale).mediaTooLarge(maxBytes, plan.filename),
    errorCode: 'media_too_large',
  });
  if (plan.declaredSize !== undefined && plan.declaredSize > maxBytes) return tooLarge();
  let expired = false;
  try {
    let stream: Awaited<ReturnType<typeof port.downloadMedia>>;
    try {
      stream = await port.downloadMedia(message);
    } catch (err) {
      if (!isCode(err, 'media_expired')) throw err;
      expired = true;
      const fresh = await port.updateMediaMessage(message);
      stream = await port.downloadMedia(fresh);
      expired = false;
    }
    const put = await blobs.put(stream, { maxBytes });
    return {
      attachment: {
        blobKey: put.key,
        filename: plan.filename,
        contentType: plan.contentType,
        size: put.size,
        ...(plan.variant ? { variant: plan.variant } : {}),
      },
    };
  } catch (err) {
    if (isCode(err, 'blob_too_large')) return tooLarge();
    return {
      note: whatsappTexts(locale).mediaFailed(plan.filename),
      errorCode: expired || isCode(err, 'media_expired') ? 'media_expired' : 'media_download_failed',
    };
  }
}
