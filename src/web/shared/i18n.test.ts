import { MESSAGES_EN } from './i18n-en.js';
import { MESSAGES_ES } from './i18n-es.js';
import { MESSAGES_PT } from './i18n-pt.js';
import { pickLocale, t } from './i18n.js';

describe('console words', () => {
  const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  test.each([
    ['pt-BR', MESSAGES_PT],
    ['es', MESSAGES_ES],
  ])('%s has every key, with the same placeholders as English', (_l, dict) => {
    const d = dict as Record<string, string>;
    const missing = Object.keys(MESSAGES_EN).filter((k) => k !== 'app_name' && !(k in d));
    expect(missing).toEqual([]);
    for (const [k, v] of Object.entries(d)) expect([k, names(v)]).toEqual([k, names((MESSAGES_EN as Record<string, string>)[k]!)]);
  });
  test('placeholders are filled; the language comes from the cookie, then Accept-Language', () => {
    expect(t('pt-BR', 'too_many_attempts', { minutes: 15 })).toBe('Muitas tentativas. Tente de novo em 15 min.');
    expect(pickLocale(undefined, 'es-AR,es;q=0.9,en;q=0.8', 'pt-BR')).toBe('es');
    expect(pickLocale('en', 'es-AR', 'pt-BR')).toBe('en');
    expect(pickLocale('xx', undefined, 'pt-BR')).toBe('pt-BR');
  });
});
