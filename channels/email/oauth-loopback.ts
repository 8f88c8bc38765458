/**
 * OAuth2 for installed apps with a loopback redirect (RFC 8252; Google's flow for desktop
 * clients) for `ponte email oauth <channel> --provider google`: a one-shot HTTP listener on
 * 127.0.0.1 (a free port), a consent URL with PKCE (S256), `state`, `access_type=offline` and
 * `prompt=consent` (so Google returns a refresh token every time), then the code is exchanged
 * at the token endpoint. Endpoints come from the config (tests point them at a loopback fake).
 * The listener answers one redirect and closes; a wrong `state` ends the flow (it is not our
 * browser), and so does the timeout. Codes, tokens and the verifier never appear in output.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { OAuth2Config } from './config.js';
import { postForm } from './oauth-device.js';
import type { FetchLike } from './oauth2-token.js';

export const GOOGLE_AUTHORIZATION_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_MAIL_SCOPE = 'https://mail.google.com/';
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export class LoopbackFlowError extends Error {
  constructor(
    readonly code: 'oauth2_denied' | 'oauth2_timeout' | 'oauth2_refused',
    message: string,
  ) {
    super(message);
    this.name = 'LoopbackFlowError';
  }
}

export interface LoopbackPrompt {
  /** The consent page to open in a browser. */
  url: string;
  redirectUri: string;
  timeoutSeconds: number;
}

export interface LoopbackFlowDeps {
  fetch?: FetchLike;
  onPrompt(prompt: LoopbackPrompt): void;
  /** How long to wait for the browser (default 5 min). */
  timeoutMs?: number;
  /** Pre-fills the account on the consent page (the mailbox user). */
  loginHint?: string | undefined;
}

const base64url = (b: Buffer): string => b.toString('base64url');

/** PKCE (RFC 7636): a random verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

function page(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${text}\n`);
}

/** Waits for the one redirect; resolves with the code. */
function awaitRedirect(expectedState: string, timeoutMs: number, onListening: (port: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/' || settled) return page(res, 404, 'not found');
      const q = url.searchParams;
      if (q.get('state') !== expectedState) {
        // Not the answer to this consent (a stray or hostile request to the port): refuse it and
        // keep waiting for the real one, so a local process cannot cut the admin's flow short.
        return page(res, 400, 'Ponte: this answer does not belong to the authorization that was started.');
      }
      const error = q.get('error');
      if (error) {
        page(res, 200, 'Ponte: the authorization was not given. You can close this tab.');
        return finish(
          error === 'access_denied'
            ? new LoopbackFlowError('oauth2_denied', 'the consent was declined (access_denied)')
            : new LoopbackFlowError('oauth2_refused', `the provider refused: ${error.slice(0, 80).replace(/[^\w.-]/g, '?')}`),
        );
      }
      const code = q.get('code');
      if (!code) {
        page(res, 400, 'Ponte: no authorization code in this answer.');
        return finish(new LoopbackFlowError('oauth2_refused', 'the redirect carried no authorization code'));
      }
      page(res, 200, 'Ponte is authorized. You can close this tab.');
      finish(code);
    });
    const timer = setTimeout(
      () =>
        finish(
          new LoopbackFlowError(
            'oauth2_timeout',
            `no answer from the browser within ${Math.round(timeoutMs / 1000)} s: run the command again`,
          ),
        ),
      timeoutMs,
    );
    function finish(outcome: string | Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.close();
      server.closeIdleConnections();
      if (typeof outcome === 'string') resolve(outcome);
      else reject(outcome);
    }
    server.on('error', (err) => finish(err));
    server.listen(0, '127.0.0.1', () => onListening((server.address() as { port: number }).port));
  });
}

/** Runs the whole flow; resolves with the refresh token once the admin has consented. */
export async function runLoopbackFlow(
  config: OAuth2Config,
  deps: LoopbackFlowDeps,
): Promise<{ refreshToken: string; scope?: string | undefined }> {
  const doFetch: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { verifier, challenge } = pkcePair();
  const state = base64url(randomBytes(16));
  let redirectUri = '';
  const code = await awaitRedirect(state, timeoutMs, (port) => {
    redirectUri = `http://127.0.0.1:${port}/`;
    const url = new URL(config.authorizationUrl ?? GOOGLE_AUTHORIZATION_URL);
    const params: Record<string, string> = {
      client_id: config.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: config.scope ?? GOOGLE_MAIL_SCOPE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      access_type: 'offline',
      prompt: 'consent',
      ...(deps.loginHint ? { login_hint: deps.loginHint } : {}),
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    deps.onPrompt({ url: url.toString(), redirectUri, timeoutSeconds: Math.round(timeoutMs / 1000) });
  });
  const r = await postForm(doFetch, config.tokenUrl, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: config.clientId,
    ...(config.clientSecret ? { client_secret: config.clientSecret } : {}),
    code_verifier: verifier,
  });
  if (r.ok && typeof r.json.refresh_token === 'string')
    return { refreshToken: r.json.refresh_token, scope: typeof r.json.scope === 'string' ? r.json.scope : undefined };
  if (r.ok)
    throw new LoopbackFlowError('oauth2_refused', 'the token endpoint gave no refresh token (the consent must ask for offline access)');
  const error = typeof r.json.error === 'string' ? r.json.error.slice(0, 80) : `http ${r.status}`;
  throw new LoopbackFlowError('oauth2_refused', `code exchange refused: ${error}`);
}
