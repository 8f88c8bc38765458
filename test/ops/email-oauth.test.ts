/**
 * `ponte email oauth <channel>` against a loopback stub of an OAuth2 server (no real provider):
 * the device-code flow prints a URL and a code, waits through `authorization_pending` and
 * `slow_down`, stores the refresh token in the channel state, and the XOAUTH2 path then uses it.
 */
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
      if (req.url === '/tenant/devicecode') return json(200, { device_code: 'dev-code-1', user_code: 'ABCD-EFGH', verification_uri: 'https://login.example/device', expires_in: 900, interval: 1 });
      if (req.url === '/tenant/token' && form.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
        polls++;
        if (polls <= 2) return json(400, { error: 'authorization_pending' });
        if (polls === 3) return json(400, { error: 'slow_down' });
        return json(200, { access_token: 'at-1', refresh_token: 'rt-from-device-flow', expires_in: 3600, scope: 'IMAP.AccessAsUser.All SMTP.Send offline_access' });
      }
      if (req.url === '/tenant/token' && form.grant_type === 'refresh_token') {
        return form.refresh_token === 'rt-from-device-flow' ? json(200, { access_token: 'at-2', expires_in: 3600 }) : json(400, { error: 'invalid_grant' });
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
    const oauth2 = { clientId: 'ponte-app', tokenUrl: `${stub.url}/tenant/token`, deviceCodeUrl: `${stub.url}/tenant/devicecode`, scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access' };
    const channel = { id: 'support', kind: 'email', addresses: ['suporte@loja.example'], imap: { host: 'outlook.office365.com', user: 'suporte@loja.example', oauth2 }, smtp: { host: 'smtp.office365.com', user: 'suporte@loja.example', oauth2 } };
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
    const tokens = createAccessTokenProvider({ config: oauth2, state: ctx.state, stateKey: REFRESH_TOKEN_KEYS.imap, now: () => Date.now() });
    expect((await tokens.get()).accessToken).toBe('at-2');
  });

  test('without a refresh token anywhere, logins say to run the command', async () => {
    const ctx = createFakeContext('support');
    const tokens = createAccessTokenProvider({ config: { clientId: 'x', tokenUrl: `${stub.url}/tenant/token` }, state: ctx.state, stateKey: REFRESH_TOKEN_KEYS.imap, now: () => Date.now() });
    await expect(tokens.get()).rejects.toMatchObject({ code: 'oauth2_not_authorized', message: expect.stringContaining('ponte email oauth') });
  });
});
