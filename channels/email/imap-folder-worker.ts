/**
 * The worker of one watched folder: its own connection, sync passes woken by IDLE (or the poll
 * interval), reconnects with backoff (reconnect-policy.ts decides), and long waits after a
 * refused login (accounts get locked for less). Runs until `stopped()`.
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { ImapEmailConfig } from './config.js';
import type { FolderHealth } from './imap-health.js';
import { errorText } from './imap-message.js';
import type { ImapSession } from './imapflow-client.js';
import {
  authFailureDelay,
  ImapAuthError,
  nextAttempt,
  reconnectDelay,
  type AuthBackoffOptions,
  type ReconnectPolicyOptions,
} from './reconnect-policy.js';

interface Wake {
  pending: boolean;
  closed: boolean;
  notify?: (() => void) | undefined;
}

export interface FolderWorkerOptions {
  config: ImapEmailConfig;
  ctx: ChannelContext;
  connect: () => Promise<ImapSession>;
  syncFolder: (session: ImapSession, folder: string, health: FolderHealth) => Promise<boolean>;
  policy: ReconnectPolicyOptions;
  authBackoff?: AuthBackoffOptions | undefined;
  /** Open sessions, so `stop()` can close them. */
  sessions: Set<ImapSession>;
  signal: AbortSignal;
  stopped(): boolean;
}

export function createFolderWorker(options: FolderWorkerOptions): (folder: string, health: FolderHealth) => Promise<void> {
  const { config, ctx, signal } = options;
  const log = ctx.logger;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when new mail is announced, the poll interval passes, the connection drops or we stop. */
  function waitForWake(session: ImapSession, wake: Wake): Promise<void> {
    if (wake.pending || wake.closed || options.stopped()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, config.imap.pollIntervalSeconds * 1000);
      const onAbort = (): void => finish();
      signal.addEventListener('abort', onAbort, { once: true });
      wake.notify = finish;
      if (config.imap.idle && session.supportsIdle()) session.idle();
      function finish(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        wake.notify = undefined;
        resolve();
      }
    });
  }

  return async function runFolder(folder, health) {
    let attempt = 0;
    let authFailures = 0;
    while (!options.stopped()) {
      let session: ImapSession | undefined;
      let connectedAt: number | undefined;
      health.state = 'connecting';
      try {
        session = await options.connect();
        options.sessions.add(session);
        if (options.stopped()) break;
        const wake: Wake = { pending: true, closed: false };
        session.onNewMail(() => {
          wake.pending = true;
          wake.notify?.();
        });
        session.onClose(() => {
          wake.closed = true;
          wake.notify?.();
        });
        await session.open(folder);
        connectedAt = Date.now();
        authFailures = 0;
        health.state = 'ok';
        health.nextAttemptAt = undefined;
        while (!options.stopped()) {
          wake.pending = false;
          if (await options.syncFolder(session, folder, health)) wake.pending = true;
          health.lastError = undefined;
          if (wake.closed) throw new Error('connection closed by the server');
          await waitForWake(session, wake);
          if (wake.closed && !options.stopped()) throw new Error('connection closed by the server');
        }
      } catch (err) {
        if (options.stopped()) break;
        health.lastError = errorText(err);
        health.lastErrorAt = ctx.clock.now();
        if (err instanceof ImapAuthError) authFailures++;
        else log.warn({ folder, err: health.lastError }, 'imap folder worker failed; reconnecting');
      } finally {
        if (session) {
          options.sessions.delete(session);
          await session.close().catch(() => undefined);
        }
      }
      if (options.stopped()) break;
      attempt = nextAttempt(attempt, connectedAt === undefined ? undefined : Date.now() - connectedAt, options.policy);
      // Refused credentials: long intervals (accounts get locked for less), state auth_failed.
      const refused = authFailures > 0 && connectedAt === undefined;
      const delay = refused ? authFailureDelay(authFailures, options.authBackoff) : reconnectDelay(attempt, options.policy);
      health.state = refused ? 'auth_failed' : 'backing_off';
      health.nextAttemptAt = ctx.clock.now() + delay;
      if (refused)
        log.error(
          { folder, err: health.lastError, failures: authFailures, nextAttemptAt: new Date(health.nextAttemptAt).toISOString() },
          'imap login refused; retrying at a long interval',
        );
      await sleep(delay);
    }
    health.state = 'stopped';
  };
}
