/**
 * Issue 12, WhatsApp in 2026: the passkey gate at pairing and messages that cannot be decrypted
 * after the LID move, shown as channel health with an explanation an admin can act on (the
 * `lastError` of /healthz and the pairing page). Recorded pairing/close payloads and decryption
 * stubs, played through the socket port.
 */
import { PASSKEY_REQUIRED_EXPLANATION } from '../../channels/whatsapp/disconnect-policy.js';
import { createFakeContext } from '../support/fake-context.js';
import { loadFixture } from './fixtures.js';
import { startHarness, waitFor, type Harness } from './harness.js';

const pairingEvents = () => loadFixture('baileys-connection-update-pairing-sequence').events as Array<Record<string, unknown>>;
const closeCase = (reason: string) =>
  (loadFixture('baileys-connection-close-reasons').cases as Array<{ expect: { reason: string }; update: unknown }>).find(
    (c) => c.expect.reason === reason,
  )!.update;

async function emit(h: Harness, payload: unknown): Promise<void> {
  h.sock().emit('connection.update', structuredClone(payload));
  await h.idle();
}

describe('the passkey gate at pairing', () => {
  test('the phone started linking, then the QR ran out: passkey_required with the explanation, no retry loop', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, {}, { open: false });
    const [connecting, qr] = pairingEvents();
    await emit(h, connecting);
    await emit(h, qr);
    expect(h.runtime.pairing()).toMatchObject({ state: 'needs_pairing', qr: expect.stringContaining('wa.me/settings/linked_devices') });
    // The phone scanned and started linking; WhatsApp then waits for a passkey that never comes.
    await emit(h, { linkingNotice: 'companion_reg_refresh' });
    await emit(h, closeCase('QR expired unscanned'));

    const health = h.runtime.source.health();
    expect(health.state).toBe('passkey_required');
    expect(health.lastError).toBe(PASSKEY_REQUIRED_EXPLANATION);
    expect(health.lastError).toMatch(/passkey.*Cloud API/s);
    expect(h.runtime.pairing()).toMatchObject({ state: 'passkey_required' });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.factory.sockets).toHaveLength(1); // stopped: no new socket, no new QR
    await h.runtime.source.stop();
  });

  test('an unscanned QR that runs out is still plain needs_pairing (no passkey claim)', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, {}, { open: false });
    const [connecting, qr] = pairingEvents();
    await emit(h, connecting);
    await emit(h, qr);
    await emit(h, closeCase('QR expired unscanned'));
    expect(h.runtime.source.health()).toMatchObject({ state: 'needs_pairing', lastError: 'QR expired unscanned: request a new one' });
    await h.runtime.source.stop();
  });

  test('a linking notice followed by a successful pairing connects normally', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, {}, { open: false });
    const events = pairingEvents();
    await emit(h, events[0]);
    await emit(h, events[1]);
    await emit(h, { linkingNotice: 'link_code_companion_reg' });
    await h.play({ _fixture: { event: 'connection.update' }, events: events.slice(3, 5) }); // isNewLogin, 515
    await waitFor(() => h.factory.sockets.length === 2, 2000, 'the restart after pairing');
    h.sock().open();
    await h.idle();
    expect(h.runtime.source.health().state).toBe('connected');
    await h.runtime.source.stop();
  });
});

describe('messages that cannot be decrypted', () => {
  const stub = (id: string) => {
    const fx = loadFixture('baileys-upsert-ciphertext-stub-badmac');
    fx.payload.messages[0].key.id = id;
    return fx;
  };

  test('three stubs never re-sent within a day: undecryptable, explained; a late re-send counts one less', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, { pendingStubTimeoutMs: 20 });
    await h.play(stub('3AUNDEC0000000000001'));
    await h.play(stub('3AUNDEC0000000000002'));
    await waitFor(() => ctx.ingested.length === 2, 2000, 'two placeholders');
    await h.idle();
    expect(h.runtime.source.health().state).toBe('connected'); // two: the phone may still re-send

    await h.play(stub('3AUNDEC0000000000003'));
    await waitFor(() => ctx.ingested.length === 3, 2000, 'the third placeholder');
    await h.idle();
    const health = h.runtime.source.health();
    expect(health.state).toBe('undecryptable');
    expect(health.lastError).toContain('3 messages in the last 24 h arrived but could not be decrypted');
    expect(health.lastError).toContain('remove the device on the phone');
    expect(health.detail).toMatchObject({ account: '5511912345678@s.whatsapp.net', undecryptable: 3 });
    expect(h.runtime.pairing()).toMatchObject({ state: 'undecryptable' });

    // The phone re-sends one after all: its placeholder is replaced and the number is healthy again.
    h.sock().emit('messages.upsert', {
      type: 'notify',
      messages: [
        {
          key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: false, id: '3AUNDEC0000000000002' },
          messageTimestamp: 1779124990,
          message: { conversation: 'Reenviando!' },
        },
      ],
    });
    await h.idle();
    expect(ctx.updates).toEqual([
      expect.objectContaining({ externalId: '3AUNDEC0000000000002', replace: expect.objectContaining({ text: 'Reenviando!' }) }),
    ]);
    expect(h.runtime.source.health()).toMatchObject({ state: 'connected', lastError: undefined });
    await h.runtime.source.stop();
  });

  test('the state survives a restart (from the pending records) and clears once the day has passed', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, { pendingStubTimeoutMs: 20 });
    for (const n of [1, 2, 3]) await h.play(stub(`3AUNDEC000000000000${n}`));
    await waitFor(() => ctx.ingested.length === 3, 2000, 'three placeholders');
    await h.runtime.source.stop();

    const again = await startHarness(ctx, { pendingStubTimeoutMs: 20 });
    expect(again.runtime.source.health().state).toBe('undecryptable');
    ctx.setNow(ctx.clock.now() + 25 * 3600_000);
    expect(again.runtime.source.health().state).toBe('connected');
    await again.runtime.source.stop();
  });
});
