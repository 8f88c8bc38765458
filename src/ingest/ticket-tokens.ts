/**
 * Finding ticket numbers a customer or agent typed. Pure.
 * - Subject: the configured token (`[#10001]` by default), anywhere in the subject.
 * - Text: `#10001` as a word (chat channels), only in the first 2,000 characters so a quoted
 *   thread far below cannot steer the match.
 */
export interface TokenFormat {
  /** e.g. `[#{number}]` */
  subjectToken: string;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function subjectTokenFor(format: TokenFormat, number: number): string {
  return format.subjectToken.replace('{number}', String(number));
}

export function compileSubjectToken(format: TokenFormat): RegExp {
  const [before, after] = format.subjectToken.split('{number}') as [string, string];
  return new RegExp(`${escapeRegex(before)}\\s*(\\d{1,12})\\s*${escapeRegex(after)}`, 'g');
}

export function numbersInSubject(subject: string | undefined, re: RegExp): number[] {
  if (!subject) return [];
  const out: number[] = [];
  for (const m of subject.matchAll(re)) out.push(Number(m[1]));
  return [...new Set(out)];
}

const HASH_NUMBER = /(?:^|[\s([{:,;])#(\d{3,12})(?![\d\w])/g;

export function numbersInText(text: string | undefined): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const m of text.slice(0, 2000).matchAll(HASH_NUMBER)) out.push(Number(m[1]));
  return [...new Set(out)];
}

/** Subject without our token and without stacked reply prefixes, for a tidy ticket subject. */
export function cleanSubject(subject: string | undefined, re: RegExp): string {
  if (!subject) return '';
  let s = subject.replace(re, ' ');
  s = s.replace(/^\s*((re|res|fw|fwd|enc|rv|aw|wg|sv|tr)\s*(\[\d+\])?\s*:\s*)+/i, '');
  return s.replace(/\s+/g, ' ').trim();
}
