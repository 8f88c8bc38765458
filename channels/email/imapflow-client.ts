/**
 * The only module that imports imapflow. `ImapSession` is the slice the source uses: open a
 * folder, list and fetch by UID (always BODY.PEEK, so a human's read state is untouched),
 * search SINCE, flag/move, IDLE, and events for new mail and a lost connection.
 */
import type { Readable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import type { FolderStatus } from './imap-cursor.js';
import { uidSet } from './imap-cursor.js';
import { ImapAuthError } from './reconnect-policy.js';

/** How the login really travelled: what `email check` reports, not what the config hoped for. */
export type ImapSecurity = 'implicit TLS' | 'STARTTLS' | 'plain text';

export interface ImapMessageInfo {
  uid: number;
  size: number;
  internalDate?: number | undefined;
}

export interface ImapFetchedMessage extends ImapMessageInfo {
  source: Buffer;
}

export interface ImapSession {
  /** Selects the folder (read-write, for flags) and reports its state. */
  open(folder: string): Promise<FolderStatus>;
  /** Fresh state of the open folder (UIDNEXT from the newest message when the server knows better). */
  status(): Promise<FolderStatus>;
  /** UID, size and INTERNALDATE of every message with UID >= fromUid. */
  list(fromUid: number): Promise<ImapMessageInfo[]>;
  searchSince(since: Date): Promise<number[]>;
  /** Which of these UIDs still exist. */
  present(uids: number[]): Promise<number[]>;
  /** UIDs carrying \Seen (tests and `email check`). */
  searchSeen(): Promise<number[]>;
  /** Whole messages, in UID order; `maxLength` keeps only the first bytes (oversized mail). */
  fetch(uids: number[], maxLength?: number): AsyncIterable<ImapFetchedMessage>;
  /** One whole message as a stream, fetched in chunks (large mail never sits in memory whole). */
  download(uid: number): Promise<Readable | undefined>;
  markSeen(uids: number[]): Promise<void>;
  move(uids: number[], destination: string): Promise<void>;
  /** Returns the new message's UID when the server reports it (UIDPLUS). */
  append(folder: string, raw: Buffer, flags?: string[]): Promise<number | undefined>;
  createFolder(path: string): Promise<void>;
  /** Starts IDLE in the background (polling NOOP on servers without IDLE); any next command ends it. */
  idle(): void;
  supportsIdle(): boolean;
  /** The connection's real protection, observed after login. */
  security?(): ImapSecurity;
  onNewMail(listener: () => void): void;
  onClose(listener: (reason?: Error) => void): void;
  close(): Promise<void>;
}

export interface ImapConnectOptions {
  host: string;
  port: number;
  secure: boolean;
  /** When false with `secure: false`, never upgrade (plain test servers). */
  starttls: boolean;
  /** With `secure: false`: refuse to log in unless the server upgrades with STARTTLS. */
  requireTls?: boolean | undefined;
  allowInsecureTls: boolean;
  user: string;
  auth: { password: string } | { accessToken: string };
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export type ImapConnector = (options: ImapConnectOptions) => Promise<ImapSession>;

export const connectImapflow: ImapConnector = async (options) => {
  const client = new ImapFlow({
    host: options.host,
    port: options.port,
    secure: options.secure,
    // true = STARTTLS or fail; undefined = STARTTLS when offered; false = never.
    doSTARTTLS: options.secure ? undefined : options.requireTls ? true : options.starttls ? undefined : false,
    tls: { rejectUnauthorized: !options.allowInsecureTls },
    auth:
      'password' in options.auth
        ? { user: options.user, pass: options.auth.password }
        : { user: options.user, accessToken: options.auth.accessToken },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    greetingTimeout: 15_000,
    socketTimeout: options.socketTimeoutMs ?? 10 * 60_000,
    maxIdleTime: 5 * 60_000,
    clientInfo: { name: 'ponte' },
  });
  const closeListeners: Array<(reason?: Error) => void> = [];
  const mailListeners: Array<() => void> = [];
  let lastError: Error | undefined;
  let closed = false;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  client.on('close', () => {
    closed = true;
    for (const l of closeListeners) l(lastError);
  });
  client.on('exists', (data: { count: number; prevCount: number }) => {
    if (data.count > data.prevCount) for (const l of mailListeners) l();
  });
  try {
    await client.connect();
  } catch (err) {
    const e = err as { authenticationFailed?: boolean; serverResponseCode?: string; responseText?: string; message?: string };
    if (e?.authenticationFailed)
      throw new ImapAuthError(
        `the server refused the credentials${e.serverResponseCode ? ` (${e.serverResponseCode})` : ''}${e.responseText ? `: ${e.responseText}` : ''}`,
      );
    throw err;
  }
  const security: ImapSecurity = options.secure ? 'implicit TLS' : client.secureConnection ? 'STARTTLS' : 'plain text';

  const mailboxStatus = (): FolderStatus => {
    const mb = client.mailbox;
    if (!mb) throw new Error('no folder selected');
    return { uidValidity: mb.uidValidity.toString(), uidNext: mb.uidNext, exists: mb.exists };
  };

  return {
    async open(folder) {
      await client.mailboxOpen(folder);
      return mailboxStatus();
    },
    async status() {
      // Dovecot (and others) report new mail only on NOOP/IDLE, not on FETCH: sync first.
      await client.noop();
      const last = await client.fetchOne('*', { uid: true }, { uid: false }).catch(() => false as const);
      const s = mailboxStatus();
      return last && s.exists > 0 ? { ...s, uidNext: Math.max(s.uidNext, last.uid + 1) } : s;
    },
    async list(fromUid) {
      const out: ImapMessageInfo[] = [];
      for await (const m of client.fetch(`${Math.max(1, fromUid)}:*`, { uid: true, size: true, internalDate: true }, { uid: true })) {
        out.push({ uid: m.uid, size: m.size ?? 0, internalDate: m.internalDate ? new Date(m.internalDate).getTime() : undefined });
      }
      return out;
    },
    async searchSince(since) {
      const found = await client.search({ since }, { uid: true });
      return Array.isArray(found) ? found : [];
    },
    async present(uids) {
      if (!uids.length) return [];
      const out: number[] = [];
      for await (const m of client.fetch(uidSet(uids), { uid: true }, { uid: true })) if (uids.includes(m.uid)) out.push(m.uid);
      return out;
    },
    async searchSeen() {
      const found = await client.search({ seen: true }, { uid: true });
      return Array.isArray(found) ? found : [];
    },
    async *fetch(uids, maxLength) {
      if (!uids.length) return;
      const query = { uid: true, size: true, internalDate: true, source: maxLength ? { maxLength } : true } as const;
      for await (const m of client.fetch(uidSet(uids), query, { uid: true })) {
        if (!m.source) continue;
        yield {
          uid: m.uid,
          size: m.size ?? m.source.length,
          internalDate: m.internalDate ? new Date(m.internalDate).getTime() : undefined,
          source: m.source,
        };
      }
    },
    async download(uid) {
      const res = await client.download(String(uid), undefined, { uid: true, chunkSize: 1024 * 1024 });
      return res.content ?? undefined;
    },
    async markSeen(uids) {
      if (uids.length) await client.messageFlagsAdd(uidSet(uids), ['\\Seen'], { uid: true });
    },
    async move(uids, destination) {
      if (uids.length) await client.messageMove(uidSet(uids), destination, { uid: true });
    },
    async append(folder, raw, flags) {
      const res = await client.append(folder, raw, flags ?? []);
      return res ? res.uid : undefined;
    },
    async createFolder(path) {
      await client.mailboxCreate(path);
    },
    idle() {
      if (closed) return;
      client.idle().catch(() => undefined);
    },
    supportsIdle() {
      return client.capabilities.has('IDLE');
    },
    security: () => security,
    onNewMail(listener) {
      mailListeners.push(listener);
    },
    onClose(listener) {
      if (closed) listener(lastError);
      else closeListeners.push(listener);
    },
    async close() {
      if (closed) return;
      try {
        await Promise.race([client.logout(), new Promise((r) => setTimeout(r, 3_000).unref())]);
      } catch {
        // already gone
      }
      client.close();
    },
  };
};
