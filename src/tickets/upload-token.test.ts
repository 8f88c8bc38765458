import { createHmac } from 'node:crypto';
import { createUploadToken, verifyUploadToken } from './upload-token.js';

const key = Buffer.alloc(32, 7);
const claim = {
  id: 'u'.repeat(22),
  agentId: '01JAGENT0000000000000000AA',
  blobKey: 'a'.repeat(64),
  filename: 'nota fiscal.pdf',
  contentType: 'application/pdf',
  declaredContentType: null,
  size: 1234,
  expiresAt: 2_000,
};

describe('upload tokens', () => {
  test('round trip carries the uploading agent and a token id', () => {
    expect(verifyUploadToken(key, createUploadToken(key, claim), 1_000)).toEqual({ ok: true, claim });
  });
  test('expired, forged, malformed', () => {
    const token = createUploadToken(key, claim);
    expect(verifyUploadToken(key, token, 2_001)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyUploadToken(Buffer.alloc(32, 8), token, 1_000)).toEqual({ ok: false, reason: 'bad_signature' });
    const tampered = createUploadToken(key, { ...claim, size: 1 }).split('.')[0] + '.' + token.split('.')[1];
    expect(verifyUploadToken(key, tampered, 1_000)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUploadToken(key, 'up_x.y', 1_000)).toEqual({ ok: false, reason: 'malformed' });
  });
  test('the agent binding cannot be swapped: it is under the signature', () => {
    const token = createUploadToken(key, claim);
    const other = createUploadToken(key, { ...claim, agentId: '01JOTHER0000000000000000BB' });
    expect(verifyUploadToken(key, `${other.split('.')[0]}.${token.split('.')[1]}`, 1_000)).toEqual({ ok: false, reason: 'bad_signature' });
  });
  test('a token of the old, unbound format is refused even with a valid signature', () => {
    const payload = Buffer.from(JSON.stringify([claim.blobKey, claim.filename, claim.contentType, claim.size, claim.expiresAt])).toString(
      'base64url',
    );
    const old = `up_${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
    expect(verifyUploadToken(key, old, 1_000)).toEqual({ ok: false, reason: 'malformed' });
  });
});
