import { contentDisposition, MAX_DISPLAY_NAME_LENGTH, safeDisplayName } from './attachment-name.js';

describe('safeDisplayName', () => {
  test.each([
    ['a plain name stays', 'nota fiscal.pdf', 'nota fiscal.pdf'],
    ['path parts go (POSIX)', '../../etc/passwd', 'passwd'],
    ['path parts go (Windows)', 'C:\\Users\\ana\\..\\boleto.pdf', 'boleto.pdf'],
    ['a right-to-left override cannot disguise the extension', '../../etc/passwd\u202Egnp.exe', 'passwdgnp.exe'],
    ['every bidi control goes', 'a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i\u200E\u200F.txt', 'abcdefghi.txt'],
    ['control characters go', 'lin\r\nha\u0000\u0007\u001b[31m.txt', 'linha[31m.txt'],
    ['a slash hidden behind a control character still splits', 'x/\u0000/y.txt', 'y.txt'],
    ['NFC', 'Relato\u0301rio.pdf', 'Relatório.pdf'],
    ['only dots', '..', 'attachment'],
    ['empty', '', 'attachment'],
    ['a trailing slash leaves nothing', 'dir/', 'attachment'],
    ['hidden file dot', '.htaccess', 'htaccess'],
    ['reserved characters', 'a<b>c:d"e|f?g*.txt', 'a_b_c_d_e_f_g_.txt'],
    ['Windows device names', 'CON.txt', '_CON.txt'],
    ['whitespace runs collapse, ends trimmed', '  relatório \t final .pdf. ', 'relatório final .pdf'],
    ['emoji kept', '🙂 foto.jpg', '🙂 foto.jpg'],
    ['lone surrogates go', 'a\ud800b.txt', 'ab.txt'],
  ])('%s', (_name, input, expected) => {
    expect(safeDisplayName(input)).toBe(expected);
  });

  test('a long name is cut to the bound and keeps its extension', () => {
    const out = safeDisplayName(`${'relatório '.repeat(40)}.pdf`);
    expect(Array.from(out).length).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
    expect(out).toMatch(/…\.pdf$/);
  });

  test('a long run of emoji is cut between code points, never inside a pair', () => {
    const out = safeDisplayName('🙂'.repeat(300) + '.png');
    expect(out.endsWith('….png')).toBe(true);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  test('idempotent', () => {
    for (const s of ['../../etc/passwd\u202Egnp.exe', 'x'.repeat(500) + '.tar.gz', ' . ', 'CON', 'a<b>.txt', '🙂'.repeat(300)]) {
      const once = safeDisplayName(s);
      expect(safeDisplayName(once)).toBe(once);
    }
  });

  test('linear on pathological input', () => {
    const started = performance.now();
    safeDisplayName('/'.repeat(200_000) + ' '.repeat(200_000) + '.'.repeat(200_000) + '\u202E'.repeat(200_000));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('contentDisposition', () => {
  test('ASCII fallback and exact UTF-8 name (RFC 6266)', () => {
    expect(contentDisposition('Relatório (final) 100%.pdf')).toBe(
      `attachment; filename="Relatorio (final) 100_.pdf"; filename*=UTF-8''Relat%C3%B3rio%20%28final%29%20100%25.pdf`,
    );
  });
  test('the name is made safe first; quotes cannot break out', () => {
    const h = contentDisposition('../../x"; filename=evil.exe\u202E');
    expect(h).toBe(`attachment; filename="x_; filename=evil.exe"; filename*=UTF-8''x_%3B%20filename%3Devil.exe`);
    expect(h).not.toMatch(/[\r\n]/);
  });
});
