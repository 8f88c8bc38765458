import { createUploadToken, verifyUploadToken } from './upload-token.js';

const key = Buffer.alloc(32, 7);
const claim = { blobKey: 'a'.repeat(64), filename: 'nota fiscal.pdf', contentType: 'application/pdf', size: 1234, expiresAt: 2_000 };

describe('upload tokens', () => {
  test('round trip', () => {
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
});
