/**
 * XOAUTH2 access tokens from a refresh token (Gmail, Microsoft 365, any RFC 6749 endpoint).
 * Providers may rotate the refresh token on use; the new one is saved to the channel state at
 * once, because the old one may stop working and the config file still holds the first one.
 * Tokens and secrets never appear in errors or logs.
 */
import type { ChannelState } from '../../src/channel/contract.js';
import { ChannelError } from '../../src/domain/errors.js';
import type { OAuth2Config } from './config.js';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export interface AccessTokenProvider {
  /** A valid access token; `renew` forces a new one (the server refused the cached token). */
  get(renew?: boolean): Promise<{ accessToken: string; expiresAt: number }>;
}

export function createAccessTokenProvider(options: {
  config: OAuth2Config;
  state: ChannelState;
  /** State key of the rotated refresh token (one per IMAP/SMTP credential). */
  stateKey: string;
  now: () => number;
  fetch?: FetchLike;
  timeoutMs?: number;
}): AccessTokenProvider {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  let cached: { accessToken: string; expiresAt: number } | undefined;
  let inflight: Promise<{ accessToken: string; expiresAt: number }> | undefined;

  async function refresh(): Promise<{ accessToken: string; expiresAt: number }> {
    const saved = await options.state.get<string>(options.stateKey);
    const refreshToken = saved ?? options.config.refreshToken;
    if (!refreshToken)
      throw new ChannelError('oauth2_not_authorized', 'no OAuth2 refresh token yet: run `ponte email oauth <channel>`', true, 60_000);
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: options.config.clientId,
      ...(options.config.clientSecret ? { client_secret: options.config.clientSecret } : {}),
      ...(options.config.scope ? { scope: options.config.scope } : {}),
    });
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await doFetch(options.config.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      });
    } catch (err) {
      throw new ChannelError(
        'oauth2_network',
        `token endpoint unreachable (${(err as { code?: string }).code ?? (err as Error).name})`,
        true,
      );
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof json.access_token !== 'string') {
      const reason = typeof json.error === 'string' ? json.error.slice(0, 60) : `http ${res.status}`;
      // Even invalid_grant (revoked refresh token) stays retryable: an admin re-authorizes and
      // the queued mail goes out then, instead of failing for a configuration problem.
      throw new ChannelError('oauth2_refresh_failed', `token refresh refused: ${reason}`, true, 60_000);
    }
    if (typeof json.refresh_token === 'string' && json.refresh_token !== refreshToken) {
      await options.state.set(options.stateKey, json.refresh_token);
    }
    const ttl = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 3600) || 3600;
    return { accessToken: json.access_token, expiresAt: options.now() + ttl * 1000 };
  }

  return {
    async get(renew = false) {
      if (!renew && cached && cached.expiresAt - 60_000 > options.now()) return cached;
      inflight ??= refresh().finally(() => {
        inflight = undefined;
      });
      cached = await inflight;
      return cached;
    },
  };
}
