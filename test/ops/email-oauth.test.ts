/**
 * `ponte email oauth <channel>` against loopback stubs of OAuth2 servers (no real provider):
 * the device-code flow prints a URL and a code, waits through `authorization_pending` and
 * `slow_down`, stores the refresh token in the channel state, and the XOAUTH2 path then uses it.
 * `--provider google` runs the loopback-redirect flow: the test plays the browser against a fake
 * Google that checks PKCE, and covers a forged `state`, a denial and nobody answering.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Command } from 'commander';
import { registerEmailCli } from '../../channels/email/cli.js';
import { createAccessTokenProvider } from '../../channels/email/oauth2-token.js';
import { REFRESH_TOKEN_KEYS } from '../../channels/email/oauth-device.js';
import { createFakeContext } from '../support/fake-context.js';

interface Stub {
  url: string;
  requests: Array<{ path: string; form: Record<string, string> }>;
  close(): Promise<void>;
}

/** Pending twice, slow_down once, then tokens; refresh grants answer with an access token. */
async function startStub(): Promise<Stub> {
  const requests: Stub['requests'] = [];
  let polls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push({ path: req.url ?? '', form });
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/tenant/devicecode')
        return json(200, {
          device_code: 'dev-code-1',
          user_code: 'ABCD-EFGH',
          verification_uri: 'https://login.example/device',
          expires_in: 900,
          interval: 1,
        });
      if (req.url === '/tenant/token' && form.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
        polls++;
        if (polls <= 2) return json(400, { error: 'authorization_pending' });
        if (polls === 3) return json(400, { error: 'slow_down' });
        return json(200, {
          access_token: 'at-1',
          refresh_token: 'rt-from-device-flow',
          expires_in: 3600,
          scope: 'IMAP.AccessAsUser.All SMTP.Send offline_access',
        });
      }
      if (req.url === '/tenant/token' && form.grant_type === 'refresh_token') {
        return form.refresh_token === 'rt-from-device-flow'
          ? json(200, { access_token: 'at-2', expires_in: 3600 })
          : json(400, { error: 'invalid_grant' });
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe('ponte email oauth', () => {
  let stub: Stub;
  beforeAll(async () => {
    stub = await startStub();
  });
  afterAll(() => stub.close());

  test('device-code flow: prints the code, waits for consent, stores the refresh token used by XOAUTH2', async () => {
    const oauth2 = {
      clientId: 'ponte-app',
      tokenUrl: `${stub.url}/tenant/token`,
      deviceCodeUrl: `${stub.url}/tenant/devicecode`,
      scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
    };
    const channel = {
      id: 'support',
      kind: 'email',
      addresses: ['suporte@loja.example'],
      imap: { host: 'outlook.office365.com', user: 'suporte@loja.example', oauth2 },
      smtp: { host: 'smtp.office365.com', user: 'suporte@loja.example', oauth2 },
    };
    const ctx = createFakeContext('support');
    const printed: string[] = [];
    const waits: number[] = [];
    const program = new Command('ponte').option('-c, --config <file>').exitOverride();
    registerEmailCli(program, {
      loadConfig: async () => ({ channels: [channel] }),
      createContext: async () => ctx,
      print: (l) => void printed.push(l),
      oauthSleep: async (ms) => void waits.push(ms),
    });
    const before = process.exitCode;
    process.exitCode = undefined;
    await program.parseAsync(['node', 'ponte', 'email', 'oauth', 'support']);
    const code = process.exitCode;
    process.exitCode = before;
    expect(code).toBeUndefined();

    expect(printed[0]).toBe('Open https://login.example/device and enter the code ABCD-EFGH (valid 15 min). Waiting…');
    expect(printed.at(-1)).toMatch(/^authorized: refresh token stored in the database for imap and smtp of support/);
    expect(printed.join('\n')).not.toContain('rt-from-device-flow');
    // The provider's interval is honoured, and slow_down adds 5 s.
    expect(waits).toEqual([1000, 1000, 1000, 6000]);
    expect(stub.requests[0]).toEqual({ path: '/tenant/devicecode', form: { client_id: 'ponte-app', scope: oauth2.scope } });
    expect(ctx.stateMap.get(REFRESH_TOKEN_KEYS.imap)).toBe('rt-from-device-flow');
    expect(ctx.stateMap.get(REFRESH_TOKEN_KEYS.smtp)).toBe('rt-from-device-flow');

    // The existing XOAUTH2 path gets an access token with the stored refresh token (no token in YAML).
    const tokens = createAccessTokenProvider({
      config: oauth2,
      state: ctx.state,
      stateKey: REFRESH_TOKEN_KEYS.imap,
      now: () => Date.now(),
    });
    expect((await tokens.get()).accessToken).toBe('at-2');
  });

  test('without a refresh token anywhere, logins say to run the command', async () => {
    const ctx = createFakeContext('support');
    const tokens = createAccessTokenProvider({
      config: { clientId: 'x', tokenUrl: `${stub.url}/tenant/token` },
      state: ctx.state,
      stateKey: REFRESH_TOKEN_KEYS.imap,
      now: () => Date.now(),
    });
    await expect(tokens.get()).rejects.toMatchObject({
      code: 'oauth2_not_authorized',
      message: expect.stringContaining('ponte email oauth'),
    });
  });
});

type GoogleMode = 'consent' | 'deny' | 'forged_state' | 'absent' | 'stray_then_consent';

interface FakeGoogle {
  url: string;
  mode: GoogleMode;
  /** Query of the last consent-page visit. */
  consent?: URLSearchParams;
  exchanges: Array<Record<string, string>>;
  close(): Promise<void>;
}

/** Google's consent page and token endpoint, as far as the installed-app flow uses them. */
async function startFakeGoogle(): Promise<FakeGoogle> {
  let challenge = '';
  const fake: FakeGoogle = { url: '', mode: 'consent', exchanges: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') {
      const q = url.searchParams;
      fake.consent = q;
      challenge = q.get('code_challenge') ?? '';
      const back = new URL(q.get('redirect_uri') ?? '');
      const state = fake.mode === 'forged_state' ? 'attacker-state' : q.get('state')!;
      if (fake.mode === 'deny') back.search = new URLSearchParams({ error: 'access_denied', state }).toString();
      else back.search = new URLSearchParams({ code: 'google-auth-code', state, scope: 'https://mail.google.com/' }).toString();
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      if (url.pathname !== '/token') return json(404, { error: 'not_found' });
      if (form.grant_type === 'authorization_code') {
        fake.exchanges.push(form);
        const s256 = createHash('sha256')
          .update(form.code_verifier ?? '')
          .digest('base64url');
        if (form.code !== 'google-auth-code' || s256 !== challenge || form.redirect_uri !== fake.consent?.get('redirect_uri'))
          return json(400, { error: 'invalid_grant' });
        return json(200, { access_token: 'ya29.at', refresh_token: 'rt-from-google', expires_in: 3599, scope: 'https://mail.google.com/' });
      }
      if (form.grant_type === 'refresh_token')
        return form.refresh_token === 'rt-from-google'
          ? json(200, { access_token: 'ya29.at-2', expires_in: 3599 })
          : json(400, { error: 'invalid_grant' });
      json(400, { error: 'unsupported_grant_type' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}

describe('ponte email oauth --provider google (loopback redirect)', () => {
  let google: FakeGoogle;
  beforeAll(async () => {
    google = await startFakeGoogle();
  });
  afterAll(() => google.close());

  const gmail = () => {
    const oauth2 = {
      clientId: 'ponte-desktop.apps.example',
      clientSecret: 'gcs-Do-Not-Print',
      tokenUrl: `${google.url}/token`,
      authorizationUrl: `${google.url}/o/oauth2/v2/auth`,
    };
    return {
      oauth2,
      channel: {
        id: 'gmail',
        kind: 'email',
        addresses: ['suporte@loja.example'],
        imap: { host: 'imap.gmail.com', user: 'suporte@loja.example', oauth2 },
        smtp: { host: 'smtp.gmail.com', user: 'suporte@loja.example', oauth2 },
      },
    };
  };

  /** Runs the command; the "browser" follows the consent URL (and its redirect) unless the mode is `absent`. */
  async function run(mode: GoogleMode, extra: string[] = []) {
    google.mode = mode === 'stray_then_consent' ? 'consent' : mode;
    google.exchanges = [];
    const { channel, oauth2 } = gmail();
    const ctx = createFakeContext('gmail');
    const printed: string[] = [];
    const browser: Array<Promise<string>> = [];
    const program = new Command('ponte').option('-c, --config <file>').exitOverride();
    registerEmailCli(program, {
      loadConfig: async () => ({ channels: [channel] }),
      createContext: async () => ctx,
      print: (l) => void printed.push(l),
      onConsentUrl: (url) => {
        if (mode === 'stray_then_consent') {
          // Another local process (or a page probing loopback ports) answers first, then the admin's browser.
          const stray = new URL(new URL(url).searchParams.get('redirect_uri')!);
          stray.search = 'state=not-ours&code=evil';
          const first = fetch(stray).then((r) => r.text());
          browser.push(
            first,
            first.then(() => fetch(url).then((r) => r.text())),
          );
        } else if (mode !== 'absent') browser.push(fetch(url).then((r) => r.text()));
      },
    });
    const before = process.exitCode;
    process.exitCode = undefined;
    await program.parseAsync(['node', 'ponte', 'email', 'oauth', 'gmail', '--provider', 'google', ...extra]);
    const code = process.exitCode;
    process.exitCode = before;
    const pages = await Promise.all(browser);
    return { code, printed, pages, ctx, oauth2 };
  }

  test('consent: PKCE S256, state, offline access; the refresh token is stored for IMAP and SMTP and used by XOAUTH2', async () => {
    const { code, printed, pages, ctx, oauth2 } = await run('consent');
    expect(code).toBeUndefined();
    const q = google.consent!;
    expect(Object.fromEntries(q)).toMatchObject({
      client_id: 'ponte-desktop.apps.example',
      response_type: 'code',
      scope: 'https://mail.google.com/',
      code_challenge_method: 'S256',
      access_type: 'offline',
      prompt: 'consent',
      login_hint: 'suporte@loja.example',
    });
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(q.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    // The code went back with the verifier; the fake checked it against the challenge.
    expect(google.exchanges).toHaveLength(1);
    expect(google.exchanges[0]).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'ponte-desktop.apps.example',
      client_secret: 'gcs-Do-Not-Print',
    });
    expect(pages[0]).toMatch(/Ponte is authorized/);
    expect(printed[1]).toContain(`${google.url}/o/oauth2/v2/auth?`);
    expect(printed.at(-1)).toBe(
      'authorized: refresh token stored in the database for imap and smtp of gmail (scope: https://mail.google.com/)',
    );
    const all = printed.join('\n');
    for (const secret of ['rt-from-google', 'google-auth-code', 'gcs-Do-Not-Print', google.exchanges[0]!.code_verifier!])
      expect(all).not.toContain(secret);
    expect(ctx.stateMap.get(REFRESH_TOKEN_KEYS.imap)).toBe('rt-from-google');
    expect(ctx.stateMap.get(REFRESH_TOKEN_KEYS.smtp)).toBe('rt-from-google');
    const tokens = createAccessTokenProvider({
      config: oauth2,
      state: ctx.state,
      stateKey: REFRESH_TOKEN_KEYS.smtp,
      now: () => Date.now(),
    });
    expect((await tokens.get()).accessToken).toBe('ya29.at-2');
  });

  test('an answer with another state is refused and the command keeps waiting: no code exchange, nothing stored', async () => {
    const { code, printed, pages, ctx } = await run('forged_state', ['--timeout', '2']);
    expect(pages[0]).toMatch(/does not belong to the authorization that was started/);
    expect(code).toBe(2);
    expect(printed.at(-1)).toMatch(/^not authorized \(oauth2_timeout\): no answer from the browser within 2 s/);
    expect(google.exchanges).toHaveLength(0);
    expect(ctx.stateMap.has(REFRESH_TOKEN_KEYS.imap)).toBe(false);
  });

  test('a stray request to the loopback port does not cut the flow short: the real answer after it still signs in', async () => {
    const { code, pages, ctx } = await run('stray_then_consent');
    expect(pages[0]).toMatch(/does not belong to the authorization that was started/);
    expect(pages[1]).toMatch(/Ponte is authorized/);
    expect(code).toBeUndefined();
    expect(google.exchanges).toHaveLength(1);
    expect(ctx.stateMap.get(REFRESH_TOKEN_KEYS.imap)).toBe('rt-from-google');
  });

  test('a declined consent says so clearly', async () => {
    const { code, printed, pages, ctx } = await run('deny');
    expect(code).toBe(2);
    expect(printed.at(-1)).toBe('not authorized (oauth2_denied): the consent was declined (access_denied)');
    expect(pages[0]).toMatch(/authorization was not given/);
    expect(google.exchanges).toHaveLength(0);
    expect(ctx.stateMap.has(REFRESH_TOKEN_KEYS.smtp)).toBe(false);
  });

  test('nobody answers: the listener gives up after --timeout and closes its port', async () => {
    const { code, printed } = await run('absent', ['--timeout', '1']);
    expect(code).toBe(2);
    expect(printed.at(-1)).toBe('not authorized (oauth2_timeout): no answer from the browser within 1 s: run the command again');
    const redirect = new URL(google.consent!.get('redirect_uri')!);
    await expect(fetch(redirect)).rejects.toThrow();
  });
});
