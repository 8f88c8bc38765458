/**
 * The process logger. Lines are JSON (for a log collector), or pretty when written to a
 * terminal (`pretty: 'auto'`). Every line passes through a redactor that replaces each secret
 * value (the values of password/secret/token/key/credentials keys in the configuration, and
 * the server secret) wherever it appears, so a secret in an error message or a nested object
 * never reaches the log. Only real secret values are masked: hosts, ports and ordinary words
 * stay readable.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createRequire } from 'node:module';

/** Loaded only for a terminal: a gateway logging JSON (systemd, containers) does not carry it (a few MB). */
const loadPretty = (): typeof import('pino-pretty') => createRequire(import.meta.url)('pino-pretty');

export function createRedactingStream(secrets: readonly string[], out: { write(chunk: string): unknown }): Writable {
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  // Secrets also appear JSON-escaped inside a log line.
  const escaped = (s: string) => JSON.stringify(s).slice(1, -1);
  // Raw, JSON-escaped, and escaped twice (a JSON string logged inside another JSON string).
  const forms = list.flatMap((s) => [s, escaped(s), escaped(escaped(s))]).filter((v, i, a) => a.indexOf(v) === i);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      let line = chunk.toString('utf8');
      for (const s of forms) if (line.includes(s)) line = line.split(s).join('[REDACTED]');
      out.write(line);
      cb();
    },
  });
}

/** Fields whose values are secrets wherever they are logged (top level or one object down). */
const SECRET_FIELDS = [
  'password',
  'pass',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'appSecret',
  'verifyToken',
  'credentials',
];

export interface LoggerOptions {
  level: string;
  secrets: readonly string[];
  destination?: { write(chunk: string): unknown; isTTY?: boolean };
  /** 'auto': pretty when the destination is a terminal. Default: JSON. */
  pretty?: boolean | 'auto';
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const pretty = options.pretty === 'auto' ? destination.isTTY === true : options.pretty === true;
  // Formatted line by line after masking (the masking sees the JSON, escapes included).
  const format = pretty
    ? loadPretty().prettyFactory({ colorize: destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : undefined;
  const out = format ? { write: (line: string) => destination.write(format(line)) } : destination;
  return pino(
    {
      level: options.level,
      redact: {
        paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), 'headers.authorization', 'req.headers.authorization'],
        censor: '[REDACTED]',
      },
      base: undefined,
    },
    createRedactingStream(options.secrets, out),
  );
}
