/**
 * The slice of a Baileys socket the WhatsApp channel depends on, in our own terms. Only
 * `baileys-socket.ts` implements it with the real library; tests implement it with a fake that
 * emits recorded payloads. Payload shapes follow Baileys 7.0.0-rc14, loosely typed: they may be
 * in-process (Uint8Array, Long) or JSON-serialized (base64 strings, decimal-string longs).
 */
import type { Readable } from 'node:stream';

export interface WaKey {
  remoteJid?: string | null;
  remoteJidAlt?: string | null;
  fromMe?: boolean | null;
  id?: string | null;
  participant?: string | null;
  participantAlt?: string | null;
  addressingMode?: string | null;
  isViewOnce?: boolean | null;
  [extra: string]: unknown;
}

/** A WebMessageInfo (`proto.IWebMessageInfo`) in either serialization. */
export interface WaMessage {
  key: WaKey;
  message?: Record<string, unknown> | null;
  messageTimestamp?: unknown;
  pushName?: string | null;
  broadcast?: boolean | null;
  messageStubType?: number | string | null;
  messageStubParameters?: unknown[] | null;
  status?: number | string | null;
  [extra: string]: unknown;
}

export interface WaDisconnectError {
  message?: string;
  output?: { statusCode?: number; payload?: unknown };
  data?: unknown;
}

export interface WaConnectionUpdate {
  connection?: 'open' | 'connecting' | 'close';
  lastDisconnect?: { error?: WaDisconnectError | Error | undefined; date?: unknown } | undefined;
  qr?: string | null;
  isNewLogin?: boolean;
  receivedPendingNotifications?: boolean;
  /** The phone started linking this device but pairing has not completed (our Baileys patch). */
  linkingNotice?: 'link_code_companion_reg' | 'companion_reg_refresh' | string;
}

export interface WaUpsert {
  type: 'notify' | 'append' | string;
  messages: WaMessage[];
  requestId?: string;
}

export interface WaMessageUpdate {
  key: WaKey;
  update: Partial<WaMessage> & { [extra: string]: unknown };
}

export interface WaReaction {
  key: WaKey;
  reaction: { key?: WaKey | null; text?: string | null; senderTimestampMs?: unknown };
}

export interface WaReceiptUpdate {
  key: WaKey;
  receipt: { userJid?: string; receiptTimestamp?: unknown; readTimestamp?: unknown; playedTimestamp?: unknown };
}

export interface WaLidMapping {
  lid: string;
  pn: string;
}

export interface WaHistorySet {
  chats?: unknown[];
  contacts?: Array<{ id?: string; lid?: string; phoneNumber?: string; notify?: string; name?: string }>;
  messages?: WaMessage[];
  lidPnMappings?: WaLidMapping[];
  syncType?: unknown;
  isLatest?: boolean;
}

export interface WaEventMap {
  'connection.update': WaConnectionUpdate;
  'creds.update': unknown;
  'messages.upsert': WaUpsert;
  'messages.update': WaMessageUpdate[];
  'messages.reaction': WaReaction[];
  'message-receipt.update': WaReceiptUpdate[];
  'lid-mapping.update': WaLidMapping;
  'messaging-history.set': WaHistorySet;
}

export type WaEventName = keyof WaEventMap;

/** What we send: a subset of Baileys' AnyMessageContent. */
export type WaOutgoingContent =
  | { text: string }
  | { image: Buffer; caption?: string; mimetype?: string }
  | { video: Buffer; caption?: string; mimetype?: string }
  | { audio: Buffer; mimetype: string; ptt?: boolean }
  | { document: Buffer; mimetype: string; fileName: string; caption?: string };

export interface WaSocketPort {
  on<E extends WaEventName>(event: E, listener: (payload: WaEventMap[E]) => void): void;
  /** `messageId` is ours (deterministic per outbox row) so a retry reuses it. */
  sendMessage(jid: string, content: WaOutgoingContent, options: { messageId: string }): Promise<{ id: string; remoteJid?: string }>;
  onWhatsApp(phoneDigits: string): Promise<{ jid: string; exists: boolean } | undefined>;
  requestPairingCode(phoneDigits: string): Promise<string>;
  /** Asks the sender's phone to re-upload expired media; returns the message with fresh paths. */
  updateMediaMessage(message: WaMessage): Promise<WaMessage>;
  /** Decrypted media bytes. Throws MediaExpiredError when the CDN link is gone (404/410). */
  downloadMedia(message: WaMessage): Promise<Readable>;
  logout(): Promise<void>;
  /** Closes the socket without logging out; emits a final `connection.update` close or nothing. */
  end(): void;
}

/** The CDN answered 404/410: the link expired and a re-upload request can revive it. */
export class MediaExpiredError extends Error {
  readonly code = 'media_expired' as const;
  constructor(readonly status: number) {
    super(`media link expired (HTTP ${status})`);
    this.name = 'MediaExpiredError';
  }
}

/**
 * A socket call failed; `statusCode` is Baileys' Boom status when there is one, `serverCode` the
 * code of an error stanza from WhatsApp's server (e.g. 429 rate-overlimit), when that was the cause.
 */
export class WaSocketError extends Error {
  readonly code = 'whatsapp_socket' as const;
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly serverCode?: number | undefined,
  ) {
    super(message);
    this.name = 'WaSocketError';
  }
}

/** Storage hooks the socket needs for its auth state (see auth-state.ts). */
export interface WaAuthState {
  creds: unknown;
  keys: WaKeyStore;
}

export interface WaKeyStore {
  get(type: string, ids: string[]): Promise<Record<string, unknown>>;
  set(data: Record<string, Record<string, unknown | null>>): Promise<void>;
  clear?(): Promise<void>;
}

export interface WaSocketOptions {
  auth: WaAuthState;
  logger: import('pino').Logger;
  /** [platform, browser, version] shown on the phone's linked-devices list. */
  browserName: string;
  /** Outbound messages for re-encryption on retry receipts. */
  getMessage(key: WaKey): Promise<Record<string, unknown> | undefined>;
  shouldIgnoreJid(jid: string): boolean;
  /**
   * Every message WhatsApp delivers to this device is handed here BEFORE WhatsApp gets its
   * receipt (our patch of Baileys, patches/README.md): resolve once it is stored. A rejection
   * sends no receipt, so the message stays undelivered on WhatsApp's side and comes again after a
   * reconnect. Messages handed over here are not emitted again as `messages.upsert` (that event
   * then carries only what did not come from the network: our own sends, re-sent placeholders).
   */
  beforeReceipt(message: WaMessage, upsertType: 'notify' | 'append'): Promise<void>;
  /** Override the WebSocket URL (tests point it at a closed loopback port). */
  websocketUrl?: string | undefined;
  connectTimeoutMs?: number | undefined;
}

export type MakeSocket = (options: WaSocketOptions) => WaSocketPort;

/**
 * What auth-state.ts needs from Baileys without importing it: fresh credentials, the
 * cache wrapper and the reviver for protobuf-typed keys.
 */
export interface WaAuthToolkit {
  initCreds(): unknown;
  cacheKeys(store: WaKeyStore, logger: import('pino').Logger): WaKeyStore;
  /** Turns a stored key value back into what Baileys expects (app-state-sync-key is a protobuf). */
  reviveKey(type: string, value: unknown): unknown;
}
