import {
  authResultsVerdict,
  authservIdTrusted,
  domainsAligned,
  judgeAuthResults,
  organizationalDomain,
  parseAuthenticationResults,
  trustedAuthResults,
} from './auth-results.js';

/** Unfolded header values as receiving servers write them (top first, as in the message). */
const GMAIL_PASS = `mx.google.com;
       dkim=pass header.i=@loja.example.com.br header.s=20230601 header.b=Qm9vbGVh;
       spf=pass (google.com: domain of ana@loja.example.com.br designates 209.85.220.41 as permitted sender) smtp.mailfrom=ana@loja.example.com.br;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=loja.example.com.br`;
const GMAIL_SPOOF = `mx.google.com;
       spf=fail (google.com: domain of ana@loja.example.com.br does not designate 203.0.113.9 as permitted sender) smtp.mailfrom=ana@loja.example.com.br;
       dmarc=fail (p=REJECT sp=REJECT dis=REJECT) header.from=loja.example.com.br`;
const M365_PASS = `spf=pass (sender IP is 40.107.22.41)
 smtp.mailfrom=loja.example.com.br; dkim=pass (signature was verified)
 header.d=loja.example.com.br;dmarc=pass action=none
 header.from=loja.example.com.br;compauth=pass reason=100`;
const M365_FAIL = `spf=softfail (sender IP is 203.0.113.9)
 smtp.mailfrom=loja.example.com.br; dkim=none (message not signed)
 header.d=none;dmarc=fail action=quarantine
 header.from=loja.example.com.br;compauth=fail reason=000`;
const FASTMAIL_PASS = `mx6.messagingengine.com;
    dkim=pass (2048-bit rsa key sha256) header.d=loja.example.com.br header.i=@loja.example.com.br header.b=Wx3l2C5h header.a=rsa-sha256 header.s=s1 x-bits=2048;
    dmarc=none policy.published-domain-policy=none (p=none,d=none) policy.policy-from=p header.from=loja.example.com.br;
    iprev=pass smtp.remote-ip=203.0.113.5 (mail.loja.example.com.br);
    spf=pass smtp.mailfrom=ana@loja.example.com.br smtp.helo=mail.loja.example.com.br`;
const RSPAMD_DKIM_FAIL = `mail.help.test;
	dkim=fail reason="signature verification failed" header.d=loja.example.com.br header.s=s1 header.b=abc;
	spf=pass (mail.help.test: domain of "bounce@mailer.example.net" designates 198.51.100.7 as permitted sender) smtp.mailfrom="bounce@mailer.example.net";
	dmarc=none`;
const RSPAMD_THIRD_PARTY = `mail.help.test;
	dkim=pass header.d=mailer.example.net header.s=k1 header.b=xyz;
	spf=pass smtp.mailfrom=bounce@mailer.example.net;
	dmarc=none header.from=loja.example.com.br`;
const OPENDKIM_PASS = `mail.help.test; dkim=pass (2048-bit key; unprotected) header.d=example.com.br header.i=@example.com.br header.b="aBc/dEf+"`;
const FORGED_PASS = `mx.google.com; dkim=pass header.d=loja.example.com.br; dmarc=pass header.from=loja.example.com.br`;

const FROM = 'ana@loja.example.com.br';

describe('parseAuthenticationResults', () => {
  it('reads the authserv-id, methods, results and properties; comments dropped, quotes opened', () => {
    expect(parseAuthenticationResults(RSPAMD_DKIM_FAIL)).toEqual({
      authservId: 'mail.help.test',
      results: [
        {
          method: 'dkim',
          result: 'fail',
          props: { reason: 'signature verification failed', 'header.d': 'loja.example.com.br', 'header.s': 's1', 'header.b': 'abc' },
        },
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'bounce@mailer.example.net' } },
        { method: 'dmarc', result: 'none', props: {} },
      ],
    });
  });

  it('takes a header that starts with a result (Microsoft 365) as having no authserv-id', () => {
    const parsed = parseAuthenticationResults(M365_PASS)!;
    expect(parsed.authservId).toBe('(none)');
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual(['spf=pass', 'dkim=pass', 'dmarc=pass', 'compauth=pass']);
    expect(parsed.results[2]!.props).toEqual({ action: 'none', 'header.from': 'loja.example.com.br' });
  });

  it.each([
    [
      'spaces around "=" and a version',
      'mx.example 1; dkim = pass header.d =x.example',
      { authservId: 'mx.example', results: [{ method: 'dkim', result: 'pass', props: { 'header.d': 'x.example' } }] },
    ],
    [
      'nested comments, an escaped paren and an escaped quote',
      'mx.example; spf=pass (a (nested) \\) comment) smtp.mailfrom="a\\"b@x.example"',
      { authservId: 'mx.example', results: [{ method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'a"b@x.example' } }] },
    ],
    ['no results', 'mx.example; none', { authservId: 'mx.example', results: [] }],
    [
      'a method version',
      'mx.example; dkim/1=pass header.d=x.example',
      { authservId: 'mx.example', results: [{ method: 'dkim', result: 'pass', props: { 'header.d': 'x.example' } }] },
    ],
  ])('%s', (_label, value, expected) => {
    expect(parseAuthenticationResults(value)).toEqual(expected);
  });

  it('runs in linear time on hostile input', () => {
    const hostile = ['('.repeat(15_000), '"'.repeat(15_000), '='.repeat(15_000), ' ;'.repeat(7_000), 'a=b '.repeat(3_500)];
    const start = performance.now();
    for (const h of hostile) parseAuthenticationResults(`mx.example; ${h}`);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('which headers are believed', () => {
  it('matches authserv-ids exactly or by a "*." wildcard, case-insensitively', () => {
    expect(authservIdTrusted('MX.Google.com', ['mx.google.com'])).toBe(true);
    expect(authservIdTrusted('mx6.messagingengine.com', ['*.messagingengine.com'])).toBe(true);
    expect(authservIdTrusted('messagingengine.com', ['*.messagingengine.com'])).toBe(false);
    expect(authservIdTrusted('evilmessagingengine.com', ['*.messagingengine.com'])).toBe(false);
    expect(authservIdTrusted('(none)', ['mx.google.com'])).toBe(false);
    expect(authservIdTrusted('(none)', ['(none)'])).toBe(true);
  });

  it('only the trusted headers above the first untrusted one (lower ones came with the message)', () => {
    const ids = (values: string[], trusted: string[]) => trustedAuthResults(values, trusted).map((h) => h.authservId);
    expect(ids([GMAIL_PASS, FORGED_PASS], ['mx.google.com'])).toEqual(['mx.google.com', 'mx.google.com']);
    expect(ids(['attacker.example; dmarc=pass', FORGED_PASS], ['mx.google.com'])).toEqual([]);
    expect(ids([GMAIL_PASS], [])).toEqual([]);
  });
});

describe('domain alignment (relaxed, simple organizational-domain rule)', () => {
  it.each([
    ['loja.example.com.br', 'example.com.br'],
    ['mail.shop.test', 'shop.test'],
    ['news.shop.test', 'mail.shop.test'],
    ['a.shop.co.uk', 'shop.co.uk'],
    ['SHOP.test.', 'shop.test'],
  ])('%s ~ %s', (a, b) => expect(domainsAligned(a, b)).toBe(true));
  it.each([
    ['evil.com.br', 'shop.com.br'],
    ['shop.test', 'shop.example'],
    ['evilshop.test', 'shop.test'],
    ['test', 'test'],
  ])('%s !~ %s', (a, b) => expect(domainsAligned(a, b)).toBe(false));
  it('organizational domains', () => {
    expect(organizationalDomain('a.b.loja.com.br')).toBe('loja.com.br');
    expect(organizationalDomain('mx6.messagingengine.com')).toBe('messagingengine.com');
  });
});

describe('authResultsVerdict: what the receiving server says about the From domain', () => {
  const gmail = ['mx.google.com'];
  it.each([
    ['Gmail: DKIM, SPF and DMARC pass', [GMAIL_PASS], FROM, gmail, { authenticated: true }],
    [
      'Gmail: a spoof of a p=reject domain',
      [GMAIL_SPOOF],
      FROM,
      gmail,
      { authenticated: false, failure: 'dmarc=fail header.from=loja.example.com.br (reported by mx.google.com)' },
    ],
    ['Microsoft 365 (no authserv-id), trusted as "(none)"', [M365_PASS], FROM, ['(none)'], { authenticated: true }],
    [
      'Microsoft 365 DMARC fail',
      [M365_FAIL],
      FROM,
      ['(none)'],
      { authenticated: false, failure: 'dmarc=fail header.from=loja.example.com.br (reported by (none))' },
    ],
    ['Microsoft 365 header, but only Gmail trusted', [M365_PASS], FROM, gmail, { authenticated: false }],
    ['Fastmail: aligned DKIM pass, no DMARC policy', [FASTMAIL_PASS], FROM, ['*.messagingengine.com'], { authenticated: true }],
    [
      'Rspamd: DKIM of the From domain fails, SPF passes for a bounce domain only',
      [RSPAMD_DKIM_FAIL],
      FROM,
      ['mail.help.test'],
      {
        authenticated: false,
        failure: 'dkim=fail header.d=loja.example.com.br reason=signature verification failed (reported by mail.help.test)',
      },
    ],
    [
      'Rspamd: a mailing service signs for itself (not aligned): nothing proven, nothing failed',
      [RSPAMD_THIRD_PARTY],
      FROM,
      ['mail.help.test'],
      { authenticated: false },
    ],
    ['OpenDKIM: DKIM of the parent domain passes (relaxed alignment)', [OPENDKIM_PASS], FROM, ['mail.help.test'], { authenticated: true }],
    [
      'a forged "pass" below the trusted spoof verdict changes nothing',
      [GMAIL_SPOOF, FORGED_PASS],
      FROM,
      gmail,
      { authenticated: false, failure: 'dmarc=fail header.from=loja.example.com.br (reported by mx.google.com)' },
    ],
    [
      'a forged "pass" with the trusted id, under an untrusted top header',
      ['relay.other.example; none', FORGED_PASS],
      FROM,
      gmail,
      { authenticated: false },
    ],
    ['results about another domain do not count for the From', [GMAIL_PASS], 'ana@other.example', gmail, { authenticated: false }],
    ['no header at all', [], FROM, gmail, { authenticated: false }],
    ['nothing trusted', [GMAIL_SPOOF], FROM, [], { authenticated: false }],
  ])('%s', (_label, headers, from, trusted, expected) => {
    expect(authResultsVerdict(headers, from, trusted)).toEqual(expected);
  });

  it('an aligned SPF pass excuses a failing DKIM signature (DMARC semantics) but does not authenticate', () => {
    expect(
      judgeAuthResults(
        [
          { method: 'dkim', result: 'fail', props: { 'header.d': 'shop.test' } },
          { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'ana@shop.test' } },
        ],
        'shop.test',
        'x',
      ),
    ).toEqual({ authenticated: false });
  });

  it('a DMARC fail wins over a contradicting DKIM pass', () => {
    expect(
      judgeAuthResults(
        [
          { method: 'dkim', result: 'pass', props: { 'header.d': 'shop.test' } },
          { method: 'dmarc', result: 'fail', props: {} },
        ],
        'shop.test',
        'x',
      ).authenticated,
    ).toBe(false);
  });
});
