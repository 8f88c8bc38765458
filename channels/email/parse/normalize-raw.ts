/**
 * Raw message bytes as every later step expects them, before anything else reads them:
 * - line endings: a bare CR (old Mac mailers, some carrier gateways) or bare LF becomes CRLF,
 *   so the header block ends where it should (with bare CRs, headers collapse into one line
 *   and the body vanishes);
 * - leading blank lines and an mbox "From " envelope line are dropped (exported mailboxes and
 *   some gateways prepend them; a blank first line would otherwise end the header block at once).
 *
 * Contract: pure, linear (one pass over the bytes), returns the input untouched when nothing
 * needs changing.
 */
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;

/** Offset of the first header byte: skips blank / whitespace-only lines and an mbox "From " line. */
function headerStart(raw: Buffer): number {
  let pos = 0;
  for (let guard = 0; guard < 64 && pos < raw.length; guard++) {
    let end = pos;
    let blank = true;
    while (end < raw.length && raw[end] !== LF && raw[end] !== CR) {
      if (raw[end] !== SP && raw[end] !== TAB) blank = false;
      end++;
    }
    const isMboxFrom = !blank && end - pos > 5 && raw.toString('latin1', pos, pos + 5) === 'From ';
    if (!blank && !isMboxFrom) return pos;
    if (end >= raw.length) return pos;
    pos = end + (raw[end] === CR && raw[end + 1] === LF ? 2 : 1);
  }
  return pos;
}

export function normalizeRawMessage(raw: Buffer): Buffer {
  const start = headerStart(raw);
  let bareCr = false;
  // From CR to CR with the native search (a byte-by-byte loop here was 4% of a parse worker).
  for (let i = raw.indexOf(CR, start); i !== -1; i = raw.indexOf(CR, i + 1)) {
    if (raw[i + 1] !== LF) {
      bareCr = true;
      break;
    }
  }
  if (!bareCr) return start === 0 ? raw : raw.subarray(start);
  // CR, LF and CRLF all become CRLF.
  const out = Buffer.allocUnsafe((raw.length - start) * 2);
  let o = 0;
  for (let i = start; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === CR) {
      out[o++] = CR;
      out[o++] = LF;
      if (raw[i + 1] === LF) i++;
    } else if (b === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else {
      out[o++] = b;
    }
  }
  return out.subarray(0, o);
}
