/**
 * The config loader as an admin meets it: `${VAR}` and `${VAR:-default}` interpolation, every
 * problem reported at once with its path, unknown channel kinds, channels that cannot send
 * without `replyVia`, and secrets that never reach a log line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineChannel } from '../../src/channel/contract.js';
import { formatConfigError, loadConfigFile, parseConfig } from '../../src/config/loader.js';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/logger.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

const mailDef = createTestChannelDefinition('test', 'email').definition;
const secretSchema = baseChannelConfigSchema.extend({
  kind: z.literal('secretive'),
  host: z.string().min(1),
  port: z.number().int().positive(),
  password: z.string().min(1),
  apiToken: z.string().optional(),
});
const secretive = defineChannel<z.infer<typeof secretSchema>>({
  kind: 'secretive',
  configSchema: secretSchema,
  capabilities: () => ({ inbound: 'pull', canSend: true, threading: 'email', deliversTo: ['email'] }),
  create: () => ({}),
});
const formSchema = baseChannelConfigSchema.extend({ kind: z.literal('form'), replyVia: z.string().optional() });
const form = defineChannel<z.infer<typeof formSchema>>({
  kind: 'form',
  configSchema: formSchema,
  capabilities: () => ({ inbound: 'push', canSend: false, threading: 'none', deliversTo: [] }),
  replyVia: (c) => c.replyVia,
  create: () => ({}),
});
const definitions = [mailDef, secretive, form];
const SECRET = 'test-secret-0123456789abcdef';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config loader', () => {
  test('${VAR} is replaced from the given environment; numbers and booleans keep their type; ${VAR:-default} falls back', () => {
    const loaded = parseConfig(
      {
        server: { port: '${PORT}', trustProxy: '${TRUST_PROXY}', host: '${HOST:-127.0.0.1}' },
        security: { secret: '${PONTE_SECRET}' },
        tickets: { defaultLocale: '${LOCALE:-en}', reopenWindowHours: '${REOPEN:-72}' },
        database: { driver: 'sqlite', path: '${DATA_DIR:-./data}/ponte.db' },
        channels: [{ id: 'imap', kind: 'secretive', host: 'mail.${DOMAIN}', port: '${IMAP_PORT:-993}', password: '${IMAP_PASS}' }],
      },
      {
        env: { PORT: '9090', TRUST_PROXY: 'true', PONTE_SECRET: SECRET, DOMAIN: 'loja.example', IMAP_PASS: 's3nh@-do-imap', DATA_DIR: '' },
        definitions,
      },
    );
    expect(loaded.config.server).toMatchObject({ port: 9090, trustProxy: true, host: '127.0.0.1' });
    expect(loaded.config.tickets).toMatchObject({ defaultLocale: 'en', reopenWindowHours: 72 });
    // An empty variable counts as unset.
    expect(loaded.config.database).toEqual({ driver: 'sqlite', path: './data/ponte.db' });
    expect(loaded.channels[0]).toMatchObject({ id: 'imap', host: 'mail.loja.example', port: 993, password: 's3nh@-do-imap' });
    expect(loaded.secrets).toEqual(expect.arrayContaining([SECRET, 's3nh@-do-imap']));
    // Frozen: nothing changes the config after loading.
    expect(Object.isFrozen(loaded.config.server)).toBe(true);
  });

  test('an environment value is data, never YAML: it cannot add keys', () => {
    const loaded = parseConfig(
      { security: { secret: SECRET }, statusLabels: { en: { new: '${LABEL}' } } },
      { env: { LABEL: 'Novo\nsolved: hacked' }, definitions },
    );
    expect(loaded.config.statusLabels.en).toEqual({ new: 'Novo\nsolved: hacked' });
  });

  test('every problem is reported at once, each with its path', () => {
    const err = configError(() =>
      parseConfig(
        {
          server: { port: 'eighty', host: 42 },
          database: { driver: 'oracle' },
          security: { secret: '${MISSING_SECRET}' },
          tickets: { numberStart: -5, subjectToken: '#' },
          outbox: { batchSize: 10_000 },
          channels: [
            { id: 'Bad Id', kind: 'test' },
            { id: 'imap', kind: 'secretive', host: '', port: 0 },
          ],
        },
        { env: {}, definitions },
      ),
    );
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'server.port',
        'server.host',
        'database.driver',
        'security.secret',
        'tickets.numberStart',
        'tickets.subjectToken',
        'outbox.batchSize',
        'channels[0].id',
        'channels[1].host',
        'channels[1].port',
        'channels[1].password',
      ]),
    );
    expect(err.issues.find((i) => i.path === 'security.secret')!.message).toContain('MISSING_SECRET');
    expect(err.message).toMatch(/has \d+ problem/);
    const printed = formatConfigError(err);
    for (const p of ['server.port', 'channels[1].password', 'tickets.subjectToken']) expect(printed).toContain(`  - ${p}: `);
  });

  test('an unknown channel kind names the kinds that exist', () => {
    const err = configError(() =>
      parseConfig({ security: { secret: SECRET }, channels: [{ id: 'tg', kind: 'telegram' }] }, { env: {}, definitions }),
    );
    expect(err.issues).toEqual([{ path: 'channels[0].kind', message: expect.stringContaining('unknown channel kind "telegram"') }]);
    expect(err.issues[0]!.message).toContain('test, secretive, form');
  });

  test('a channel that cannot send needs replyVia naming a channel that can', () => {
    const without = configError(() =>
      parseConfig({ security: { secret: SECRET }, channels: [{ id: 'site', kind: 'form' }] }, { env: {}, definitions }),
    );
    expect(without.issues).toEqual([{ path: 'channels[0].replyVia', message: expect.stringContaining('needs replyVia') }]);

    const toNothing = configError(() =>
      parseConfig({ security: { secret: SECRET }, channels: [{ id: 'site', kind: 'form', replyVia: 'mail' }] }, { env: {}, definitions }),
    );
    expect(toNothing.issues).toEqual([{ path: 'channels[0].replyVia', message: '"mail" is not a configured channel that can send' }]);

    const toForm = configError(() =>
      parseConfig(
        {
          security: { secret: SECRET },
          channels: [
            { id: 'a', kind: 'form', replyVia: 'b' },
            { id: 'b', kind: 'form', replyVia: 'a' },
          ],
        },
        { env: {}, definitions },
      ),
    );
    expect(toForm.issues.map((i) => i.path)).toEqual(['channels[0].replyVia', 'channels[1].replyVia']);

    const ok = parseConfig(
      {
        security: { secret: SECRET },
        channels: [
          { id: 'site', kind: 'form', replyVia: 'mail' },
          { id: 'mail', kind: 'test' },
        ],
      },
      { env: {}, definitions },
    );
    expect(ok.channels.map((c) => c.id)).toEqual(['site', 'mail']);
  });

  test('duplicate channel ids are refused', () => {
    const err = configError(() =>
      parseConfig(
        {
          security: { secret: SECRET },
          channels: [
            { id: 'mail', kind: 'test' },
            { id: 'mail', kind: 'test' },
          ],
        },
        { env: {}, definitions },
      ),
    );
    expect(err.issues).toEqual([{ path: 'channels[1].id', message: 'duplicate channel id "mail"' }]);
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ponte-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('a YAML file loads with interpolation; broken YAML and missing files are reported readably', async () => {
      const file = join(dir, 'ponte.yaml');
      writeFileSync(
        file,
        'server:\n  port: ${PORT:-8081}\nsecurity:\n  secret: ${PONTE_SECRET}\nchannels:\n  - id: mail\n    kind: test\n',
      );
      const loaded = await loadConfigFile(file, { env: { PONTE_SECRET: SECRET }, definitions });
      expect(loaded.config.server.port).toBe(8081);
      expect(loaded.source).toBe(file);

      writeFileSync(file, 'server:\n  port: 1\n bad-indent: [\n');
      const yamlErr = await loadConfigFile(file, { env: {}, definitions }).catch((e) => e);
      expect(yamlErr).toBeInstanceOf(ConfigError);
      expect(yamlErr.issues[0].path).toMatch(/^line \d+$/);

      const missing = await loadConfigFile(join(dir, 'nope.yaml'), { env: {}, definitions }).catch((e) => e);
      expect(missing).toMatchObject({ code: 'config_invalid', issues: [{ message: 'file not found' }] });
    });
  });
});

describe('secrets never reach a log line', () => {
  // The password holds `"` and `\\`: inside a JSON log line it appears escaped, and is still caught.
  test('configured and interpolated secrets are replaced by [REDACTED] in objects, messages, errors and child loggers', async () => {
    const password = 'p@ss"w\\ord-IMAP-9f8e';
    const token = 'EAAG-whatsapp-token-abcdef123456';
    const loaded = parseConfig(
      {
        security: { secret: SECRET },
        channels: [{ id: 'imap', kind: 'secretive', host: 'mail.loja.example', port: 993, password: '${IMAP_PASS}', apiToken: token }],
      },
      { env: { IMAP_PASS: password }, definitions },
    );
    expect(loaded.secrets).toEqual(expect.arrayContaining([SECRET, password, token]));
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', secrets: loaded.secrets, destination: { write: (chunk: string) => lines.push(chunk) } });

    logger.info({ channel: loaded.channels[0] }, 'channel config');
    logger.info({ auth: { user: 'suporte', pass: password }, headers: { authorization: `Bearer ${token}` } }, 'connecting');
    logger.warn(`login failed for suporte with ${password}`);
    logger.error({ err: new Error(`Graph API 401: invalid token ${token}`) }, 'send failed');
    logger.child({ part: 'imap', note: `secret=${SECRET}` }).debug({ detail: [password, { deep: { deeper: token } }] }, 'nested');
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines.length).toBe(5);
    for (const line of lines) {
      for (const s of [password, token, SECRET, JSON.stringify(password).slice(1, -1)]) expect(line).not.toContain(s);
      expect(line).toContain('[REDACTED]');
      expect(() => JSON.parse(line)).not.toThrow();
    }
    // The rest of the line is intact.
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'channel config', channel: { host: 'mail.loja.example', port: 993 } });
    expect(JSON.parse(lines[2]!).msg).toBe('login failed for suporte with [REDACTED]');
  });
});
