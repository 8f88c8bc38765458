import { normalizeRawMessage } from './normalize-raw.js';

const s = (b: Buffer): string => b.toString('latin1');

describe('normalizeRawMessage', () => {
  it('turns bare CR line endings into CRLF so the header block ends where it should', () => {
    const raw = Buffer.from('From: a@b.example\rSubject: Hi\r\rBody line 1\rline 2\r');
    expect(s(normalizeRawMessage(raw))).toBe('From: a@b.example\r\nSubject: Hi\r\n\r\nBody line 1\r\nline 2\r\n');
  });

  it('handles a mix of CR, LF and CRLF', () => {
    const raw = Buffer.from('A: 1\r\nB: 2\nC: 3\r\rbody\n');
    expect(s(normalizeRawMessage(raw))).toBe('A: 1\r\nB: 2\r\nC: 3\r\n\r\nbody\r\n');
  });

  it('leaves CRLF and LF-only messages untouched (same buffer)', () => {
    const crlf = Buffer.from('A: 1\r\n\r\nbody\r\n');
    const lf = Buffer.from('A: 1\n\nbody\n');
    expect(normalizeRawMessage(crlf)).toBe(crlf);
    expect(normalizeRawMessage(lf)).toBe(lf);
  });

  it('drops leading blank lines and an mbox From_ line', () => {
    expect(s(normalizeRawMessage(Buffer.from('\r\n   \r\nFrom: a@b\r\n\r\nx')))).toBe('From: a@b\r\n\r\nx');
    expect(s(normalizeRawMessage(Buffer.from('From a@b  Mon Feb  9 22:17:46 2009\nFrom: a@b\n\nx')))).toBe('From: a@b\n\nx');
  });

  it('keeps a one-line message that is all text', () => {
    expect(s(normalizeRawMessage(Buffer.from('hello')))).toBe('hello');
  });
});
