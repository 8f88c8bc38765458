import { formatBytes, whatsappTexts } from './placeholder-texts.js';

describe('WhatsApp placeholder texts', () => {
  test('every locale has every text; unknown or missing locales fall back to pt-BR', () => {
    for (const locale of ['pt-BR', 'es', 'en']) {
      const t = whatsappTexts(locale);
      for (const text of [
        t.viewOnce,
        t.undecryptable,
        t.adLead,
        t.unsupportedByCloudApi,
        t.unsupportedType('poll'),
        t.mediaTooLarge(1024),
        t.mediaFailed('x'),
      ]) {
        expect(text).toMatch(/^\[.+\]$/s);
      }
    }
    expect(whatsappTexts(undefined)).toBe(whatsappTexts('pt-BR'));
    expect(whatsappTexts('de')).toBe(whatsappTexts('pt-BR'));
    expect(whatsappTexts('toString')).toBe(whatsappTexts('pt-BR'));
  });

  test('parameters land in the text', () => {
    expect(whatsappTexts('pt-BR').mediaFailed('image-1.jpg')).toBe('[Anexo não pôde ser baixado: image-1.jpg]');
    expect(whatsappTexts('en').mediaTooLarge(16 * 1024 * 1024, 'video.mp4')).toBe(
      '[Attachment not downloaded: larger than the 16 MB limit (video.mp4)]',
    );
    expect(whatsappTexts('es').unsupportedType('poll')).toBe(
      '[Mensaje de tipo "poll" aún no admitido por Ponte — contenido original guardado]',
    );
  });

  test.each([
    [512, '512 B'],
    [2048, '2 KB'],
    [16 * 1024 * 1024, '16 MB'],
    [1.5 * 1024 * 1024, '1.5 MB'],
  ])('formatBytes(%i) = %s', (n, expected) => {
    expect(formatBytes(n)).toBe(expected);
  });
});
