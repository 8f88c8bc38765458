/**
 * Turning an upload token into an attachment of a reply: the signature and expiry (pure, in
 * upload-token.ts), then the binding to the agent, then single use. The token id is recorded
 * in `used_upload_tokens` in the reply's own transaction: a reply that fails leaves the token
 * usable, and two replies racing for one token cannot both attach it (the primary key decides,
 * across processes).
 */
import type { Executor } from '../db/database.js';
import { PolicyError, ValidationError } from '../domain/errors.js';
import { verifyUploadToken } from './upload-token.js';

export interface RedeemedUpload {
  blobKey: string;
  filename: string;
  contentType: string;
  declaredContentType: string | null;
  size: number;
}

export async function redeemUploadToken(
  db: Executor,
  key: Buffer,
  token: string,
  agentId: string,
  now: number,
  path: string,
): Promise<RedeemedUpload> {
  const check = verifyUploadToken(key, token, now);
  if (!check.ok)
    throw new ValidationError('invalid upload', [
      { path, message: check.reason === 'expired' ? 'the upload expired; upload the file again' : 'not a valid upload token' },
    ]);
  const claim = check.claim;
  if (claim.agentId !== agentId)
    throw new PolicyError('upload_not_yours', `${path}: this upload belongs to another agent; upload the file yourself`);
  const r = await db
    .insertInto('used_upload_tokens')
    .values({ token_id: claim.id, agent_id: agentId, message_id: null, expires_at: claim.expiresAt, used_at: now })
    .onConflict((oc) => oc.column('token_id').doNothing())
    .executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1)
    throw new PolicyError(
      'upload_already_used',
      `${path}: this upload is already attached to a message; attach that message's attachment id, or upload the file again`,
    );
  // A token past its expiry is refused by its signature check already: its record can go.
  await db.deleteFrom('used_upload_tokens').where('expires_at', '<', now).execute();
  return {
    blobKey: claim.blobKey,
    filename: claim.filename,
    contentType: claim.contentType,
    declaredContentType: claim.declaredContentType,
    size: claim.size,
  };
}
