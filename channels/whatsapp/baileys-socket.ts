/**
 * The only module that imports Baileys. It adapts a real `makeWASocket` to our WaSocketPort and
 * gives auth-state.ts the few Baileys helpers it needs (WaAuthToolkit). Everything else in the
 * channel depends on the port, so tests drive it with recorded payloads.
 */
import type { Readable } from 'node:stream';
import {
  Browsers,
  downloadMediaMessage,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  makeWASocket,
  proto,
  type AnyMessageContent,
  type AuthenticationCreds,
  type BaileysEventMap,
  type SignalKeyStore,
  type WAMessage,
} from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import {
  MediaExpiredError,
  WaSocketError,
  type WaAuthToolkit,
  type WaEventName,
  type WaKey,
  type WaKeyStore,
  type WaMessage,
  type WaSocketOptions,
  type WaSocketPort,
  type WaUpsert,
} from './socket-port.js';

export * from './socket-port.js';

const REUPLOAD_STATUSES = new Set([404, 410]);

const handOverKey = (m: WaMessage): string => `${m.key?.remoteJid ?? ''}|${m.key?.fromMe ? 1 : 0}|${m.key?.id ?? ''}`;

/** Compile-time guard: every event our port exposes is one this Baileys version emits. */
type PortEventsExist = WaEventName extends keyof BaileysEventMap ? true : never;
export const portEventsExist: PortEventsExist = true;

function quietLogger(logger: Logger): Logger {
  // Baileys logs every frame at debug/trace; keep only its warnings unless the parent is silent.
  return logger.child({ module: 'baileys' }, { level: logger.level === 'silent' ? 'silent' : 'warn' });
}

function socketError(err: unknown): WaSocketError {
  const e = err as { message?: string; output?: { statusCode?: number }; status?: number; data?: unknown };
  const status = e?.output?.statusCode ?? (typeof e?.status === 'number' ? e.status : undefined);
  // An error stanza from the server becomes a Boom whose `data` is the stanza's numeric code.
  const serverCode = typeof e?.data === 'number' && Number.isInteger(e.data) ? e.data : undefined;
  return new WaSocketError(e?.message ?? String(err), status, serverCode);
}

/** Wraps `makeWASocket`. Connecting starts at once (Baileys opens the WebSocket in the constructor). */
export function makeSocketPort(options: WaSocketOptions): WaSocketPort {
  const logger = quietLogger(options.logger);
  /** Messages handed over before their receipt; their later `messages.upsert` is not repeated. */
  const handedOver = new Set<string>();
  const sock = makeWASocket({
    auth: { creds: options.auth.creds as AuthenticationCreds, keys: options.auth.keys as unknown as SignalKeyStore },
    logger,
    browser: Browsers.ubuntu(options.browserName),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    emitOwnEvents: true,
    getMessage: async (key) => (await options.getMessage(key as unknown as WaKey)) as proto.IMessage | undefined,
    shouldIgnoreJid: (jid) => options.shouldIgnoreJid(jid),
    // Patched option (patches/@whiskeysockets+baileys+7.0.0-rc14.patch): the receipt waits for this.
    beforeMessageReceipt: async (msg, type) => {
      const key = handOverKey(msg as unknown as WaMessage);
      await options.beforeReceipt(msg as unknown as WaMessage, type);
      handedOver.add(key);
      // Its upsert follows at once; the bound only guards against one that never comes.
      if (handedOver.size > 5000) handedOver.delete(handedOver.values().next().value!);
    },
    ...(options.websocketUrl ? { waWebSocketUrl: options.websocketUrl } : {}),
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
  });

  return {
    on(event: WaEventName, listener: (payload: never) => void) {
      const on = sock.ev.on as (e: string, l: (p: unknown) => void) => void;
      if (event !== 'messages.upsert') {
        on(event, listener as (p: unknown) => void);
        return;
      }
      on(event, (payload) => {
        const upsert = payload as WaUpsert;
        const rest = (upsert.messages ?? []).filter((m) => !handedOver.delete(handOverKey(m)));
        if (rest.length > 0) (listener as (p: WaUpsert) => void)({ ...upsert, messages: rest });
      });
    },
    async sendMessage(jid, content, sendOptions) {
      try {
        const sent = await sock.sendMessage(jid, content as AnyMessageContent, { messageId: sendOptions.messageId });
        return { id: sent?.key?.id ?? sendOptions.messageId, remoteJid: sent?.key?.remoteJid ?? jid };
      } catch (err) {
        throw socketError(err);
      }
    },
    async onWhatsApp(phoneDigits) {
      try {
        const [first] = (await sock.onWhatsApp(phoneDigits)) ?? [];
        return first ? { jid: first.jid, exists: Boolean(first.exists) } : undefined;
      } catch (err) {
        throw socketError(err);
      }
    },
    async requestPairingCode(phoneDigits) {
      try {
        return await sock.requestPairingCode(phoneDigits);
      } catch (err) {
        throw socketError(err);
      }
    },
    async updateMediaMessage(message) {
      try {
        return (await sock.updateMediaMessage(message as unknown as WAMessage)) as unknown as WaMessage;
      } catch (err) {
        throw socketError(err);
      }
    },
    async downloadMedia(message) {
      try {
        return (await downloadMediaMessage(message as unknown as WAMessage, 'stream', {})) as Readable;
      } catch (err) {
        const status = (err as { status?: unknown })?.status;
        if (typeof status === 'number' && REUPLOAD_STATUSES.has(status)) throw new MediaExpiredError(status);
        throw socketError(err);
      }
    },
    async logout() {
      try {
        await sock.logout();
      } catch (err) {
        throw socketError(err);
      }
    },
    end() {
      void sock.end(undefined);
    },
  };
}

export const baileysAuthToolkit: WaAuthToolkit = {
  initCreds: () => initAuthCreds(),
  cacheKeys: (store: WaKeyStore, logger: Logger) =>
    makeCacheableSignalKeyStore(store as unknown as SignalKeyStore, quietLogger(logger)) as unknown as WaKeyStore,
  reviveKey: (type, value) =>
    type === 'app-state-sync-key' && value ? proto.Message.AppStateSyncKeyData.fromObject(value as object) : value,
};
