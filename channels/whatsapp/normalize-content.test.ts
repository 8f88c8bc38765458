import { mediaPlan, messageText, parseVCard, safeFilename, unwrapMessage } from './normalize-content.js';

describe('content', () => {
  test('wrappers nest: ephemeral around view-once around an image', () => {
    const u = unwrapMessage({
      ephemeralMessage: { message: { viewOnceMessageV2Extension: { message: { imageMessage: { caption: 'x' } } } } },
    });
    expect(u).toMatchObject({ type: 'imageMessage', ephemeral: true, viewOnce: true });
  });

  test('the text of an edit or a quote is read through wrappers and captions', () => {
    expect(messageText({ ephemeralMessage: { message: { extendedTextMessage: { text: 'novo texto' } } } })).toBe('novo texto');
    expect(messageText({ imageMessage: { caption: 'foto da caixa' } })).toBe('foto da caixa');
    expect(messageText({ senderKeyDistributionMessage: {} })).toBeUndefined();
  });

  test('media plans: voice notes stay OGG, a document keeps its (made safe) name', () => {
    expect(mediaPlan('audioMessage', { ptt: true, seconds: '7' }, 'ID1', false)).toEqual({
      kind: 'audio',
      contentType: 'audio/ogg; codecs=opus',
      filename: 'voice-ID1.ogg',
      declaredSize: undefined,
      durationSec: 7,
      variant: 'voice_note',
    });
    expect(mediaPlan('documentMessage', { mimetype: 'application/pdf', fileName: '../nota.pdf' }, 'ID2', false)).toMatchObject({
      kind: 'document',
      filename: 'nota.pdf',
    });
    expect(mediaPlan('pollCreationMessage', {}, 'ID3', false)).toBeUndefined();
  });

  test('vCard with several numbers and folded lines', () => {
    expect(
      parseVCard('BEGIN:VCARD\r\nFN:Ana\r\nTEL;type=CELL;waid=5511999990000:+55 11 99999-0000\r\nTEL:+1 (415) 555-0100\r\nEND:VCARD'),
    ).toEqual({
      name: 'Ana',
      phones: ['+5511999990000', '+14155550100'],
      waId: '5511999990000',
    });
  });
  test.each([
    ['../../etc/passwd', 'passwd'],
    ['nota\u0000fiscal.pdf', 'nota_fiscal.pdf'],
    ['C:\\Users\\x\\recibo.pdf', 'recibo.pdf'],
    ['...', 'fallback.bin'],
    [undefined, 'fallback.bin'],
  ])('safeFilename(%p) = %p', (input, expected) => {
    expect(safeFilename(input, 'fallback.bin')).toBe(expected);
  });
});
