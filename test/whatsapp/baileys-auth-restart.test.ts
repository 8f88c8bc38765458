/**
 * The Baileys auth state lives in the database: written by one runtime, loaded by the next
 * (a restart) without pairing again, with Baileys' own credential and key types. A 401 wipes it.
 */
import { baileysAuthToolkit } from '../../channels/whatsapp/baileys-socket.js';
import { loadDbAuthState } from '../../channels/whatsapp/auth-state.js';
import { createWhatsappChannelDefinition } from '../../channels/whatsapp/index.js';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { startTestApp } from '../support/app.js';
import { createFakeSocketFactory, ME } from './fake-socket.js';
import { waitFor } from './harness.js';

const silent = pino({ level: 'silent' });

describe('Baileys auth state in the database', () => {
  test('creds and signal keys survive a restart of the app; the same credentials are loaded', async () => {
    const factory = createFakeSocketFactory();
    // Real Baileys credentials and key store (initAuthCreds, makeCacheableSignalKeyStore); fake transport.
    const definition = createWhatsappChannelDefinition({ makeSocket: factory.makeSocket, authToolkit: baileysAuthToolkit });
    const channels = [{ id: 'wa', kind: 'whatsapp' }];
    const t1 = await startTestApp({ definitions: [definition], channels });
    await waitFor(() => factory.sockets.length === 1, 2000, 'first socket');
    const first = factory.latest();
    const creds = first.options.auth.creds as {
      noiseKey: { public: Uint8Array };
      advSecretKey: string;
      registrationId: number;
      me?: unknown;
    };
    expect(creds.noiseKey.public).toBeInstanceOf(Uint8Array);
    // What Baileys does while pairing and using the session: creds.update + key writes.
    first.emit('creds.update', { me: ME, registered: true });
    await first.options.auth.keys.set({
      'pre-key': { '1': { public: new Uint8Array([1, 2, 3]), private: new Uint8Array([4, 5, 6]) } },
      session: { '5511987654321.0': new Uint8Array([9, 8, 7]) },
      'app-state-sync-key': { AAAAAQ: { keyData: new Uint8Array([7, 7, 7]), timestamp: 1779123731 } },
      'lid-mapping': { '5511987654321': '203948571620394' },
    });
    first.emit('connection.update', { connection: 'open' });
    const dbFile = t1.dataDir;
    // Stop the app without deleting its data dir: a restart of the same deployment.
    await t1.app.stop();

    const t2 = await startTestApp({
      definitions: [definition],
      channels,
      config: { database: { driver: 'sqlite', path: `${dbFile}/ponte.db` } },
    });
    try {
      await waitFor(() => factory.sockets.length === 2, 2000, 'second socket');
      const second = factory.latest();
      const loaded = second.options.auth.creds as typeof creds;
      expect(Buffer.from(loaded.noiseKey.public).equals(Buffer.from(creds.noiseKey.public))).toBe(true);
      expect(loaded.advSecretKey).toBe(creds.advSecretKey);
      expect(loaded.registrationId).toBe(creds.registrationId);
      expect(loaded.me).toEqual(ME);
      const keys = second.options.auth.keys;
      const preKey = (await keys.get('pre-key', ['1', '2']))['1'] as { public: Uint8Array };
      expect(Buffer.from(preKey.public)).toEqual(Buffer.from([1, 2, 3]));
      expect(Buffer.from((await keys.get('session', ['5511987654321.0']))['5511987654321.0'] as Uint8Array)).toEqual(
        Buffer.from([9, 8, 7]),
      );
      const appKey = (await keys.get('app-state-sync-key', ['AAAAAQ'])).AAAAAQ as { keyData: Uint8Array; constructor: { name: string } };
      expect(Buffer.from(appKey.keyData)).toEqual(Buffer.from([7, 7, 7]));
      expect(appKey.constructor.name).toBe('AppStateSyncKeyData'); // revived as the protobuf Baileys expects
      expect((await keys.get('lid-mapping', ['5511987654321']))['5511987654321']).toBe('203948571620394');
      // Nothing about the session is on disk outside the database.
      const rows = await t2.app.database.kysely.selectFrom('channel_state').select('key').where('key', 'like', 'auth:%').execute();
      expect(rows.map((r) => r.key).sort()).toEqual([
        'auth:creds',
        'auth:key:app-state-sync-key:AAAAAQ',
        'auth:key:lid-mapping:5511987654321',
        'auth:key:pre-key:1',
        'auth:key:session:5511987654321.0',
      ]);

      // Device removed on the phone: everything goes, the next start pairs from scratch.
      second.emit('connection.update', { connection: 'open' });
      second.emit('connection.update', {
        connection: 'close',
        lastDisconnect: { error: { message: 'Stream Errored (conflict)', output: { statusCode: 401 } } },
      });
      const running = t2.app.running.find((c) => c.entry.id === 'wa')!;
      await waitFor(() => running.runtime.source!.health().state === 'needs_pairing', 2000, 'needs_pairing');
      const left = await t2.app.database.kysely.selectFrom('channel_state').select('key').where('key', 'like', 'auth:%').execute();
      expect(left).toEqual([]);
      const fresh = await loadDbAuthState(t2.context('wa').state, baileysAuthToolkit, silent);
      expect(Buffer.from((fresh.creds.noiseKey as { public: Uint8Array }).public).equals(Buffer.from(creds.noiseKey.public))).toBe(false);
      expect(fresh.paired).toBe(false);
    } finally {
      await t2.stop();
      rmSync(dbFile, { recursive: true, force: true });
    }
  });
});
