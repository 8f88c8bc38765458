import { decideCors, isOriginAllowed, normalizeOrigin } from './cors.js';

describe('normalizeOrigin', () => {
  it.each([
    ['https://Loja.Example.com.br', 'https://loja.example.com.br'],
    ['https://loja.example.com.br/', 'https://loja.example.com.br'],
    ['https://loja.example.com.br:443', 'https://loja.example.com.br'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://loja.example.com.br:80', 'http://loja.example.com.br'],
    ['ftp://loja.example.com.br', undefined],
    ['null', undefined],
    ['https://loja.example.com.br/contato', undefined],
    ['https://user@loja.example.com.br', undefined],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeOrigin(input)).toBe(expected);
  });
});

describe('isOriginAllowed', () => {
  const allowed = ['https://loja.example.com.br', 'https://*.shop.example', 'http://localhost:3000'];
  it.each<[string | undefined, boolean]>([
    ['https://loja.example.com.br', true],
    ['https://LOJA.example.com.br:443', true],
    ['http://loja.example.com.br', false], // another scheme
    ['https://evil.loja.example.com.br', false], // exact entries have no subdomains
    ['https://loja.example.com.br.evil.io', false],
    ['https://a.shop.example', true],
    ['https://a.b.shop.example', true],
    ['https://shop.example', false], // the wildcard never matches the apex
    ['https://evilshop.example', false],
    ['http://a.shop.example', false],
    ['http://localhost:3000', true],
    ['http://localhost:3001', false],
    ['null', false],
    [undefined, false],
  ])('%s -> %s', (origin, expected) => {
    expect(isOriginAllowed(origin, allowed)).toBe(expected);
  });
});

describe('decideCors', () => {
  const allowed = ['https://loja.example.com.br'];

  it('answers a preflight from a listed origin with the methods and headers we accept', () => {
    const d = decideCors(
      { method: 'OPTIONS', origin: 'https://loja.example.com.br', requestMethod: 'POST', requestHeaders: 'Content-Type, Idempotency-Key' },
      allowed,
      true,
    );
    expect(d.allowed).toBe(true);
    expect(d.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://loja.example.com.br',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      Vary: 'Origin',
    });
    expect(d.headers['Access-Control-Allow-Headers']).toContain('idempotency-key');
  });

  it.each([
    ['unlisted origin', { method: 'OPTIONS', origin: 'https://evil.example', requestMethod: 'POST' }],
    ['method other than POST', { method: 'OPTIONS', origin: 'https://loja.example.com.br', requestMethod: 'DELETE' }],
    [
      'a header we do not accept',
      { method: 'OPTIONS', origin: 'https://loja.example.com.br', requestMethod: 'POST', requestHeaders: 'authorization' },
    ],
    ['no origin', { method: 'OPTIONS', origin: undefined }],
    ['POST from an unlisted origin', { method: 'POST', origin: 'https://evil.example' }],
    ['POST without origin when required', { method: 'POST', origin: undefined }],
  ])('refuses: %s, without any Access-Control-Allow-Origin', (_name, req) => {
    const d = decideCors(req, allowed, true);
    expect(d.allowed).toBe(false);
    expect(d.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(d.headers.Vary).toBe('Origin');
  });

  it('lets a POST without Origin through when requireOrigin is false (server-side posts)', () => {
    expect(decideCors({ method: 'POST', origin: undefined }, allowed, false).allowed).toBe(true);
  });

  it('echoes the listed origin on the POST answer', () => {
    const d = decideCors({ method: 'POST', origin: 'https://loja.example.com.br' }, allowed, true);
    expect(d).toMatchObject({ allowed: true, headers: { 'Access-Control-Allow-Origin': 'https://loja.example.com.br' } });
  });
});
