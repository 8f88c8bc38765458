/**
 * OAuth2 device authorization grant (RFC 8628) for `ponte email oauth <channel>`: the admin
 * opens a URL on any device, types a short code and consents; Ponte polls the token endpoint
 * and keeps the refresh token in the channel state (the database), where the XOAUTH2 path
 * (oauth2-token.ts) reads it. Nothing is pasted into YAML. Endpoints come from the config, so
 * Microsoft 365, any tenant, or a test stub work alike. Tokens never appear in output or errors.
 * Google has no device flow for mail scopes: `--provider google` runs oauth-loopback.ts instead.
 */
import type { ChannelState } from '../../src/channel/contract.js';
import type { OAuth2Config } from './config.js';
import type { FetchLike } from './oauth2-token.js';

export const REFRESH_TOKEN_KEYS = { imap: 'oauth2-refresh-token:imap', smtp: 'oauth2-refresh-token:smtp' } as const;

export interface DevicePrompt {
  verificationUri: string;
  userCode: string;
  /** Some providers give a URL with the code filled in. */
  verificationUriComplete?: string | undefined;
  expiresInSeconds: number;
}

export class DeviceFlowError extends Error {
  constructor(
    readonly code:
      | 'oauth2_device_unsupported'
      | 'oauth2_device_refused'
      | 'oauth2_device_expired'
      | 'oauth2_device_denied'
      | 'oauth2_network',
    message: string,
  ) {
    super(message);
    this.name = 'DeviceFlowError';
  }
}

export interface DeviceFlowDeps {
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onPrompt(prompt: DevicePrompt): void;
}

/** A form POST to an OAuth2 endpoint; the answer's JSON (empty when there is none). Never puts the form in an error. */
export async function postForm(
  doFetch: FetchLike,
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; ok: boolean; json: Record<string, unknown> }> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    throw new DeviceFlowError(
      'oauth2_network',
      `${new URL(url).host} unreachable (${(err as { code?: string }).code ?? (err as Error).name})`,
    );
  }
  return { status: res.status, ok: res.ok, json: ((await res.json().catch(() => ({}))) ?? {}) as Record<string, unknown> };
}

/** Runs the whole flow; resolves with the refresh token once the admin has consented. */
export async function runDeviceFlow(
  config: OAuth2Config,
  deps: DeviceFlowDeps,
): Promise<{ refreshToken: string; scope?: string | undefined }> {
  if (!config.deviceCodeUrl)
    throw new DeviceFlowError(
      'oauth2_device_unsupported',
      'oauth2.deviceCodeUrl is not set (Microsoft 365: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/devicecode)',
    );
  const doFetch: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const client = { client_id: config.clientId, ...(config.clientSecret ? { client_secret: config.clientSecret } : {}) };
  const start = await postForm(doFetch, config.deviceCodeUrl, { ...client, ...(config.scope ? { scope: config.scope } : {}) });
  const j = start.json;
  if (!start.ok || typeof j.device_code !== 'string' || typeof j.user_code !== 'string') {
    throw new DeviceFlowError(
      'oauth2_device_refused',
      `device code request refused: ${typeof j.error === 'string' ? j.error.slice(0, 80) : `http ${start.status}`}`,
    );
  }
  const verificationUri = String(j.verification_uri ?? j.verification_url ?? '');
  const expiresIn = Number(j.expires_in ?? 900) || 900;
  deps.onPrompt({
    verificationUri,
    userCode: j.user_code,
    verificationUriComplete: typeof j.verification_uri_complete === 'string' ? j.verification_uri_complete : undefined,
    expiresInSeconds: expiresIn,
  });
  let interval = Math.max(1, Number(j.interval ?? 5) || 5) * 1000;
  const deadline = now() + expiresIn * 1000;
  while (now() < deadline) {
    await sleep(interval);
    const r = await postForm(doFetch, config.tokenUrl, {
      ...client,
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: j.device_code,
    });
    if (r.ok && typeof r.json.refresh_token === 'string')
      return { refreshToken: r.json.refresh_token, scope: typeof r.json.scope === 'string' ? r.json.scope : undefined };
    if (r.ok)
      throw new DeviceFlowError('oauth2_device_refused', 'the token endpoint gave no refresh token (add offline_access to oauth2.scope)');
    const error = typeof r.json.error === 'string' ? r.json.error : `http ${r.status}`;
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      interval += 5000;
      continue;
    }
    if (error === 'expired_token') break;
    if (error === 'access_denied' || error === 'authorization_declined')
      throw new DeviceFlowError('oauth2_device_denied', 'the consent was declined');
    throw new DeviceFlowError('oauth2_device_refused', `token request refused: ${error.slice(0, 80)}`);
  }
  throw new DeviceFlowError('oauth2_device_expired', 'the code expired before it was entered: run the command again');
}

/** Stores the refresh token for every login of the channel that uses this OAuth2 client. */
export async function saveRefreshToken(
  state: ChannelState,
  logins: Array<keyof typeof REFRESH_TOKEN_KEYS>,
  refreshToken: string,
): Promise<void> {
  await state.setMany(logins.map((l) => [REFRESH_TOKEN_KEYS[l], refreshToken]));
}

/** A flow that ends with the admin's consent: the device code (here) or the loopback redirect (oauth-loopback.ts). */
export type ConsentFlow = (config: OAuth2Config) => Promise<{ refreshToken: string; scope?: string | undefined }>;

/** `ponte email oauth <channel>`: registered by the email CLI; `state` is the gateway's real channel state. */
export async function authorizeChannel(
  config: { id: string; imap?: { oauth2?: OAuth2Config | undefined } | undefined; smtp: { oauth2?: OAuth2Config | undefined } },
  state: ChannelState,
  deps: { print(line: string): void; flow: ConsentFlow },
): Promise<boolean> {
  const primary = config.imap?.oauth2 ?? config.smtp.oauth2;
  if (!primary) {
    deps.print(`channel ${config.id} has no oauth2 block under imap or smtp: nothing to authorize`);
    return false;
  }
  // One consent covers every login of the channel that uses the same OAuth2 client.
  const same = (o: OAuth2Config | undefined) => !!o && o.clientId === primary.clientId && o.tokenUrl === primary.tokenUrl;
  const logins = (['imap', 'smtp'] as const).filter((l) => same(config[l]?.oauth2));
  const { refreshToken, scope } = await deps.flow(primary);
  await saveRefreshToken(state, logins, refreshToken);
  deps.print(
    `authorized: refresh token stored in the database for ${logins.join(' and ')} of ${config.id}${scope ? ` (scope: ${scope})` : ''}`,
  );
  return true;
}
