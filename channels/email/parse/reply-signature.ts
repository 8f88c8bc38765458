/**
 * A sign-off at the end of a reply: the sender's name (with the greeting above it) or a rule
 * line followed by contact details naming the sender. Pure; regexes run on single short lines.
 */

import { SIGNOFF_RE } from './reply-vocabulary.js';

export interface SenderTokens {
  names: string[];
  full?: string;
  email?: string;
}

export function senderTokens(sender: string | undefined): SenderTokens {
  if (!sender) return { names: [] };
  const email = /(?<![^\s<>"@])[^\s<>"@]+@[^\s<>"@]+/u.exec(sender.slice(0, 1000))?.[0]?.toLowerCase();
  const name = sender
    .replace(/<[^>]*>/gu, '')
    .replace(/["']/gu, '')
    .trim();
  const out: SenderTokens = { names: [] };
  if (email) out.email = email;
  if (name && !name.includes('@')) {
    // "Smith, Shelly" -> "Shelly Smith"
    const parts = name.includes(',')
      ? name
          .split(',')
          .map((s) => s.trim())
          .reverse()
      : [name];
    const full = parts.join(' ').replace(/\s+/gu, ' ');
    out.full = full;
    out.names.push(full);
    const first = full.split(' ')[0];
    if (first && first.length >= 3 && first !== full) out.names.push(first);
  }
  return out;
}

const RULE_ONLY_RE = /^[ \t]*(?:-{3,}|={3,}|—{2,}|\*{3,}|~{3,})[ \t]*$/u;

/** A sign-off block: only short lines from `from` to `end`, a handful of them. */
function shortTail(lines: string[], from: number, end: number, maxLines: number): boolean {
  let count = 0;
  for (let k = from; k < end; k++) {
    const t = lines[k]!.trim();
    if (!t) continue;
    if (t.length > 80 || ++count > maxLines) return false;
  }
  return true;
}

function startsWithName(line: string, tokens: SenderTokens): boolean {
  if (line.length > 60) return false;
  for (const nm of tokens.names) {
    for (const prefix of ['', '-', '- ']) {
      const p = `${prefix}${nm}`;
      if (line === p) return true;
      if (line.startsWith(p) && /^[\s,|.]/u.test(line.slice(p.length))) {
        // "Jim P. Smith | Manager" yes; "Jim will call you tomorrow." no.
        if (nm !== tokens.full && (/[.!?]$/u.test(line) || line.split(/\s+/u).length > 6)) continue;
        return true;
      }
    }
  }
  return false;
}

/**
 * The start of a sign-off block at the end of [start, end): the sender's name (with the
 * greeting above it) or a rule line followed by contact details naming the sender.
 */
export function senderSignatureStart(lines: string[], start: number, end: number, tokens: SenderTokens): number {
  if (!tokens.names.length && !tokens.email) return -1;
  let best = -1;
  for (let i = end - 1; i > start && i >= end - 20; i--) {
    const t = lines[i]!.trim();
    if (!t) continue;
    if (startsWithName(t, tokens) && shortTail(lines, i, end, 8)) {
      const prev = lines[i - 1]!.trim();
      if (SIGNOFF_RE.test(prev) && i - 1 > start) best = i - 1;
      else if (prev === '') best = i;
    } else if (RULE_ONLY_RE.test(t) && shortTail(lines, i + 1, end, 15)) {
      const tail = lines.slice(i + 1, end).join('\n');
      const lower = tail.toLowerCase();
      if ((tokens.full && tail.includes(tokens.full)) || (tokens.email && lower.includes(tokens.email))) best = i;
    }
  }
  if (best < 0) return -1;
  // There must be new text above the signature.
  for (let k = start; k < best; k++) if (lines[k]!.trim()) return best;
  return -1;
}
