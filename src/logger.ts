/**
 * The process logger. Every line passes through a redactor that replaces each configured secret
 * value (passwords, tokens, interpolated env values) wherever it appears, so a secret in an
 * error message or a nested object never reaches the log.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

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

export function createLogger(options: { level: string; secrets: readonly string[]; destination?: { write(chunk: string): unknown } }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: ['*.password', '*.pass', '*.secret', '*.token', '*.accessToken', '*.refreshToken', '*.appSecret', 'headers.authorization', 'req.headers.authorization'], censor: '[REDACTED]' },
      base: undefined,
    },
    createRedactingStream(options.secrets, options.destination ?? process.stdout),
  );
}
