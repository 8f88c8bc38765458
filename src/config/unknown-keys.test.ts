import { z } from 'zod';
import { editDistance, findUnknownKeys, suggestKey, withoutEchoes } from './unknown-keys.js';

describe('unknown configuration keys', () => {
  const schema = z.object({
    server: z.object({ host: z.string(), port: z.number() }).optional(),
    automation: z.object({ pendingTimeout: z.object({ hours: z.number() }).optional() }).optional(),
    database: z.discriminatedUnion('driver', [
      z.object({ driver: z.literal('sqlite'), path: z.string() }),
      z.object({ driver: z.literal('postgres'), url: z.string() }),
    ]),
    labels: z.record(z.string(), z.object({ new: z.string() }).partial()),
    secret: z.preprocess((v) => v, z.object({ value: z.string() })).optional(),
    channels: z.array(z.looseObject({ id: z.string() })),
  });

  test('every unknown key is reported with its path and the key it was probably meant to be', () => {
    const found = findUnknownKeys(schema, {
      server: { hots: 'x', port: 1 },
      automaton: {},
      automation: { pendingTimeOut: { hours: 1 } },
      database: { driver: 'sqlite', pth: 'x' },
      labels: { en: { nwe: 'x' } },
      secret: { valeu: 'x' },
      channels: [{ id: 'a', anything: 1 }],
    });
    expect(found.map((f) => `${f.path}: ${f.message}`)).toEqual([
      'server.hots: unknown key hots (did you mean host?)',
      'automaton: unknown key automaton (did you mean automation?)',
      'automation.pendingTimeOut: unknown key pendingTimeOut (did you mean pendingTimeout?)',
      'database.pth: unknown key pth (did you mean path?)',
      'labels.en.nwe: unknown key nwe (did you mean new?)',
      'secret.valeu: unknown key valeu (did you mean value?)',
    ]);
  });

  test('a key far from every allowed key lists what is allowed instead of guessing', () => {
    expect(findUnknownKeys(schema, { server: { listen: 1 } })).toEqual([
      { path: 'server.listen', message: 'unknown key listen (allowed here: host, port)', suggestion: undefined },
    ]);
  });

  test('suggestions and distances', () => {
    expect(editDistance('passwrd', 'password')).toBe(1);
    expect(editDistance('hsot', 'host')).toBe(1);
    expect(suggestKey('passwrd', ['user', 'password', 'oauth2'])).toBe('password');
    expect(suggestKey('PORT', ['host', 'port'])).toBe('port');
    expect(suggestKey('zzz', ['host', 'port'])).toBeUndefined();
  });

  test('the echo of a misspelled key ("set password or oauth2" at password) is dropped', () => {
    const unknown = findUnknownKeys(
      z.object({ imap: z.object({ password: z.string().optional() }) }),
      { imap: { passwrd: 'x' } },
      'channels[0]',
    );
    const issues = [
      { path: 'channels[0].imap.password', message: 'set password or oauth2' },
      { path: 'channels[0].imap.host', message: 'required' },
    ];
    expect(withoutEchoes(issues, unknown)).toEqual([{ path: 'channels[0].imap.host', message: 'required' }]);
  });
});
