/**
 * Baileys' AuthenticationState kept in the channel's database key-value state (no local files):
 * `auth:creds` and one row per signal key (`auth:key:<type>:<id>`), values serialized the way
 * Baileys' BufferJSON does (bytes as `{type:'Buffer', data:<base64>}`), with Baileys' cacheable
 * key store on top so hot session keys are not re-read for every message. A restart loads the
 * same rows and resumes without pairing again; a 401 (device removed) wipes them.
 */
import type { Logger } from 'pino';
import type { ChannelState } from '../../src/channel/contract.js';
import type { WaAuthToolkit, WaKeyStore } from './socket-port.js';

const CREDS_KEY = 'auth:creds';
const KEY_PREFIX = 'auth:key:';

/** JSON.stringify replacer: bytes (Buffer, Uint8Array, Buffer#toJSON output) become base64. */
export function bufferReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { type: 'Buffer', data: Buffer.from(value).toString('base64') };
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
    const data = (value as { data?: unknown }).data;
    if (Array.isArray(data)) return { type: 'Buffer', data: Buffer.from(data as number[]).toString('base64') };
  }
  return value;
}

/** JSON.parse reviver, the inverse of bufferReplacer. */
export function bufferReviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { type?: unknown; data?: unknown };
    if (v.type === 'Buffer' && typeof v.data === 'string') return Buffer.from(v.data, 'base64');
  }
  return value;
}

export function serialize(value: unknown): string {
  return JSON.stringify(value, bufferReplacer);
}

export function deserialize<T = unknown>(text: string): T {
  return JSON.parse(text, bufferReviver) as T;
}

function keyName(type: string, id: string): string {
  return `${KEY_PREFIX}${type}:${id}`;
}

/** The raw key store over ChannelState (no cache). */
export function createDbKeyStore(state: ChannelState, toolkit: Pick<WaAuthToolkit, 'reviveKey'>): WaKeyStore {
  return {
    async get(type, ids) {
      const rows = await state.getMany<string>(ids.map((id) => keyName(type, id)));
      const out: Record<string, unknown> = {};
      for (const id of ids) {
        const text = rows.get(keyName(type, id));
        if (typeof text === 'string') out[id] = toolkit.reviveKey(type, deserialize(text));
      }
      return out;
    },
    async set(data) {
      const entries: Array<[string, unknown]> = [];
      for (const [type, byId] of Object.entries(data)) {
        for (const [id, value] of Object.entries(byId ?? {})) {
          entries.push([keyName(type, id), value == null ? null : serialize(value)]);
        }
      }
      if (entries.length > 0) await state.setMany(entries);
    },
    async clear() {
      await state.deletePrefix(KEY_PREFIX);
    },
  };
}

export interface DbAuthState {
  /** Mutated in place by Baileys on `creds.update`; `saveCreds` persists the current object. */
  creds: Record<string, unknown>;
  keys: WaKeyStore;
  /** True when the stored creds had completed pairing (`registered` or a `me` id). */
  readonly paired: boolean;
  saveCreds(): Promise<void>;
}

export async function loadDbAuthState(state: ChannelState, toolkit: WaAuthToolkit, logger: Logger): Promise<DbAuthState> {
  const stored = await state.get<string>(CREDS_KEY);
  const creds = (typeof stored === 'string' ? deserialize(stored) : toolkit.initCreds()) as Record<string, unknown>;
  const keys = toolkit.cacheKeys(createDbKeyStore(state, toolkit), logger);
  return {
    creds,
    keys,
    get paired() {
      return Boolean(creds.registered) || Boolean((creds.me as { id?: string } | undefined)?.id);
    },
    async saveCreds() {
      await state.set(CREDS_KEY, serialize(creds));
    },
  };
}

/** Whether paired credentials are stored (no Baileys needed). */
export async function hasStoredCreds(state: ChannelState): Promise<boolean> {
  return typeof (await state.get(CREDS_KEY)) === 'string';
}

/** Logged out (401): creds and every key go; the next start pairs again. */
export async function wipeAuthState(state: ChannelState): Promise<number> {
  return state.deletePrefix('auth:');
}
