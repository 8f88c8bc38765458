import { checkDeclaredImage } from './image-sniff.js';

// 1x1 transparent PNG and the start of a JPEG (SOI + JFIF APP0).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
]);
const HTML = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]);

describe('checkDeclaredImage (file-type)', () => {
  test('a real image keeps its declared type', async () => {
    expect(await checkDeclaredImage('image/png', PNG)).toEqual({ contentType: 'image/png', sniffed: 'image/png' });
    expect(await checkDeclaredImage('image/jpg', JPEG)).toEqual({ contentType: 'image/jpg', sniffed: 'image/jpeg' });
  });
  test('a real image under another image type is served as what it is', async () => {
    expect(await checkDeclaredImage('image/jpeg', PNG)).toEqual({ contentType: 'image/png', sniffed: 'image/png' });
  });
  test('HTML or an executable declared as an image becomes application/octet-stream', async () => {
    expect((await checkDeclaredImage('image/png', HTML)).contentType).toBe('application/octet-stream');
    expect(await checkDeclaredImage('image/gif', EXE)).toEqual({
      contentType: 'application/octet-stream',
      sniffed: 'application/x-msdownload',
    });
    expect((await checkDeclaredImage('image/svg+xml', Buffer.from('<svg onload="alert(1)"/>'))).contentType).toBe(
      'application/octet-stream',
    );
    expect((await checkDeclaredImage('image/png', Buffer.alloc(0))).contentType).toBe('application/octet-stream');
  });
  test('other declared types pass through untouched', async () => {
    expect(await checkDeclaredImage('application/pdf', HTML)).toEqual({ contentType: 'application/pdf', sniffed: null });
  });
});
