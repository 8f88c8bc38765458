import { localized, portalConfigSchema, portalSites } from './portal-config.js';

describe('portal config', () => {
  test('defaults: off, at /portal, the customer may solve and reopen', () => {
    const p = portalConfigSchema.parse(undefined);
    expect(p).toMatchObject({ enabled: false, path: '/portal', customerMaySolve: true, customerMayReopen: true });
    expect(p.signingSecret).toBeUndefined();
    expect(portalSites(p).map((s) => s.path)).toEqual(['/portal']);
  });
  test('one site per brand, inheriting what the brand does not set', () => {
    const p = portalConfigSchema.parse({
      name: 'Loja',
      colors: { primary: '#112233' },
      brands: [{ id: 'outlet', path: '/outlet', channels: ['zap'] }],
    });
    expect(portalSites(p)[1]).toMatchObject({
      brand: 'outlet',
      path: '/outlet',
      name: 'Loja',
      colors: { primary: '#112233', background: '#f6f7f9' },
      channels: ['zap'],
    });
  });
  test('refused with the path of the problem: a taken or repeated path, a colour that is not #rrggbb, a short secret', () => {
    const paths = (input: unknown) => (portalConfigSchema.safeParse(input).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ path: '/api' })).toEqual(['path']);
    expect(paths({ brands: [{ id: 'b', path: '/portal' }] })).toEqual(['brands.0.path']);
    expect(paths({ colors: { primary: 'red;}body{display:none' } })).toEqual(['colors.primary']);
    expect(paths({ signingSecret: 'short' })).toEqual(['signingSecret']);
  });
  test('labels: one text, or one per locale with English as the fallback', () => {
    expect(localized('Entrega', 'es')).toBe('Entrega');
    expect(localized({ 'pt-BR': 'Entrega', en: 'Delivery' }, 'es')).toBe('Delivery');
  });
});
