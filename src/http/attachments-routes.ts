/**
 * Agent uploads and attachment downloads. Uploads: the blob is stored, its declared media type
 * validated (junk → application/octet-stream, the original kept) and, for images, checked
 * against the bytes; the token is bound to the uploading agent and single-use (upload-token.ts,
 * upload-redeem.ts). Downloads: a safe name in Content-Disposition (RFC 6266), nosniff, a
 * sandbox CSP, and never a 5xx for what is stored: a missing blob is a 404.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Router } from 'express';
import type { BlobStore } from '../channel/contract.js';
import { getAttachment } from '../db/repositories/message.repository.js';
import { contentDisposition, safeDisplayName } from '../domain/attachment-name.js';
import { essenceOf, normalizeContentType } from '../domain/content-type.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { createUploadToken } from '../tickets/upload-token.js';
import { BlobTooLargeError } from '../storage/blob-store.js';
import { checkDeclaredImage, SNIFF_BYTES } from '../storage/image-sniff.js';
import type { ApiDeps } from './api-router.js';
import { idParam, uploadQuery } from './schemas.js';
import { agentOf, parse } from './route-kit.js';

const UPLOAD_TTL_MS = 24 * 3600_000;

/** The first `n` bytes of a blob (fewer if it is shorter); the stream is closed after. */
async function readHead(blobs: BlobStore, key: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of blobs.get(key) as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= n) break;
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/** The type to store for bytes declared as `declared`: grammar first, then the bytes for images. */
export async function decideType(
  blobs: BlobStore,
  key: string,
  declared: string | undefined,
): Promise<{ contentType: string; declared: string | null }> {
  const base = normalizeContentType(declared ?? 'application/octet-stream');
  if (!essenceOf(base.contentType).startsWith('image/')) return base;
  const checked = await checkDeclaredImage(base.contentType, await readHead(blobs, key, SNIFF_BYTES));
  return { contentType: checked.contentType, declared: checked.contentType === base.contentType ? base.declared : (declared ?? null) };
}

/** Raw bytes, any type: registered before the JSON parser, which would otherwise consume a .json file. */
export function registerUploadRoute(router: Router, deps: ApiDeps): void {
  router.post('/uploads', async (req, res) => {
    const { filename } = parse(uploadQuery, req.query, 'query');
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > deps.config.storage.maxAttachmentBytes) throw new BlobTooLargeError(deps.config.storage.maxAttachmentBytes);
    const blob = await deps.blobs.put(req, { maxBytes: deps.config.storage.maxAttachmentBytes });
    if (blob.size === 0) throw new ValidationError('invalid upload', [{ path: 'body', message: 'the file is empty' }]);
    const type = await decideType(deps.blobs, blob.key, req.get('content-type'));
    const expiresAt = deps.clock.now() + UPLOAD_TTL_MS;
    const upload = createUploadToken(deps.uploadKey, {
      id: randomBytes(16).toString('base64url'),
      agentId: agentOf(req).id,
      blobKey: blob.key,
      filename,
      contentType: type.contentType,
      declaredContentType: type.declared,
      size: blob.size,
      expiresAt,
    });
    res.status(201).json({
      upload,
      filename: safeDisplayName(filename),
      originalFilename: filename,
      contentType: type.contentType,
      declaredContentType: type.declared,
      size: blob.size,
      expiresAt,
      singleUse: true,
    });
  });
}

export function registerDownloadRoute(router: Router, deps: ApiDeps): void {
  router.get('/attachments/:id', async (req, res) => {
    const { id } = parse(idParam, req.params, 'params');
    const a = await getAttachment(deps.database.kysely, id);
    if (!a) throw new NotFoundError('attachment', id);
    // A key the store refuses (it throws, even synchronously) is a missing file too.
    const present = await Promise.resolve()
      .then(() => deps.blobs.exists(a.blob_key))
      .catch(() => false);
    if (!present) throw new NotFoundError('stored file of attachment', id);
    let size: number;
    let contentType: string;
    try {
      size = await deps.blobs.size(a.blob_key);
      // Rows stored before validation existed may hold anything: decide again, from the bytes too.
      contentType = (await decideType(deps.blobs, a.blob_key, a.content_type)).contentType;
    } catch {
      throw new NotFoundError('stored file of attachment', id);
    }
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', String(size));
    res.setHeader('Content-Disposition', contentDisposition(a.filename));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    const body: Readable = deps.blobs.get(a.blob_key);
    // Headers are out: a read error now can only cut the response short, never turn into a 5xx.
    body.on('error', () => res.destroy());
    body.pipe(res);
  });
}
