/**
 * A WaSocketPort that records what the adapter asks for and emits what a test tells it to
 * (the fixtures' payloads). Implements the same interface as the real Baileys socket.
 */
import { Readable } from 'node:stream';
import {
  MediaExpiredError,
  WaSocketError,
  type MakeSocket,
  type WaAuthToolkit,
  type WaEventMap,
  type WaEventName,
  type WaMessage,
  type WaOutgoingContent,
  type WaSocketOptions,
  type WaSocketPort,
} from '../../channels/whatsapp/socket-port.js';

export const ME = { id: '5511912345678:12@s.whatsapp.net', lid: '142857000111222:12@lid', name: 'Loja Aurora' };

export interface SentRecord {
  jid: string;
  content: WaOutgoingContent;
  messageId: string;
}

export class FakeWaSocket implements WaSocketPort {
  readonly listeners = new Map<string, Array<(p: unknown) => void>>();
  readonly sent: SentRecord[] = [];
  readonly onWhatsAppCalls: string[] = [];
  readonly reuploads: string[] = [];
  readonly pairingCodeRequests: string[] = [];
  ended = false;
  /** onWhatsApp answers by digits. */
  whatsappAccounts = new Map<string, { jid: string; exists: boolean }>();
  /** Message ids whose media link is expired until a re-upload is requested. */
  expiredMedia = new Set<string>();
  /** Message ids whose download fails for good. */
  brokenMedia = new Set<string>();
  sendFailure: Error | undefined;
  /**
   * What went back to WhatsApp for received messages, in order, as the patched Baileys sends it:
   * `receipt:<id>` once the app's beforeReceipt resolved, `retry:<id>` (retry request + nack) for
   * a message that failed to decrypt, `none:<id>` when the app failed (nothing is sent).
   */
  readonly transport: string[] = [];
  /** Runs just before an entry goes back to WhatsApp (tests look at the database at that moment). */
  beforeTransport: ((entry: string) => Promise<void>) | undefined;

  constructor(readonly options: WaSocketOptions) {}

  on<E extends WaEventName>(event: E, listener: (payload: WaEventMap[E]) => void): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as (p: unknown) => void);
    this.listeners.set(event, list);
  }

  emit(event: string, payload: unknown): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  /** Pretend the paired account logged in and the connection opened. */
  open(me = ME): void {
    this.emit('creds.update', { me });
    this.emit('connection.update', { connection: 'open' });
  }

  /**
   * A message node arriving from WhatsApp, as patched Baileys handles it (messages-recv.js
   * handleMessage): a decryption failure is answered with a retry request at once; any other
   * message is handed to beforeReceipt and its receipt is sent only after that resolved.
   */
  async receive(upsert: { type: string; messages: WaMessage[] }): Promise<void> {
    for (const msg of upsert.messages) {
      const id = String(msg.key?.id);
      const stub = Number(msg.messageStubType) === 2 && !msg.message;
      const absent = stub && msg.messageStubParameters?.[0] === 'Message absent from node';
      if (stub && !absent) await this.send(`retry:${id}`);
      try {
        await this.options.beforeReceipt(msg, upsert.type === 'append' ? 'append' : 'notify');
      } catch {
        this.transport.push(`none:${id}`);
        continue;
      }
      if (!stub || absent) await this.send(`receipt:${id}`);
    }
  }

  private async send(entry: string): Promise<void> {
    await this.beforeTransport?.(entry);
    this.transport.push(entry);
  }

  async sendMessage(jid: string, content: WaOutgoingContent, options: { messageId: string }) {
    if (this.sendFailure) throw this.sendFailure;
    this.sent.push({ jid, content, messageId: options.messageId });
    return { id: options.messageId, remoteJid: jid };
  }

  async onWhatsApp(phoneDigits: string) {
    this.onWhatsAppCalls.push(phoneDigits);
    return this.whatsappAccounts.get(phoneDigits) ?? { jid: `${phoneDigits}@s.whatsapp.net`, exists: false };
  }

  async requestPairingCode(phoneDigits: string) {
    this.pairingCodeRequests.push(phoneDigits);
    return 'ABCD1234';
  }

  async updateMediaMessage(message: WaMessage) {
    const id = String(message.key.id);
    this.reuploads.push(id);
    this.expiredMedia.delete(id);
    return message;
  }

  async downloadMedia(message: WaMessage) {
    const id = String(message.key.id);
    if (this.brokenMedia.has(id)) throw new WaSocketError('download failed', 500);
    if (this.expiredMedia.has(id)) throw new MediaExpiredError(410);
    const content = findMedia(message.message ?? {});
    const size = Number(content?.fileLength ?? 1024);
    return Readable.from([Buffer.alloc(size, id.charCodeAt(0))]);
  }

  async logout() {
    this.ended = true;
  }

  end() {
    this.ended = true;
  }
}

function findMedia(message: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const [k, v] of Object.entries(message)) {
    if (!v || typeof v !== 'object') continue;
    if (/^(image|video|audio|document|sticker|ptv)Message$/.test(k)) return v as Record<string, unknown>;
    const inner = (v as { message?: Record<string, unknown> }).message;
    if (inner) {
      const found = findMedia(inner);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Whether a recorded `messages.upsert` came from the network (a message node: patched Baileys
 * hands it to beforeReceipt) or from Baileys itself (the echo of our own send, status PENDING; a
 * placeholder re-sent by the phone, with a requestId), which stays a plain event.
 */
export function fromNetwork(upsert: { requestId?: unknown; messages?: Array<{ status?: unknown }> }): boolean {
  return !upsert.requestId && !(upsert.messages ?? []).some((m) => m.status === 'PENDING');
}

/** Plays one recorded event into a fake socket the way the patched Baileys socket would. */
export async function deliver(sock: FakeWaSocket, event: string, payload: unknown): Promise<void> {
  const upsert = payload as { type: string; messages: WaMessage[]; requestId?: string };
  if (event === 'messages.upsert' && fromNetwork(upsert)) await sock.receive(upsert);
  else sock.emit(event, payload);
}

export function createFakeSocketFactory(setup?: (s: FakeWaSocket) => void): {
  makeSocket: MakeSocket;
  sockets: FakeWaSocket[];
  latest(): FakeWaSocket;
} {
  const sockets: FakeWaSocket[] = [];
  return {
    sockets,
    makeSocket: (options) => {
      const s = new FakeWaSocket(options);
      setup?.(s);
      sockets.push(s);
      return s;
    },
    latest: () => {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error('no socket was created');
      return s;
    },
  };
}

/** Credentials without Baileys: enough for the adapter, which treats them as opaque. */
export const fakeAuthToolkit: WaAuthToolkit = {
  initCreds: () => ({
    registered: false,
    noiseKey: { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) },
    advSecretKey: 'c2VjcmV0',
  }),
  cacheKeys: (store) => store,
  reviveKey: (_type, value) => value,
};
