/**
 * `Authentication-Results` (RFC 8601) and what they say about the From domain. Pure.
 *
 * Trust: a header is believed only when its authserv-id is one the admin listed, and only the
 * headers above the first untrusted one count: the receiving server prepends its own, every
 * header below it came with the message and may be forged by the sender.
 *
 * Judgement (relaxed DMARC alignment with a simple organizational-domain rule):
 * - `dmarc=pass`, or `dkim=pass` whose `header.d` is aligned with the From domain: authenticated;
 * - `dmarc=fail`, or a `dkim=fail`/`spf=fail|softfail` for the From domain with no aligned pass:
 *   a failure, with the reason (the core never takes such a mail as an agent's).
 * No trusted header: nothing proven, nothing failed.
 *
 * The tokenizer is one pass over the characters (no backtracking regex on message content).
 */

/** One `method=result` with its properties (`header.d`, `smtp.mailfrom`, `reason` …). */
export interface AuthMethodResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

export interface ParsedAuthResults {
  /** Lower-case; `(none)` when the header starts with a result (Microsoft 365 writes it so). */
  authservId: string;
  results: AuthMethodResult[];
}

export interface AuthVerdict {
  /** DMARC passed, or DKIM passed aligned with the From domain (and nothing failed). */
  authenticated: boolean;
  /** Which check failed for the From domain and why (shown to agents). */
  failure?: string | undefined;
}

export const NO_AUTHSERV_ID = '(none)';
const MAX_HEADER = 16 * 1024;
const MAX_HEADERS = 50;

/** Splits into clauses (`;`) of tokens (whitespace), dropping comments, unquoting strings. */
function tokenize(value: string): string[][] {
  const clauses: string[][] = [];
  let tokens: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  let hadQuote = false;
  const endToken = (): void => {
    if (current || hadQuote) tokens.push(current);
    current = '';
    hadQuote = false;
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) current += value[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (c === '(') {
      endToken();
      depth = 1;
    } else if (c === '"') {
      quoted = true;
      hadQuote = true;
    } else if (c === ';') {
      endToken();
      clauses.push(tokens);
      tokens = [];
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      endToken();
    } else {
      current += c;
    }
  }
  endToken();
  clauses.push(tokens);
  return clauses.map(joinEquals).filter((t) => t.length > 0);
}

/** `a = b`, `a= b`, `a =b` -> `a=b` (CFWS is allowed around "="). */
function joinEquals(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.endsWith('=') || t.startsWith('='))) out[out.length - 1] = last + t;
    else out.push(t);
  }
  return out;
}

function parseResult(tokens: string[]): AuthMethodResult | undefined {
  const first = tokens[0]!;
  const eq = first.indexOf('=');
  if (eq <= 0) return undefined;
  const method = first.slice(0, eq).toLowerCase().split('/')[0]!;
  const result = first.slice(eq + 1).toLowerCase();
  if (!method || !result) return undefined;
  const props: Record<string, string> = {};
  for (const t of tokens.slice(1)) {
    const e = t.indexOf('=');
    if (e <= 0) continue;
    const name = t.slice(0, e).toLowerCase();
    if (!(name in props)) props[name] = t.slice(e + 1);
  }
  return { method, result, props };
}

/** One header value (unfolded or not). Undefined when it is not an Authentication-Results value at all. */
export function parseAuthenticationResults(value: string): ParsedAuthResults | undefined {
  if (value.length > MAX_HEADER) return undefined;
  const clauses = tokenize(value);
  const head = clauses[0];
  if (!head) return undefined;
  let authservId = NO_AUTHSERV_ID;
  let rest = clauses;
  if (!head[0]!.includes('=')) {
    authservId = head[0]!.toLowerCase();
    rest = clauses.slice(1);
  }
  const results: AuthMethodResult[] = [];
  for (const clause of rest) {
    const r = parseResult(clause);
    if (r) results.push(r);
  }
  return { authservId, results };
}

export function authservIdTrusted(id: string, trusted: readonly string[]): boolean {
  const v = id.toLowerCase();
  return trusted.some((t) => {
    const p = t.toLowerCase();
    return p.startsWith('*.') ? v.endsWith(p.slice(1)) && v.length > p.length - 1 : v === p;
  });
}

/** The headers to believe: from the top, while the authserv-id is trusted (top first, as received). */
export function trustedAuthResults(headerValues: readonly string[], trusted: readonly string[]): ParsedAuthResults[] {
  const out: ParsedAuthResults[] = [];
  if (!trusted.length) return out;
  for (const value of headerValues.slice(0, MAX_HEADERS)) {
    const parsed = parseAuthenticationResults(value);
    if (!parsed || !authservIdTrusted(parsed.authservId, trusted)) break;
    out.push(parsed);
  }
  return out;
}

const SECOND_LEVEL = new Set(['com', 'net', 'org', 'gov', 'edu', 'co', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'nom', 'ltd', 'plc', 'sch']);

/** Organizational domain by a simple suffix rule: the last two labels, three under `com.br`, `co.uk` and the like. */
export function organizationalDomain(domain: string): string {
  const labels = domain.trim().toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const sld = labels[labels.length - 2]!;
  return labels.slice(tld.length === 2 && SECOND_LEVEL.has(sld) ? -3 : -2).join('.');
}

/** Relaxed alignment: the same organizational domain (and a real one: never a bare TLD). */
export function domainsAligned(a: string, b: string): boolean {
  const oa = organizationalDomain(a);
  return oa.includes('.') && oa === organizationalDomain(b);
}

/** `user@x.test`, `@x.test`, `x.test`, `<user@x.test>` -> `x.test`. */
export function domainOf(value: string | undefined): string {
  if (!value) return '';
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === '<' || value[start] === ' ')) start++;
  while (end > start && (value[end - 1] === '>' || value[end - 1] === ' ' || value[end - 1] === '.')) end--;
  const v = value.slice(start, end).toLowerCase();
  return v.slice(v.lastIndexOf('@') + 1);
}

function describe(r: AuthMethodResult, source: string): string {
  const detail = ['header.from', 'header.d', 'header.i', 'smtp.mailfrom', 'reason']
    .filter((k) => r.props[k])
    .map((k) => `${k}=${r.props[k]!.slice(0, 80)}`)
    .join(' ');
  return `${r.method}=${r.result}${detail ? ` ${detail}` : ''} (${source})`.slice(0, 300);
}

/** What a set of results says about the From domain. `source` names who reported them (for the reason). */
export function judgeAuthResults(results: readonly AuthMethodResult[], fromDomain: string, source: string): AuthVerdict {
  const from = fromDomain.toLowerCase();
  let dmarcPass = false;
  let dkimAlignedPass = false;
  let spfAlignedPass = false;
  let dmarcFail: string | undefined;
  let otherFail: string | undefined;
  if (!from) return { authenticated: false };
  for (const r of results) {
    if (r.method === 'dmarc') {
      const about = r.props['header.from'];
      if (about && !domainsAligned(domainOf(about), from)) continue;
      if (r.result === 'pass') dmarcPass = true;
      else if (r.result === 'fail') dmarcFail ??= describe(r, source);
    } else if (r.method === 'dkim') {
      const d = domainOf(r.props['header.d'] ?? r.props['header.i']);
      if (!d || !domainsAligned(d, from)) continue;
      if (r.result === 'pass') dkimAlignedPass = true;
      else if (r.result === 'fail') otherFail ??= describe(r, source);
    } else if (r.method === 'spf') {
      const d = domainOf(r.props['smtp.mailfrom'] ?? r.props['smtp.helo']);
      if (!d || !domainsAligned(d, from)) continue;
      if (r.result === 'pass') spfAlignedPass = true;
      else if (r.result === 'fail' || r.result === 'softfail') otherFail ??= describe(r, source);
    }
  }
  if (dmarcFail) return { authenticated: false, failure: dmarcFail };
  if (dmarcPass || dkimAlignedPass) return { authenticated: true };
  if (!spfAlignedPass && otherFail) return { authenticated: false, failure: otherFail };
  return { authenticated: false };
}

/** The trusted Authentication-Results of one message, judged against its From address. */
export function authResultsVerdict(headerValues: readonly string[], fromAddress: string, trusted: readonly string[]): AuthVerdict {
  const believed = trustedAuthResults(headerValues, trusted);
  if (!believed.length) return { authenticated: false };
  const results = believed.flatMap((h) => h.results);
  return judgeAuthResults(results, domainOf(fromAddress), `reported by ${believed[0]!.authservId}`);
}
