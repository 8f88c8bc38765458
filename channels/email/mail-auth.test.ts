/**
 * Our own DKIM/DMARC check with postalsys mailauth against a stub DNS resolver (no real DNS):
 * the message is signed here with mailauth's signer and a key generated for the test.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import { createMailAuthenticator, type DnsResolver } from './mail-auth.js';
import { judgeAuthResults } from './parse/auth-results.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const records: Record<string, string[][]> = {
  's1._domainkey.loja.example': [[`v=DKIM1; k=rsa; p=${publicB64}`]],
  '_dmarc.loja.example': [['v=DMARC1; p=reject']],
  '_dmarc.outra.example': [['v=DMARC1; p=quarantine']],
};
const lookups: string[] = [];
const resolver: DnsResolver = async (name, rrtype) => {
  lookups.push(`${rrtype} ${name}`);
  const answer = rrtype === 'TXT' ? records[name.toLowerCase()] : undefined;
  if (!answer) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return answer;
};

function mail(from: string): string {
  return [
    `From: Ana Lima <${from}>`,
    'To: support@help.test',
    'Subject: Re: Pedido 4411 [#10001]',
    'Date: Mon, 30 Nov 2026 12:00:00 +0000',
    'Message-ID: <reply-1@loja.example>',
    'In-Reply-To: <ponte.10001.a-01abc-01def.0123456789abcdef0123@help.test>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Maria, o pedido sai hoje.',
    '',
  ].join('\r\n');
}

async function signed(from: string): Promise<string> {
  const body = mail(from);
  // A fixed signTime: without one mailauth's signer reads the clock twice (hashed header vs
  // written header) and a second boundary between the reads makes a bad signature.
  const result = await dkimSign(body, {
    signTime: new Date(),
    signatureData: [{ signingDomain: 'loja.example', selector: 's1', privateKey: privatePem, canonicalization: 'relaxed/relaxed' }],
  } as Parameters<typeof dkimSign>[1]);
  expect(result.errors).toEqual([]);
  return result.signatures + body;
}

const auth = createMailAuthenticator({ resolver });

describe('mailauth DKIM/DMARC check (stub DNS)', () => {
  it('a message DKIM-signed by the From domain passes, aligned', async () => {
    const report = await auth.check(Buffer.from(await signed('ana@loja.example')));
    expect(report.skipped).toBeUndefined();
    expect(report.results).toEqual([
      { method: 'dkim', result: 'pass', props: expect.objectContaining({ 'header.d': 'loja.example' }) },
      { method: 'dmarc', result: 'pass', props: { 'header.from': 'loja.example' } },
    ]);
    expect(judgeAuthResults(report.results, 'loja.example', 'checked by Ponte')).toEqual({ authenticated: true });
    expect(lookups).toContain('TXT s1._domainkey.loja.example');
  });

  it('the same message with a forged From (another agent of the same domain) fails DKIM and DMARC', async () => {
    const raw = (await signed('ana@loja.example')).replace('From: Ana Lima <ana@loja.example>', 'From: Bia <bia@loja.example>');
    const report = await auth.check(Buffer.from(raw));
    expect(report.results.map((r) => `${r.method}=${r.result}`)).toEqual(['dkim=fail', 'dmarc=fail']);
    const verdict = judgeAuthResults(report.results, 'loja.example', 'checked by Ponte');
    expect(verdict.authenticated).toBe(false);
    expect(verdict.failure).toMatch(/^dmarc=fail header\.from=loja\.example \(checked by Ponte\)$/);
  });

  it('signed by one domain, From of another with a DMARC policy: not aligned, DMARC fails', async () => {
    const report = await auth.check(Buffer.from(await signed('ana@outra.example')));
    expect(report.results.map((r) => `${r.method}=${r.result}`)).toEqual(['dkim=pass', 'dmarc=fail']);
    expect(judgeAuthResults(report.results, 'outra.example', 'x')).toMatchObject({
      authenticated: false,
      failure: expect.stringMatching(/^dmarc=fail/),
    });
  });

  it('an altered body breaks the signature', async () => {
    const raw = (await signed('ana@loja.example')).replace('o pedido sai hoje', 'pague a taxa em http://x.example');
    const report = await auth.check(Buffer.from(raw));
    expect(report.results[0]).toMatchObject({ method: 'dkim', result: 'neutral' });
    expect(judgeAuthResults(report.results, 'loja.example', 'x')).toMatchObject({
      authenticated: false,
      failure: expect.stringMatching(/^dmarc=fail/),
    });
  });

  it('unsigned mail from a domain without DMARC: nothing proven, nothing failed', async () => {
    const report = await auth.check(Buffer.from(mail('joao@sem-dmarc.example')));
    expect(report.results.map((r) => `${r.method}=${r.result}`)).toEqual(['dkim=none', 'dmarc=none']);
    expect(judgeAuthResults(report.results, 'sem-dmarc.example', 'x')).toEqual({ authenticated: false });
  });

  it('a DNS that never answers: skipped after the timeout, never thrown', async () => {
    const slow = createMailAuthenticator({ resolver: () => new Promise(() => undefined), timeoutMs: 100 });
    const report = await slow.check(Buffer.from(await signed('ana@loja.example')));
    expect(report).toEqual({ results: [], skipped: 'DKIM/DMARC check took over 100 ms' });
  });
});
