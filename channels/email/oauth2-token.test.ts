import type { ChannelState } from '../../src/channel/contract.js';
import { ChannelError } from '../../src/domain/errors.js';
import { createAccessTokenProvider, type FetchLike } from './oauth2-token.js';

function memoryState(): ChannelState & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    get: async <T>(k: string) => map.get(k) as T | undefined,
    getMany: async () => new Map(),
    set: async (k, v) => void map.set(k, v),
    setMany: async () => undefined,
    delete: async (k) => void map.delete(k),
    keys: async () => [],
    deletePrefix: async () => 0,
  };
}

const config = {
  clientId: 'cid',
  clientSecret: 'very-secret',
  refreshToken: 'rt-1',
  tokenUrl: 'https://login.example.test/oauth2/token',
  scope: 'https://mail.example.test/.default',
};

function endpoint(responses: Array<{ status: number; body: Record<string, unknown> } | Error>): FetchLike & { bodies: URLSearchParams[] } {
  const bodies: URLSearchParams[] = [];
  const fn = (async (_url: string, init: { body: string }) => {
    bodies.push(new URLSearchParams(init.body));
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return { ok: next.status < 400, status: next.status, json: async () => next.body };
  }) as unknown as FetchLike & { bodies: URLSearchParams[] };
  fn.bodies = bodies;
  return fn;
}

describe('XOAUTH2 access tokens', () => {
  it('refreshes with the configured token, caches until a minute before expiry, and saves a rotated refresh token at once', async () => {
    let now = 1_000_000;
    const state = memoryState();
    const fetch = endpoint([
      { status: 200, body: { access_token: 'at-1', expires_in: 3600, refresh_token: 'rt-2' } },
      { status: 200, body: { access_token: 'at-2', expires_in: 3600 } },
    ]);
    const p = createAccessTokenProvider({ config, state, stateKey: 'oauth2-refresh-token:imap', now: () => now, fetch });
    expect((await p.get()).accessToken).toBe('at-1');
    expect(fetch.bodies[0]!.get('grant_type')).toBe('refresh_token');
    expect(fetch.bodies[0]!.get('refresh_token')).toBe('rt-1');
    expect(fetch.bodies[0]!.get('scope')).toBe(config.scope);
    expect(state.map.get('oauth2-refresh-token:imap')).toBe('rt-2');
    now += 3_000_000;
    expect((await p.get()).accessToken).toBe('at-1');
    now += 560_000; // inside the last minute
    expect((await p.get()).accessToken).toBe('at-2');
    expect(fetch.bodies[1]!.get('refresh_token')).toBe('rt-2');
  });

  it('shares one refresh between concurrent callers and renews on demand', async () => {
    const fetch = endpoint([
      { status: 200, body: { access_token: 'at-1', expires_in: 3600 } },
      { status: 200, body: { access_token: 'at-2', expires_in: 3600 } },
    ]);
    const p = createAccessTokenProvider({ config, state: memoryState(), stateKey: 'k', now: () => 0, fetch });
    const [a, b] = await Promise.all([p.get(), p.get()]);
    expect(a.accessToken).toBe('at-1');
    expect(b.accessToken).toBe('at-1');
    expect((await p.get(true)).accessToken).toBe('at-2');
    expect(fetch.bodies).toHaveLength(2);
  });

  it('a refused refresh is a retryable ChannelError that names the reason but no secret', async () => {
    const p = createAccessTokenProvider({
      config,
      state: memoryState(),
      stateKey: 'k',
      now: () => 0,
      fetch: endpoint([{ status: 400, body: { error: 'invalid_grant', error_description: 'Token rt-1 revoked' } }]),
    });
    const err = (await p.get().catch((e: unknown) => e)) as ChannelError;
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.code).toBe('oauth2_refresh_failed');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('invalid_grant');
    expect(err.message).not.toMatch(/rt-1|very-secret/);
  });

  it('an unreachable endpoint is a retryable network error', async () => {
    const p = createAccessTokenProvider({
      config,
      state: memoryState(),
      stateKey: 'k',
      now: () => 0,
      fetch: endpoint([Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })]),
    });
    await expect(p.get()).rejects.toMatchObject({ code: 'oauth2_network', retryable: true });
  });
});
