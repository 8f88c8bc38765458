import pino from 'pino';
import { createFakeContext } from '../../test/support/fake-context.js';
import { bufferReplacer, createDbKeyStore, deserialize, hasStoredCreds, loadDbAuthState, serialize, wipeAuthState } from './auth-state.js';
import type { WaAuthToolkit } from './socket-port.js';

const toolkit: WaAuthToolkit = {
  initCreds: () => ({ noiseKey: { public: new Uint8Array([1, 2]), private: Buffer.from([3, 4]) }, registered: false }),
  cacheKeys: (s) => s,
  reviveKey: (type, v) => (type === 'app-state-sync-key' ? { revived: v } : v),
};

describe('BufferJSON-style serialization', () => {
  test.each([
    ['Buffer', Buffer.from([0, 255, 7])],
    ['Uint8Array', new Uint8Array([0, 255, 7])],
  ])('%s round-trips as base64 inside JSON', (_name, bytes) => {
    const text = serialize({ k: bytes, n: 1, s: 'x' });
    expect(JSON.parse(text)).toEqual({ k: { type: 'Buffer', data: 'AP8H' }, n: 1, s: 'x' });
    const back = deserialize<{ k: Buffer }>(text);
    expect(Buffer.isBuffer(back.k)).toBe(true);
    expect([...back.k]).toEqual([0, 255, 7]);
  });

  test("Buffer#toJSON's number arrays (what JSON.stringify hands the replacer) become base64 too", () => {
    expect(bufferReplacer('', { type: 'Buffer', data: [1, 2, 3] })).toEqual({ type: 'Buffer', data: 'AQID' });
  });
});

describe('auth state over channel state', () => {
  test('fresh creds until saved; saved creds load back; keys set/get/delete; wipe removes all', async () => {
    const ctx = createFakeContext('wa');
    const log = pino({ level: 'silent' });
    expect(await hasStoredCreds(ctx.state)).toBe(false);
    const a = await loadDbAuthState(ctx.state, toolkit, log);
    expect(a.paired).toBe(false);
    a.creds.me = { id: '5511912345678:12@s.whatsapp.net' };
    await a.saveCreds();
    const b = await loadDbAuthState(ctx.state, toolkit, log);
    expect(b.paired).toBe(true);
    expect([...(b.creds.noiseKey as { public: Uint8Array }).public]).toEqual([1, 2]);

    const keys = createDbKeyStore(ctx.state, toolkit);
    await keys.set({
      session: { a: new Uint8Array([9]), b: new Uint8Array([8]) },
      'app-state-sync-key': { k1: { keyData: new Uint8Array([1]) } },
    });
    expect(Object.keys(await keys.get('session', ['a', 'b', 'c']))).toEqual(['a', 'b']);
    expect(await keys.get('app-state-sync-key', ['k1'])).toEqual({ k1: { revived: { keyData: Buffer.from([1]) } } });
    await keys.set({ session: { a: null } });
    expect(Object.keys(await keys.get('session', ['a', 'b']))).toEqual(['b']);

    expect(await wipeAuthState(ctx.state)).toBe(3);
    expect(await hasStoredCreds(ctx.state)).toBe(false);
    expect([...ctx.stateMap.keys()]).toEqual([]);
  });
});
