/**
 * The REAL Baileys socket (makeSocketPort over makeWASocket) with the database auth state, on a
 * machine with no route to WhatsApp: its WebSocket points at a closed loopback port (no DNS, no
 * traffic off the machine). It must report backing_off, retry on the backoff schedule, never
 * crash, and stop cleanly.
 */
import { createServer } from 'node:net';
import { baileysAuthToolkit, makeSocketPort } from '../../channels/whatsapp/baileys-socket.js';
import { createWhatsappChannelDefinition } from '../../channels/whatsapp/index.js';
import type { WaSocketOptions } from '../../channels/whatsapp/socket-port.js';
import { startTestApp } from '../support/app.js';
import { waitFor } from './harness.js';

async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('real Baileys socket without a route: backing_off, retries on schedule, stops cleanly', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const attempts: number[] = [];
  const definition = createWhatsappChannelDefinition({
    makeSocket: (options: WaSocketOptions) => {
      attempts.push(Date.now());
      return makeSocketPort(options);
    },
    authToolkit: baileysAuthToolkit,
    random: () => 0.5,
  });
  const port = await closedLoopbackPort();
  const t = await startTestApp({
    definitions: [definition],
    channels: [
      {
        id: 'wa',
        kind: 'whatsapp',
        websocketUrl: `ws://127.0.0.1:${port}/ws/chat`,
        reconnectBaseMs: 100,
        reconnectMaxMs: 400,
        connectTimeoutMs: 2000,
      },
    ],
  });
  try {
    const running = t.app.running.find((c) => c.entry.id === 'wa')!;
    expect(running.startError).toBeUndefined();
    const source = running.runtime.source!;
    await waitFor(() => source.health().state === 'backing_off', 4000, 'backing_off');
    const health = source.health();
    // Baileys reports the refused WebSocket as a 408 "connection lost".
    expect(health.lastError).toMatch(/connection/i);
    expect(health.detail).toMatchObject({ attempt: expect.any(Number) });
    expect(Date.parse(String(health.detail?.nextAttemptAt))).toBeGreaterThan(Date.now() - 1000);
    // Retries keep coming, spaced by the (jittered, capped) backoff.
    await waitFor(() => attempts.length >= 4, 6000, 'four connection attempts');
    const gaps = attempts.slice(1).map((a, i) => a - attempts[i]!);
    // base 100 ms, random 0.5: 75, 150, 300 (then capped at 400 -> 300) ms at least.
    expect(gaps[0]!).toBeGreaterThanOrEqual(70);
    expect(gaps[1]!).toBeGreaterThanOrEqual(140);
    expect(gaps[2]!).toBeGreaterThanOrEqual(280);
    expect(Math.max(...gaps)).toBeLessThan(3000);

    await source.stop();
    expect(source.health().state).toBe('stopped');
    const after = attempts.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(attempts.length).toBe(after);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await t.stop();
  }
});
