import { essenceOf, normalizeContentType, OCTET_STREAM, parseMediaType } from './content-type.js';

describe('parseMediaType (MIME grammar)', () => {
  test.each([
    ['application/pdf', 'application/pdf', []],
    ['Text/HTML; Charset=UTF-8', 'text/html', [['charset', 'UTF-8']]],
    [
      'text/plain;charset="utf-8" ; format=flowed',
      'text/plain',
      [
        ['charset', 'utf-8'],
        ['format', 'flowed'],
      ],
    ],
    ['multipart/mixed; boundary="a b;c\\"d"', 'multipart/mixed', [['boundary', 'a b;c"d']]],
    [
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      [],
    ],
    ['image/svg+xml;', 'image/svg+xml', []],
    ['  audio/ogg; codecs=opus', 'audio/ogg', [['codecs', 'opus']]],
  ] as const)('%s', (input, essence, parameters) => {
    expect(parseMediaType(input)).toEqual({ essence, parameters });
  });

  test.each([
    ['CR/LF header injection', 'text/plain\r\nX-Evil: 1'],
    ['LF in a parameter', 'text/plain; charset=utf-8\nX: 1'],
    ['no subtype', 'text/'],
    ['no slash', 'pdf'],
    ['two slashes', 'a/b/c'],
    ['spaces in a token', 'text /plain'],
    ['parameter without value', 'text/plain; charset'],
    ['unterminated quote', 'text/plain; a="x'],
    ['control character in a quoted value', 'text/plain; a="x\u0001"'],
    ['junk after the type', 'image/png junk'],
    ['empty', ''],
    ['non-ASCII token', 'imagé/png'],
    ['too long', `application/${'x'.repeat(300)}`],
  ])('refuses %s', (_name, input) => {
    expect(parseMediaType(input)).toBeUndefined();
  });

  test('linear on pathological input', () => {
    const started = performance.now();
    parseMediaType(`a/b${'; x="'.repeat(40)}`);
    for (const s of ['a/b' + ';'.repeat(250), 'a/b; x="' + '\\"'.repeat(120), ' '.repeat(255)]) parseMediaType(s);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('normalizeContentType', () => {
  test('a valid type is stored normalized; the original is kept when it differs', () => {
    expect(normalizeContentType('application/pdf')).toEqual({ contentType: 'application/pdf', declared: null });
    expect(normalizeContentType('Text/Plain;charset="utf-8"')).toEqual({
      contentType: 'text/plain; charset=utf-8',
      declared: 'Text/Plain;charset="utf-8"',
    });
    expect(normalizeContentType('text/plain; name="a b.txt"')).toEqual({ contentType: 'text/plain; name="a b.txt"', declared: null });
  });
  test('junk becomes application/octet-stream, the original recorded', () => {
    expect(normalizeContentType('text/plain\r\nX-Evil: 1')).toEqual({ contentType: OCTET_STREAM, declared: 'text/plain\r\nX-Evil: 1' });
    expect(normalizeContentType('')).toEqual({ contentType: OCTET_STREAM, declared: null });
    expect(normalizeContentType(undefined)).toEqual({ contentType: OCTET_STREAM, declared: null });
    expect(normalizeContentType('a\u0000/b').declared).toBe('a/b');
  });
  test('essenceOf', () => {
    expect(essenceOf('image/PNG; x=1')).toBe('image/png');
    expect(essenceOf('nonsense')).toBe(OCTET_STREAM);
  });
});
