/**
 * One Baileys socket per configured number. Orchestration only: decisions live in
 * disconnect-policy.ts (what to do on close) and normalize.ts (what an event means).
 *
 * - A database lease (`whatsapp:<channelId>`) keeps a second gateway process from connecting the
 *   same number: two clients on one session kick each other out (440) forever.
 * - Events of one socket are handled one at a time, in order (a decryption stub must be seen
 *   before the real message that replaces it).
 * - Health: needs_pairing, connecting, connected, backing_off (with next attempt), logged_out,
 *   passkey_required (pairing-time gate), undecryptable (connected, but messages keep failing to
 *   decrypt: decryption-health.ts), stopped.
 */
import type {
  ChannelContext,
  ChannelHealth,
  ChannelHealthState,
  InboundSource,
  PairingInfo,
} from '../../src/channel/contract.js';
import type { InboundMessageInput, IngestOutcome } from '../../src/domain/envelope.js';
import { loadDbAuthState, serialize, wipeAuthState, type DbAuthState } from './auth-state.js';
import { backoffDelay, closeStatusCode, decideOnClose, DEFAULT_BACKOFF, type BackoffOptions } from './disconnect-policy.js';
import { decideDecryptionHealth } from './decryption-health.js';
import { downloadToBlob } from './media-download.js';
import {
  normalizeMessageUpdate,
  normalizeReaction,
  normalizeReceipt,
  normalizeUpsertMessage,
  placeholderText,
  type Locale,
  type UpdateDecision,
  type UpsertDecision,
} from './normalize.js';
import { digits, jidKind, normalizeJid, toE164 } from '../whatsapp-shared/phone.js';
import type { MakeSocket, WaAuthToolkit, WaConnectionUpdate, WaMessage, WaSocketPort } from './socket-port.js';
import type { WhatsappConfig } from './whatsapp-config.js';

const PENDING_PREFIX = 'pending:';
const LID_PREFIX = 'lid:';
const ME_KEY = 'me';
const PENDING_KEEP_MS = 7 * 24 * 3600_000;
const INGEST_RETRY_DELAYS_MS = [500, 2_000, 5_000];

interface PendingStub {
  since: number;
  placeholder: InboundMessageInput;
  placeholderIngested?: boolean;
}

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
  const leaseName = `whatsapp:${ctx.channelId}`;
  const locale: Locale = (config.locale as Locale | undefined) ?? 'pt-BR';
  const backoff: BackoffOptions = {
    ...DEFAULT_BACKOFF,
    baseMs: config.reconnectBaseMs,
    maxMs: config.reconnectMaxMs,
    replacedMinMs: Math.min(DEFAULT_BACKOFF.replacedMinMs, config.reconnectMaxMs),
    random: deps.random ?? Math.random,
  };

  let running = false;
  let health: ChannelHealth = { state: 'stopped' };
  let pairing: PairingInfo | undefined;
  let socket: WaSocketPort | undefined;
  let isOpen = false;
  let auth: DbAuthState | undefined;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  const pendingTimers = new Map<string, NodeJS.Timeout>();
  const lidToPn = new Map<string, string>();
  const appliedUpdates = new Set<string>();
  /** Ids ingested by this process: a replayed stub for one of them is stale, not pending. */
  const recentIngested = new Set<string>();
  const remember = (set: Set<string>, value: string): void => {
    set.add(value);
    if (set.size > 5000) set.delete(set.values().next().value!);
  };
  let me: { id?: string; lid?: string } = {};
  /** While pairing: the phone started linking (a linking notice arrived); see disconnect-policy.ts. */
  let linkingStarted = false;
  /** Shown placeholders whose real message never came: id -> when the stub arrived. */
  const unresolved = new Map<string, number>();
  let queue: Promise<void> = Promise.resolve();
  let credsQueue: Promise<void> = Promise.resolve();

  const setHealth = (state: ChannelHealthState, extra: Partial<ChannelHealth> = {}): void => {
    health = {
      state,
      lastActivityAt: health.lastActivityAt,
      lastError: 'lastError' in extra ? extra.lastError : health.lastError,
      detail: extra.detail,
    };
    // A QR/pairing code stays visible while we still wait for the scan.
    if (!(state === 'needs_pairing' && pairing?.state === 'needs_pairing')) pairing = { state, updatedAt: ctx.clock.now() };
  };

  /** Connected, but are messages being lost to decryption failures? Recomputed as time passes. */
  const refreshDecryptionHealth = (): void => {
    if (health.state !== 'connected' && health.state !== 'undecryptable') return;
    const d = decideDecryptionHealth([...unresolved.values()], ctx.clock.now());
    const detail = {
      ...(me.id ? { account: normalizeJid(me.id) } : {}),
      ...(d.undecryptable ? { undecryptable: d.count, undecryptableSince: new Date(d.since!).toISOString() } : {}),
    };
    if (d.undecryptable) {
      if (health.state !== 'undecryptable' || health.detail?.undecryptable !== d.count) {
        log.error({ count: d.count }, 'whatsapp: messages keep failing to decrypt; pairing again gives this device new keys');
        setHealth('undecryptable', { lastError: d.explanation, detail });
      }
    } else if (health.state === 'undecryptable') {
      setHealth('connected', { lastError: undefined, detail: Object.keys(detail).length ? detail : undefined });
    }
  };

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

  // ---------------------------------------------------------------------------------------------
  // LID <-> phone table

  const rememberMapping = async (lid: string | undefined, pn: string | undefined): Promise<void> => {
    if (!lid || !pn) return;
    const l = normalizeJid(lid);
    const p = normalizeJid(pn);
    if (jidKind(l) !== 'lid' || jidKind(p) !== 'user' || lidToPn.get(l) === p) return;
    lidToPn.set(l, p);
    await ctx.state.set(LID_PREFIX + l, p);
    // The same person may already be two contacts (one met by LID, one by phone): join them.
    const e164 = toE164(p);
    await ctx.linkIdentities([
      { kind: 'whatsapp', address: p },
      { kind: 'whatsapp_lid', address: l },
      ...(e164 ? [{ kind: 'phone' as const, address: e164 }] : []),
    ]);
  };

  const loadMappings = async (): Promise<void> => {
    const keys = await ctx.state.keys(LID_PREFIX);
    const rows = await ctx.state.getMany<string>(keys);
    for (const [k, v] of rows) if (typeof v === 'string') lidToPn.set(k.slice(LID_PREFIX.length), v);
  };

  // ---------------------------------------------------------------------------------------------
  // Updates (edits, revokes, reactions, receipts)

  const applyUpdate = async (decision: UpdateDecision | UpsertDecision): Promise<void> => {
    if (decision.action === 'delivery') {
      await ctx.updateDelivery(decision.update);
      return;
    }
    if (decision.action !== 'update') return;
    // Baileys reports the same edit/revoke/reaction both as an upsert and as an update event.
    if (appliedUpdates.has(decision.dedupeKey)) return;
    const known = await ctx.updateMessage(decision.update);
    remember(appliedUpdates, decision.dedupeKey);
    if (!known) log.debug({ externalId: decision.update.externalId }, 'whatsapp: update for an unknown message');
  };

  // ---------------------------------------------------------------------------------------------
  // Stubs waiting for the real message

  const ingestPlaceholder = async (id: string): Promise<void> => {
    pendingTimers.delete(id);
    const pending = await ctx.state.get<PendingStub>(PENDING_PREFIX + id);
    if (!pending || pending.placeholderIngested) return;
    const outcome = await ctx.ingest({ message: pending.placeholder });
    if (outcome.status === 'duplicate') {
      // The real message got in first (or the placeholder already did): nothing left to wait for.
      await ctx.state.delete(PENDING_PREFIX + id);
      return;
    }
    await ctx.state.set(PENDING_PREFIX + id, { ...pending, placeholderIngested: true });
    unresolved.set(id, pending.since);
    refreshDecryptionHealth();
    log.warn({ externalId: id, outcome: outcome.status }, 'whatsapp: message still undecrypted; placeholder shown');
  };

  const schedulePlaceholder = (id: string, since: number): void => {
    if (pendingTimers.has(id)) return;
    const delay = Math.max(0, since + config.pendingStubTimeoutMs - ctx.clock.now());
    const timer = setTimeout(() => enqueue('pending-stub', () => ingestPlaceholder(id)), delay);
    timer.unref?.();
    pendingTimers.set(id, timer);
  };

  const resumePending = async (): Promise<void> => {
    const keys = await ctx.state.keys(PENDING_PREFIX);
    const rows = await ctx.state.getMany<PendingStub>(keys);
    for (const [k, v] of rows) {
      if (!v) continue;
      if (!v.placeholderIngested) schedulePlaceholder(k.slice(PENDING_PREFIX.length), v.since);
      // A shown placeholder waits for its re-send a week at most; WhatsApp does not retry longer.
      else if (ctx.clock.now() - v.since > PENDING_KEEP_MS) await ctx.state.delete(k);
      else unresolved.set(k.slice(PENDING_PREFIX.length), v.since);
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Inbound messages

  const handleMessage = async (port: WaSocketPort, msg: WaMessage, type: string, requestId: string | undefined): Promise<void> => {
    const id = msg.key?.id ?? undefined;
    const knownOutbound = msg.key?.fromMe === true && id ? Boolean(await ctx.findOutbound(id)) : false;
    const decision = normalizeUpsertMessage(msg, {
      ignoreGroups: config.ignoreGroups,
      locale,
      upsertType: type,
      requestId,
      lidToPn: (lid) => lidToPn.get(lid),
      knownOutbound,
      meJid: me.id,
    });
    switch (decision.action) {
      case 'ignore':
        log.debug({ externalId: id, reason: decision.reason }, 'whatsapp: ignored');
        return;
      case 'update':
        await applyUpdate(decision);
        return;
      case 'await_retry': {
        if (recentIngested.has(decision.externalId)) return;
        const key = PENDING_PREFIX + decision.externalId;
        if (!(await ctx.state.get(key))) {
          const record: PendingStub = { since: ctx.clock.now(), placeholder: decision.placeholder };
          await ctx.state.set(key, record);
        }
        const stored = await ctx.state.get<PendingStub>(key);
        if (stored && !stored.placeholderIngested) schedulePlaceholder(decision.externalId, stored.since);
        log.info({ externalId: decision.externalId, reason: decision.reason }, 'whatsapp: waiting for the re-sent message');
        return;
      }
      case 'ingest': {
        const message = decision.message;
        const learned = (message.metadata as { learnedMapping?: { lid: string; pn: string } } | undefined)?.learnedMapping;
        if (learned) await rememberMapping(learned.lid, learned.pn);
        if (decision.media) {
          const result = await downloadToBlob(port, msg, decision.media, ctx.blobs, config.mediaMaxBytes, locale);
          if (result.attachment) message.attachments = [result.attachment];
          if (result.note) message.text = [message.text, result.note].filter(Boolean).join('\n');
          if (result.errorCode) message.metadata = { ...message.metadata, mediaError: result.errorCode };
          if (decision.media.durationSec) message.metadata = { ...message.metadata, durationSec: decision.media.durationSec };
        }
        const raw = await ctx.blobs.put(serialize(msg));
        const outcome = await ingestSafely(message, raw.key);
        health = { ...health, lastActivityAt: ctx.clock.now() };
        if (id) remember(recentIngested, id);
        if (id) await settlePending(id, message, outcome.status);
        log.debug({ externalId: id, outcome: outcome.status }, 'whatsapp: ingested');
        return;
      }
    }
  };

  /**
   * Baileys never delivers a message twice, so a failed ingest must not lose it: transient
   * failures are retried (bounded), and an envelope the core rejects is kept as a visible
   * placeholder with the parse error and the raw payload.
   */
  const ingestSafely = async (message: InboundMessageInput, rawKey: string): Promise<IngestOutcome> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ctx.ingest({ message, rawKey });
      } catch (err) {
        if ((err as { code?: unknown }).code === 'validation_failed') {
          log.error({ err: errInfo(err), externalId: message.externalId, rawKey }, 'whatsapp: message rejected by the core; kept as raw');
          return ctx.ingest({
            message: {
              externalId: message.externalId,
              from: message.from,
              text: placeholderText(locale, 'unsupported', { type: String((message.metadata as { type?: unknown } | undefined)?.type ?? 'unknown') }),
              parseError: errInfo(err).message.slice(0, 2000),
              metadata: { chatJid: (message.metadata as { chatJid?: unknown } | undefined)?.chatJid },
            },
            rawKey,
          });
        }
        if (attempt >= INGEST_RETRY_DELAYS_MS.length || !running) {
          log.error({ err: errInfo(err), externalId: message.externalId, rawKey }, 'whatsapp: could not store a message; its raw payload is kept under rawKey');
          throw err;
        }
        await new Promise((r) => setTimeout(r, INGEST_RETRY_DELAYS_MS[attempt]));
      }
    }
  };

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
          await handleMessage(port, msg, type, undefined);
          resolve();
        } catch (err) {
          log.error({ err: errInfo(err), externalId: msg.key?.id }, 'whatsapp: could not store a message; no receipt sent, reconnecting so WhatsApp delivers it again');
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

  /** The real message arrived after a stub: drop the pending record; replace a shown placeholder. */
  const settlePending = async (id: string, message: InboundMessageInput, status: string): Promise<void> => {
    const key = PENDING_PREFIX + id;
    const pending = await ctx.state.get<PendingStub>(key);
    if (!pending) return;
    clearTimer(pendingTimers.get(id));
    pendingTimers.delete(id);
    if (unresolved.delete(id)) refreshDecryptionHealth();
    if (pending.placeholderIngested && status === 'duplicate') {
      await ctx.updateMessage({ externalId: id, replace: { text: message.text ?? '', attachments: message.attachments ?? [], at: message.sentAt ?? ctx.clock.now() } });
    }
    await ctx.state.delete(key);
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
      pairing = { state: 'needs_pairing', qr: update.qr, pairingCode: pairing?.pairingCode, updatedAt: ctx.clock.now() };
      setHealth('needs_pairing');
      if (config.phoneNumber && !pairing.pairingCode && auth && !auth.paired) {
        try {
          const code = await port.requestPairingCode(digits(config.phoneNumber));
          if (port === socket) pairing = { ...pairing, pairingCode: code, updatedAt: ctx.clock.now() };
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
    if (update.connection === 'connecting' && health.state !== 'needs_pairing') setHealth('connecting');
    if (update.connection === 'open') {
      isOpen = true;
      failures = 0;
      pairing = { state: 'connected', updatedAt: ctx.clock.now() };
      const creds = auth?.creds as { me?: { id?: string; lid?: string } } | undefined;
      if (creds?.me?.id) {
        me = { id: creds.me.id, ...(creds.me.lid ? { lid: creds.me.lid } : {}) };
        await ctx.state.set(ME_KEY, me);
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
        const held = await ctx.leases.acquire(leaseName, config.leaseTtlMs).catch(() => false);
        if (!held) {
          await loseLease();
          return;
        }
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
        const removed = await wipeAuthState(ctx.state);
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
    if (leaseTimer) clearInterval(leaseTimer);
    leaseTimer = undefined;
    dropSocket();
    await ctx.leases.release(leaseName).catch(() => undefined);
    pairing = undefined;
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
      auth = auth ?? (await loadDbAuthState(ctx.state, deps.authToolkit, log));
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
      if (health.state !== 'needs_pairing') setHealth('connecting');
      const credsAuth = auth;
      current.on('creds.update', (update) => {
        Object.assign(credsAuth.creds, update ?? {});
        credsQueue = credsQueue.then(() => credsAuth.saveCreds()).catch((err: unknown) => {
          log.error({ err: errInfo(err) }, 'whatsapp: could not save credentials');
        });
      });
      current.on('connection.update', (u) => enqueue('connection.update', () => onConnectionUpdate(current, u)));
      current.on('messages.upsert', (u) => {
        for (const m of u.messages ?? []) enqueue('messages.upsert', () => handleMessage(current, m, u.type, u.requestId));
      });
      current.on('messages.update', (items) =>
        enqueue('messages.update', async () => {
          for (const item of items) for (const d of normalizeMessageUpdate(item, ctx.clock.now())) await applyUpdate(d);
        }),
      );
      current.on('messages.reaction', (items) =>
        enqueue('messages.reaction', async () => {
          for (const item of items) await applyUpdate(normalizeReaction(item, (l) => lidToPn.get(l), me.id, ctx.clock.now()));
        }),
      );
      current.on('message-receipt.update', (items) =>
        enqueue('message-receipt.update', async () => {
          for (const item of items) await applyUpdate(normalizeReceipt(item));
        }),
      );
      current.on('lid-mapping.update', (m) => enqueue('lid-mapping.update', () => rememberMapping(m.lid, m.pn)));
      current.on('messaging-history.set', (h) =>
        enqueue('messaging-history.set', async () => {
          // History is context, not new conversations: harvest identities only.
          for (const m of h.lidPnMappings ?? []) await rememberMapping(m.lid, m.pn);
          for (const c of h.contacts ?? []) {
            const lid = c.lid ?? (c.id && jidKind(c.id) === 'lid' ? c.id : undefined);
            const pn = c.phoneNumber ?? (c.id && jidKind(c.id) === 'user' ? c.id : undefined);
            await rememberMapping(lid, pn);
          }
        }),
      );
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
    log.error('whatsapp: lost the lease for this number; disconnecting');
    dropSocket();
    if (leaseTimer) clearInterval(leaseTimer);
    leaseTimer = undefined;
    setHealth('backing_off', {
      lastError: 'another gateway process holds this number',
      detail: { nextAttemptAt: new Date(ctx.clock.now() + config.leaseTtlMs).toISOString() },
    });
    scheduleLeaseRetry();
  };

  const renewLease = async (): Promise<void> => {
    if (!running) return;
    const held = await ctx.leases.acquire(leaseName, config.leaseTtlMs).catch(() => false);
    if (!held && running) await loseLease();
  };

  const scheduleLeaseRetry = (): void => {
    reconnectTimer = clearTimer(reconnectTimer);
    reconnectTimer = setTimeout(() => void begin(), config.leaseTtlMs);
    reconnectTimer.unref?.();
  };

  const begin = async (): Promise<void> => {
    if (!running) return;
    const held = await ctx.leases.acquire(leaseName, config.leaseTtlMs).catch(() => false);
    if (!held) {
      setHealth('backing_off', {
        lastError: 'another gateway process holds this number',
        detail: { nextAttemptAt: new Date(ctx.clock.now() + config.leaseTtlMs).toISOString() },
      });
      scheduleLeaseRetry();
      return;
    }
    if (leaseTimer) clearInterval(leaseTimer);
    leaseTimer = setInterval(() => void renewLease(), Math.max(500, Math.floor(config.leaseTtlMs / 3)));
    leaseTimer.unref?.();
    await connect();
  };

  const source: InboundSource = {
    async start() {
      if (running) return;
      running = true;
      failures = 0;
      auth = undefined;
      pairing = undefined;
      setHealth('connecting', { lastError: undefined });
      me = (await ctx.state.get<typeof me>(ME_KEY)) ?? {};
      unresolved.clear();
      linkingStarted = false;
      await loadMappings();
      await resumePending();
      await begin();
    },
    async stop() {
      running = false;
      reconnectTimer = clearTimer(reconnectTimer);
      if (leaseTimer) clearInterval(leaseTimer);
      leaseTimer = undefined;
      for (const t of pendingTimers.values()) clearTimeout(t);
      pendingTimers.clear();
      dropSocket();
      await queue;
      await credsQueue;
      await ctx.leases.release(leaseName).catch(() => undefined);
      setHealth('stopped');
    },
    health: () => {
      refreshDecryptionHealth();
      return { ...health, ...(health.detail ? { detail: { ...health.detail } } : {}) };
    },
  };

  return {
    source,
    pairing: () => pairing,
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

function errInfo(err: unknown): { message: string; code?: string } {
  const e = err as { message?: unknown; code?: unknown };
  return { message: typeof e?.message === 'string' ? e.message : String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}
