/**
 * The only module that imports postalsys `mailauth`: our own DKIM and DMARC check of a raw
 * message (`verifyAuthentication: true`), for mailboxes whose server writes no
 * Authentication-Results we can trust. Runs in the IMAP source before ingest, never inside a
 * database transaction (it does DNS lookups). SPF is not checked: over IMAP the connecting IP
 * is unknown. ARC and BIMI are off (BIMI would fetch logos over HTTP).
 *
 * The result is reported in Authentication-Results terms (`AuthMethodResult`) and judged by
 * the same pure rule as a trusted header (parse/auth-results.ts). Never throws: a timeout, a
 * DNS failure or a bug proves nothing and fails nothing.
 */
import type { AuthMethodResult } from './parse/auth-results.js';

/**
 * Loaded on the first check only: mailauth pulls in joi, undici, tldts … (seconds on a busy
 * machine), which every `ponte` command would otherwise pay even with the check off.
 */
let library: Promise<typeof import('mailauth')> | undefined;
const loadMailauth = (): Promise<typeof import('mailauth')> => (library ??= import('mailauth'));

/** `dns.promises.resolve`-shaped: TXT answers as arrays of string chunks. Injected in tests (no real DNS). */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

export interface MailAuthReport {
  results: AuthMethodResult[];
  /** Why nothing could be checked (timeout, error); absent when the checks ran. */
  skipped?: string | undefined;
}

export interface MailAuthenticator {
  check(raw: Buffer): Promise<MailAuthReport>;
}

export interface MailAuthenticatorOptions {
  /** Defaults to the system resolver (production). */
  resolver?: DnsResolver | undefined;
  timeoutMs?: number | undefined;
  /** Clock for signature expiry (`x=`); defaults to now. */
  now?: (() => number) | undefined;
}

type Resolver = (domain: string, rrtype: string) => Promise<string[][] | string[]>;

export function createMailAuthenticator(options: MailAuthenticatorOptions = {}): MailAuthenticator {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const resolver = options.resolver as Resolver | undefined;

  async function run(raw: Buffer): Promise<AuthMethodResult[]> {
    const mailauth = await loadMailauth();
    const dkim = await mailauth.dkimVerify(raw, {
      ...(resolver ? { resolver } : {}),
      ...(options.now ? { curTime: new Date(options.now()) } : {}),
    });
    const results: AuthMethodResult[] = (dkim.results ?? []).map((r) => ({
      method: 'dkim',
      result: String(r.status?.result ?? 'none'),
      props: { 'header.d': String(r.signingDomain ?? ''), ...(r.status?.comment ? { reason: String(r.status.comment) } : {}) },
    }));
    const from = dkim.headerFrom ?? [];
    if (from.length === 1) {
      const dmarc = await mailauth.dmarc({
        headerFrom: from,
        spfDomains: [],
        dkimDomains: (dkim.results ?? [])
          .filter((r) => r.status?.result === 'pass')
          .map((r) => ({ domain: r.signingDomain, aligned: r.status.aligned ?? false, underSized: r.status.underSized ?? false })),
        ...(resolver ? { resolver } : {}),
      });
      if (dmarc) {
        // DMARC is about the From header mailauth read; say which, so the judge can compare it with ours.
        const fromDomain = String(from[0]).split('@').pop()!.toLowerCase();
        results.push({ method: 'dmarc', result: String(dmarc.status?.result ?? 'none'), props: { 'header.from': fromDomain } });
      }
    }
    return results;
  }

  return {
    async check(raw) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const outcome = await Promise.race([run(raw), timeout]);
        if (outcome === 'timeout') return { results: [], skipped: `DKIM/DMARC check took over ${timeoutMs} ms` };
        return { results: outcome };
      } catch (err) {
        return { results: [], skipped: `DKIM/DMARC check failed: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}` };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
