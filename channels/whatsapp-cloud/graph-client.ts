/**
 * The one module that talks HTTP to Meta's Graph API (global fetch). Media lookups and
 * downloads stream into the blob store within a byte limit; sends return Meta's message id and
 * the canonical wa_id. Failures are ChannelErrors (see graph-errors.ts).
 *
 * The access token only ever goes into the Authorization header: it is never logged, never
 * put into an error message, and never sent to a media URL that is neither https nor on the
 * configured Graph origin.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BlobStore } from '../../src/channel/contract.js';
import { ChannelError, PonteError } from '../../src/domain/errors.js';
import { mapGraphError, networkError, parseRetryAfter } from './graph-errors.js';

export type FetchLike = typeof fetch;

export interface GraphClientOptions {
  baseUrl: string;
  version: string;
  accessToken: string;
  phoneNumberId: string;
  timeoutMs: number;
  fetch?: FetchLike | undefined;
  now?: () => number;
}

export interface MediaInfo {
  url: string;
  mimeType?: string | undefined;
  sha256?: string | undefined;
  fileSize?: number | undefined;
}

export interface DownloadedMedia {
  blobKey: string;
  size: number;
  contentType: string;
  /** False when Meta's sha256 was given and differs from the bytes we stored. */
  sha256Matches?: boolean;
}

export interface SendResult {
  messageId: string;
  /** Canonical WhatsApp id Meta resolved the `to` into (for legacy Brazilian numbers it lacks the 9). */
  waId?: string | undefined;
}

export interface GraphClient {
  getMediaInfo(mediaId: string): Promise<MediaInfo>;
  /** Looks up the media URL and streams the bytes into `blobs`; over `maxBytes` -> ChannelError `whatsapp_media_too_large`. */
  downloadMedia(mediaId: string, blobs: BlobStore, maxBytes: number): Promise<DownloadedMedia>;
  /** Uploads a file for sending; returns Meta's media id. */
  uploadMedia(bytes: Uint8Array, contentType: string, filename: string): Promise<string>;
  /** POST /{phone-number-id}/messages with the given payload (messaging_product is added). */
  sendMessage(payload: Record<string, unknown>): Promise<SendResult>;
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const base = `${options.baseUrl.replace(/\/+$/, '')}/${options.version}`;
  const graphOrigin = new URL(options.baseUrl).origin;
  // Meta's media host refuses requests without a User-Agent; the token goes in this header only.
  const auth = { authorization: `Bearer ${options.accessToken}`, 'user-agent': 'Ponte-WhatsApp-Cloud/1' };

  async function call(what: string, url: string, init: RequestInit, timeoutMs = options.timeoutMs): Promise<Response> {
    let res: Response;
    try {
      // Graph calls never redirect; media downloads may (fetch drops Authorization on a cross-origin hop).
      res = await doFetch(url, { redirect: 'error', ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw networkError(err, what);
    }
    if (!res.ok) {
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        body = undefined;
      }
      throw mapGraphError(res.status, body, parseRetryAfter(res.headers.get('retry-after'), now()));
    }
    return res;
  }

  async function json(what: string, res: Response): Promise<Record<string, unknown>> {
    try {
      const body = (await res.json()) as unknown;
      if (body && typeof body === 'object') return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new ChannelError('whatsapp_bad_response', `WhatsApp Cloud API ${what}: response is not a JSON object`, true);
  }

  return {
    async getMediaInfo(mediaId) {
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(mediaId)) {
        throw new ChannelError('whatsapp_media_invalid', 'media id has unexpected characters', false);
      }
      const url = `${base}/${encodeURIComponent(mediaId)}?phone_number_id=${encodeURIComponent(options.phoneNumberId)}`;
      const body = await json('media lookup', await call('media lookup', url, { headers: auth }));
      const mediaUrl = typeof body.url === 'string' ? body.url : undefined;
      if (!mediaUrl) throw new ChannelError('whatsapp_bad_response', 'WhatsApp Cloud API media lookup: no url in the response', true);
      const size =
        typeof body.file_size === 'number' ? body.file_size : typeof body.file_size === 'string' ? Number(body.file_size) : undefined;
      return {
        url: mediaUrl,
        mimeType: typeof body.mime_type === 'string' ? body.mime_type : undefined,
        sha256: typeof body.sha256 === 'string' ? body.sha256 : undefined,
        fileSize: size !== undefined && Number.isFinite(size) ? size : undefined,
      };
    },

    async downloadMedia(mediaId, blobs, maxBytes) {
      const info = await this.getMediaInfo(mediaId);
      if (info.fileSize !== undefined && info.fileSize > maxBytes) {
        throw new ChannelError('whatsapp_media_too_large', `media is ${info.fileSize} bytes, over the ${maxBytes}-byte limit`, false);
      }
      let target: URL;
      try {
        target = new URL(info.url);
      } catch {
        throw new ChannelError('whatsapp_bad_response', 'WhatsApp Cloud API media lookup: url is not valid', true);
      }
      if (target.protocol !== 'https:' && target.origin !== graphOrigin) {
        // The bearer token must not travel in clear text to a host we did not configure.
        throw new ChannelError('whatsapp_media_url_refused', `media url on ${target.origin} is neither https nor the Graph origin`, false);
      }
      // The timeout covers the streamed body too: give large files time.
      const res = await call(
        'media download',
        target.toString(),
        { headers: auth, redirect: 'follow' },
        Math.max(options.timeoutMs, 120_000),
      );
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        throw new ChannelError('whatsapp_media_too_large', `media is ${declared} bytes, over the ${maxBytes}-byte limit`, false);
      }
      if (!res.body) throw new ChannelError('whatsapp_bad_response', 'media download returned no body', true);
      const source = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
      let put: Awaited<ReturnType<typeof blobs.put>>;
      try {
        put = await blobs.put(source, { maxBytes });
      } catch (err) {
        if (err instanceof PonteError && err.code === 'blob_too_large') {
          throw new ChannelError('whatsapp_media_too_large', `media is over the ${maxBytes}-byte limit`, false);
        }
        if (err instanceof PonteError) throw err;
        throw networkError(err, 'media download');
      }
      const contentType = info.mimeType ?? res.headers.get('content-type') ?? 'application/octet-stream';
      const result: DownloadedMedia = { blobKey: put.key, size: put.size, contentType };
      // Blob keys are the hex sha256 of the bytes; Meta reports base64.
      if (info.sha256) result.sha256Matches = Buffer.from(put.key, 'hex').toString('base64') === info.sha256;
      return result;
    },

    async uploadMedia(bytes, contentType, filename) {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', contentType);
      form.set('file', new Blob([bytes], { type: contentType }), filename);
      const res = await call('media upload', `${base}/${encodeURIComponent(options.phoneNumberId)}/media`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      const body = await json('media upload', res);
      if (typeof body.id !== 'string')
        throw new ChannelError('whatsapp_bad_response', 'WhatsApp Cloud API media upload: no id in the response', true);
      return body.id;
    },

    async sendMessage(payload) {
      const res = await call('send', `${base}/${encodeURIComponent(options.phoneNumberId)}/messages`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', ...payload }),
      });
      const body = await json('send', res);
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const first = messages[0] as { id?: unknown } | undefined;
      if (!first || typeof first.id !== 'string') {
        // Meta accepted the request but gave no id: retrying could send twice, so do not retry.
        throw new ChannelError('whatsapp_bad_response', 'WhatsApp Cloud API send: no message id in the response', false);
      }
      const contacts = Array.isArray(body.contacts) ? body.contacts : [];
      const c = contacts[0] as { wa_id?: unknown } | undefined;
      return { messageId: first.id, waId: typeof c?.wa_id === 'string' ? c.wa_id : undefined };
    },
  };
}
