/**
 * One Baileys socket per configured number: its lifecycle. Orchestration only; each concern is
 * its own room with its decisions beside it:
 *
 * - number-lease.ts: a database lease (`whatsapp:<channelId>`) keeps a second gateway process
 *   from connecting the same number (two clients on one session kick each other out, 440); its
 *   fencing epoch guards every write of the session (`fctx`): a process that lost the number
 *   cannot overwrite the new holder's keys, and a refused write drops its socket.
 * - disconnect-policy.ts: what to do when the socket closes (reconnect, wipe, stop).
 * - inbound-handler.ts: what each event means (normalize*.ts) and doing it; lid-map.ts keeps the
 *   LID <-> phone table; pending-stubs.ts the messages awaiting their decryption retry.
 * - connection-status.ts: health (needs_pairing, connecting, connected, backing_off (with next
 *   attempt), logged_out, passkey_required, undecryptable (decryption-health.ts), stopped) and
 *   the pairing view.
 *
 * Events of one socket are handled one at a time, in order (a decryption stub must be seen
 * before the real message that replaces it).
 */
import type { ChannelContext, ChannelHealthState, InboundSource, PairingInfo } from '../../src/channel/contract.js';
import type { WhatsappLocale } from '../whatsapp-shared/placeholder-texts.js';
import { digits, jidKind, normalizeJid } from '../whatsapp-shared/phone.js';
import { loadDbAuthState, wipeAuthState, type DbAuthState } from './auth-state.js';
import { createConnectionStatus, decryptionTransition, type HealthExtra } from './connection-status.js';
import { decideDecryptionHealth } from './decryption-health.js';
import { backoffDelay, closeStatusCode, decideOnClose, DEFAULT_BACKOFF, type BackoffOptions } from './disconnect-policy.js';
import { createInboundHandler, errInfo } from './inbound-handler.js';
import { createLidMap } from './lid-map.js';
import { createNumberLease, isLeaseLost } from './number-lease.js';
import { createPendingStubs } from './pending-stubs.js';
import type { MakeSocket, WaAuthToolkit, WaConnectionUpdate, WaMessage, WaSocketPort } from './socket-port.js';
import type { WhatsappConfig } from './whatsapp-config.js';

const ME_KEY = 'me';

export interface WhatsappConnection {
  source: InboundSource;
  pairing(): PairingInfo | undefined;
  /** The open socket, or undefined while not connected. */
  connected(): WaSocketPort | undefined;
  /** Waits until queued events are handled (tests, graceful stop). */
  idle(): Promise<void>;
}

export interface WhatsappSourceDeps {
  makeSocket: MakeSocket;
  authToolkit: WaAuthToolkit;
  random?: () => number;
}

export function createWhatsappConnection(config: WhatsappConfig, ctx: ChannelContext, deps: WhatsappSourceDeps): WhatsappConnection {
  const log = ctx.logger;
  const locale: WhatsappLocale = (config.locale as WhatsappLocale | undefined) ?? 'pt-BR';
  const backoff: BackoffOptions = {
    ...DEFAULT_BACKOFF,
    baseMs: config.reconnectBaseMs,
    maxMs: config.reconnectMaxMs,
    replacedMinMs: Math.min(DEFAULT_BACKOFF.replacedMinMs, config.reconnectMaxMs),
    random: deps.random ?? Math.random,
  };

  let running = false;
  let socket: WaSocketPort | undefined;
  let isOpen = false;
  let auth: DbAuthState | undefined;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let me: { id?: string; lid?: string } = {};
  /** While pairing: the phone started linking (a linking notice arrived); see disconnect-policy.ts. */
  let linkingStarted = false;
  let queue: Promise<void> = Promise.resolve();
  let credsQueue: Promise<void> = Promise.resolve();

  const status = createConnectionStatus(() => ctx.clock.now());
  const setHealth = (state: ChannelHealthState, extra: HealthExtra = {}): void => status.set(state, extra);

  /** Serializes event handling for one socket; a failing handler is logged, never thrown. */
  const enqueue = (what: string, fn: () => Promise<void>): void => {
    queue = queue.then(fn).catch((err: unknown) => {
      log.error({ err: errInfo(err), event: what }, 'whatsapp: event handling failed');
    });
  };

  const clearTimer = (t: NodeJS.Timeout | undefined): undefined => {
    if (t) clearTimeout(t);
    return undefined;
  };

  /** Connected, but are messages being lost to decryption failures? Recomputed as time passes. */
  const refreshDecryptionHealth = (): void => {
    const decision = decideDecryptionHealth(pending.unresolvedSince(), ctx.clock.now());
    const change = decryptionTransition(status.health(), decision, me.id ? normalizeJid(me.id) : undefined);
    if (!change) return;
    if (change.state === 'undecryptable') {
      log.error({ count: decision.count }, 'whatsapp: messages keep failing to decrypt; pairing again gives this device new keys');
    }
    setHealth(change.state, change.extra);
  };

  const lease = createNumberLease({ leases: ctx.leases, channelId: ctx.channelId, ttlMs: config.leaseTtlMs, onLost: () => loseLease() });
  /** The context for everything the session writes: fenced by the number's lease epoch. */
  const fctx = lease.fenced(ctx);

  const lidMap = createLidMap(fctx);
  const pending = createPendingStubs({
    ctx: fctx,
    timeoutMs: config.pendingStubTimeoutMs,
    enqueue,
    onUnresolvedChange: () => refreshDecryptionHealth(),
  });
  const inbound = createInboundHandler({
    ctx: fctx,
    ignoreGroups: config.ignoreGroups,
    mediaMaxBytes: config.mediaMaxBytes,
    locale,
    lidMap,
    pending,
    meJid: () => me.id,
    isRunning: () => running,
    onActivity: () => status.markActivity(),
  });

  /**
   * WhatsApp gets a message's receipt only when this resolves, i.e. after the ingest transaction
   * committed (or the message was deliberately ignored). Before this, Baileys acknowledged first
   * and a crash in between lost the message for good (issue 12). On failure the socket is
   * restarted: the unacknowledged message is delivered again after the reconnect.
   */
  const storeBeforeReceipt = (port: WaSocketPort, msg: WaMessage, type: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue = queue.then(async () => {
        try {
          await inbound.message(port, msg, type, undefined);
          resolve();
        } catch (err) {
          log.error(
            { err: errInfo(err), externalId: msg.key?.id },
            'whatsapp: could not store a message; no receipt sent, reconnecting so WhatsApp delivers it again',
          );
          reject(err instanceof Error ? err : new Error(String(err)));
          restartForRedelivery(port);
        }
      });
    });

  const restartForRedelivery = (port: WaSocketPort): void => {
    if (port !== socket || !running) return;
    dropSocket();
    failures += 1;
    const delayMs = backoffDelay(failures - 1, backoff);
    setHealth('backing_off', {
      lastError: 'could not store an incoming message; reconnecting so WhatsApp delivers it again',
      detail: { nextAttemptAt: new Date(ctx.clock.now() + delayMs).toISOString(), attempt: failures },
    });
    scheduleReconnect(delayMs);
  };

  // ---------------------------------------------------------------------------------------------
  // Connection lifecycle

  const scheduleReconnect = (delayMs: number): void => {
    reconnectTimer = clearTimer(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (running) void connect();
    }, delayMs);
    reconnectTimer.unref?.();
  };

  const dropSocket = (): void => {
    const old = socket;
    socket = undefined;
    isOpen = false;
    if (old) {
      try {
        old.end();
      } catch (err) {
        log.debug({ err: errInfo(err) }, 'whatsapp: error while closing the socket');
      }
    }
  };

  const onConnectionUpdate = async (port: WaSocketPort, update: WaConnectionUpdate): Promise<void> => {
    if (port !== socket) return;
    if (update.qr) {
      status.setPairing({ state: 'needs_pairing', qr: update.qr, pairingCode: status.pairing()?.pairingCode, updatedAt: ctx.clock.now() });
      setHealth('needs_pairing');
      if (config.phoneNumber && !status.pairing()?.pairingCode && auth && !auth.paired) {
        try {
          const code = await port.requestPairingCode(digits(config.phoneNumber));
          if (port === socket)
            status.setPairing({ state: 'needs_pairing', ...status.pairing(), pairingCode: code, updatedAt: ctx.clock.now() });
        } catch (err) {
          log.warn({ err: errInfo(err) }, 'whatsapp: could not get a pairing code; the QR still works');
        }
      }
    }
    if (update.isNewLogin) log.info('whatsapp: paired; WhatsApp will ask for a restart (515)');
    if (update.linkingNotice) {
      linkingStarted = true;
      log.info({ notice: update.linkingNotice }, 'whatsapp: the phone started linking this device');
    }
    if (update.connection === 'connecting' && status.health().state !== 'needs_pairing') setHealth('connecting');
    if (update.connection === 'open') {
      isOpen = true;
      failures = 0;
      status.setPairing({ state: 'connected', updatedAt: ctx.clock.now() });
      const creds = auth?.creds as { me?: { id?: string; lid?: string } } | undefined;
      if (creds?.me?.id) {
        me = { id: creds.me.id, ...(creds.me.lid ? { lid: creds.me.lid } : {}) };
        await fctx.state.set(ME_KEY, me);
      }
      linkingStarted = false;
      setHealth('connected', { lastError: undefined, detail: me.id ? { account: normalizeJid(me.id) } : undefined });
      refreshDecryptionHealth();
      log.info({ account: me.id ? normalizeJid(me.id) : undefined }, 'whatsapp: connected');
    }
    if (update.connection === 'close') {
      isOpen = false;
      socket = undefined;
      const error = update.lastDisconnect?.error as { message?: string } | undefined;
      const statusCode = closeStatusCode(error);
      const decision = decideOnClose({ statusCode, message: error?.message, consecutiveFailures: failures, linkingStarted }, backoff);
      const logLine = { statusCode, reason: decision.reason, action: decision.action, delayMs: decision.delayMs };
      if (decision.alert) log.error(logLine, `whatsapp: ${decision.reason}`);
      else log.info(logLine, 'whatsapp: connection closed');
      if (!running) return;
      if (decision.action === 'reconnect' && statusCode === 440) {
        // Replaced by another client: make sure this process still owns the number before retrying.
        // Lost (or held by someone in between, epoch moved): `renew` has stepped back already.
        if (!(await lease.renew())) return;
      }
      if (decision.action === 'reconnect') {
        failures = statusCode === 515 ? 0 : failures + 1;
        const nextAttemptAt = ctx.clock.now() + decision.delayMs;
        setHealth(decision.health, {
          lastError: decision.reason,
          detail: { nextAttemptAt: new Date(nextAttemptAt).toISOString(), attempt: failures, statusCode },
        });
        scheduleReconnect(decision.delayMs);
        return;
      }
      if (decision.action === 'wipe_credentials') {
        await credsQueue;
        const removed = await wipeAuthState(fctx.state);
        auth = undefined;
        log.error({ removed }, 'whatsapp: logged out; credentials wiped, pair again with `ponte whatsapp pair`');
        await halt('needs_pairing', decision.reason);
        return;
      }
      await halt(decision.health, decision.reason);
    }
  };

  /** Stop connecting (policy said so) but keep the source object usable: `start()` tries again. */
  const halt = async (state: ChannelHealthState, reason: string): Promise<void> => {
    running = false;
    reconnectTimer = clearTimer(reconnectTimer);
    dropSocket();
    await lease.release();
    status.setPairing(undefined);
    linkingStarted = false;
    setHealth(state, { lastError: reason });
  };

  const connect = async (): Promise<void> => {
    if (!running) return;
    dropSocket();
    try {
      // Within one process the loaded state is reused (its key cache too); pending credential
      // writes land first, so a 515 right after pairing never reconnects with stale creds.
      await credsQueue;
      auth = auth ?? (await loadDbAuthState(fctx.state, deps.authToolkit, log));
      if (!running) return;
      const current = deps.makeSocket({
        auth: { creds: auth.creds, keys: auth.keys },
        logger: log,
        browserName: config.browserName,
        getMessage: async (key) => {
          const stored = key.id ? await ctx.findOutbound(key.id) : undefined;
          return stored ? { conversation: stored.text } : undefined;
        },
        shouldIgnoreJid: (jid) => {
          const kind = jidKind(jid);
          return kind === 'status' || kind === 'newsletter' || kind === 'broadcast' || (config.ignoreGroups && kind === 'group');
        },
        beforeReceipt: (msg, type) => storeBeforeReceipt(current, msg, type),
        websocketUrl: config.websocketUrl,
        connectTimeoutMs: config.connectTimeoutMs,
      });
      socket = current;
      if (status.health().state !== 'needs_pairing') setHealth('connecting');
      const credsAuth = auth;
      current.on('creds.update', (update) => {
        Object.assign(credsAuth.creds, update ?? {});
        credsQueue = credsQueue
          .then(() => credsAuth.saveCreds())
          .catch((err: unknown) => {
            // A refused write (lease lost) has already dropped the socket; its creds are not ours to keep.
            if (isLeaseLost(err)) log.warn('whatsapp: credentials not saved: another gateway process holds this number');
            else log.error({ err: errInfo(err) }, 'whatsapp: could not save credentials');
          });
      });
      current.on('connection.update', (u) => enqueue('connection.update', () => onConnectionUpdate(current, u)));
      current.on('messages.upsert', (u) => {
        for (const m of u.messages ?? []) enqueue('messages.upsert', () => inbound.message(current, m, u.type, u.requestId));
      });
      current.on('messages.update', (items) => enqueue('messages.update', () => inbound.updates(items)));
      current.on('messages.reaction', (items) => enqueue('messages.reaction', () => inbound.reactions(items)));
      current.on('message-receipt.update', (items) => enqueue('message-receipt.update', () => inbound.receipts(items)));
      current.on('lid-mapping.update', (m) => enqueue('lid-mapping.update', () => lidMap.remember(m.lid, m.pn)));
      current.on('messaging-history.set', (h) => enqueue('messaging-history.set', () => inbound.history(h)));
    } catch (err) {
      failures += 1;
      const decision = decideOnClose({ statusCode: undefined, message: errInfo(err).message, consecutiveFailures: failures - 1 }, backoff);
      setHealth('backing_off', {
        lastError: decision.reason,
        detail: { nextAttemptAt: new Date(ctx.clock.now() + decision.delayMs).toISOString(), attempt: failures },
      });
      log.warn({ err: errInfo(err), delayMs: decision.delayMs }, 'whatsapp: could not create the socket');
      scheduleReconnect(decision.delayMs);
    }
  };

  const loseLease = async (): Promise<void> => {
    // Another process took the number (our lease expired while we were stalled): step back.
    // What this process holds in memory (keys, pending stubs) may be stale now: reloaded on return.
    log.error({ epoch: lease.epoch() }, 'whatsapp: lost the lease for this number; disconnecting');
    dropSocket();
    auth = undefined;
    pending.cancelTimers();
    lease.stopRenewing();
    setHealth('backing_off', {
      lastError: 'another gateway process holds this number',
      detail: { nextAttemptAt: new Date(ctx.clock.now() + config.leaseTtlMs).toISOString() },
    });
    scheduleLeaseRetry();
  };

  const scheduleLeaseRetry = (): void => {
    reconnectTimer = clearTimer(reconnectTimer);
    reconnectTimer = setTimeout(() => void begin(), config.leaseTtlMs);
    reconnectTimer.unref?.();
  };

  const begin = async (): Promise<void> => {
    if (!running) return;
    const held = await lease.acquire();
    if (!held) {
      setHealth('backing_off', {
        lastError: 'another gateway process holds this number',
        detail: { nextAttemptAt: new Date(ctx.clock.now() + config.leaseTtlMs).toISOString() },
      });
      scheduleLeaseRetry();
      return;
    }
    log.info({ epoch: lease.epoch() }, 'whatsapp: this process holds the number');
    lease.keepRenewing(() => running);
    // Loaded under the lease: the previous holder may have changed them.
    await lidMap.load();
    await pending.resume();
    await connect();
  };

  const source: InboundSource = {
    async start() {
      if (running) return;
      running = true;
      failures = 0;
      auth = undefined;
      status.setPairing(undefined);
      setHealth('connecting', { lastError: undefined });
      me = (await ctx.state.get<typeof me>(ME_KEY)) ?? {};
      linkingStarted = false;
      await begin();
    },
    async stop() {
      running = false;
      reconnectTimer = clearTimer(reconnectTimer);
      lease.stopRenewing();
      pending.cancelTimers();
      dropSocket();
      await queue;
      await credsQueue;
      await lease.release();
      setHealth('stopped');
    },
    health: () => {
      refreshDecryptionHealth();
      return status.snapshot();
    },
  };

  return {
    source,
    pairing: status.pairing,
    connected: () => (socket && isOpen ? socket : undefined),
    idle: async () => {
      let last: Promise<void> | undefined;
      while (last !== queue) {
        last = queue;
        await queue;
      }
      await credsQueue;
    },
  };
}
