/**
 * A real SMTP server on loopback (smtp-server from npm) that captures every message. It can
 * be stopped and started again on the same port (fault tests), and told to answer with an
 * SMTP error (4xx/5xx) to exercise the sender's classification. No TLS, no DNS lookups.
 */
import { SMTPServer } from 'smtp-server';
import { freePort } from './dovecot.js';

export interface CapturedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** Lower-case header name -> unfolded values. */
  headers: Map<string, string[]>;
  header(name: string): string | undefined;
  /** The Subject with RFC 2047 encoded words decoded. */
  subject(): string;
  receivedAt: number;
}

export interface SmtpCapture {
  host: '127.0.0.1';
  port: number;
  messages: CapturedMail[];
  /** Answer every DATA with this error (e.g. { code: 451, message: 'try later' }); undefined = accept. */
  setFailure(failure: { code: number; message: string } | undefined): void;
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  smtpConfig(extra?: Record<string, unknown>): Record<string, unknown>;
}

export function parseHeaderBlock(raw: Buffer): Map<string, string[]> {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const map = new Map<string, string[]>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    const list = map.get(key) ?? [];
    list.push(line.slice(i + 1).trim());
    map.set(key, list);
  }
  return map;
}

/** Decodes RFC 2047 encoded words (B and Q); whitespace between adjacent words is dropped. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

export async function startSmtpCapture(options: { port?: number } = {}): Promise<SmtpCapture> {
  const port = options.port ?? (await freePort());
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  let failure: { code: number; message: string } | undefined;
  let server: SMTPServer | undefined;

  function create(): SMTPServer {
    return new SMTPServer({
      disableReverseLookup: true,
      authOptional: true,
      secure: false,
      disabledCommands: ['STARTTLS'],
      size: 200 * 1024 * 1024,
      logger: false,
      onAuth(_auth, _session, callback) {
        callback(null, { user: 'test' });
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (failure) {
            const err = Object.assign(new Error(failure.message), { responseCode: failure.code });
            callback(err);
            return;
          }
          const raw = Buffer.concat(chunks);
          const headers = parseHeaderBlock(raw);
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            headers,
            header: (name) => headers.get(name.toLowerCase())?.[0],
            subject: () => decodeWords(headers.get('subject')?.[0] ?? ''),
            receivedAt: Date.now(),
          });
          for (const w of waiters) w();
          callback();
        });
      },
    });
  }

  async function start(): Promise<void> {
    if (server) return;
    const s = create();
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    // smtp-server waits for clients to quit; a pooled client may linger, so cut them off.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2_000);
      s.close(() => {
        clearTimeout(t);
        resolve();
      });
      for (const conn of (s as unknown as { connections?: Set<{ close(): void }> }).connections ?? []) conn.close();
    });
  }

  await start();

  return {
    host: '127.0.0.1',
    port,
    messages,
    setFailure: (f) => {
      failure = f;
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (messages.length >= count) return resolve(messages.slice());
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} mails, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        function check(): void {
          if (messages.length >= count) {
            clearTimeout(t);
            waiters.delete(check);
            resolve(messages.slice());
          }
        }
        waiters.add(check);
      });
    },
    stop,
    start,
    running: () => server !== undefined,
    smtpConfig: (extra = {}) => ({ host: '127.0.0.1', port, secure: false, pool: true, maxConnections: 2, timeoutSeconds: 5, ...extra }),
  };
}
