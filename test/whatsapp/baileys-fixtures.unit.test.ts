/**
 * Every baileys-*.json fixture played through the channel runtime (fake socket, fake context):
 * one test per fixture, each checking the fixture's `expect` block in our model, and replaying
 * the fixture a second time changes nothing.
 */
import { createFakeContext, type FakeContext } from '../support/fake-context.js';
import { ME } from './fake-socket.js';
import { baileysFixtureNames, loadFixture, type Fixture } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';
import { DELIVERY_RANK, type DeliveryStatus } from '../../src/domain/model.js';

type Check = (ctx: FakeContext, h: Harness, fx: Fixture) => Promise<void> | void;

const MARIANA = { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' };
const MARIANA_LID = { kind: 'whatsapp_lid', address: '203948571620394@lid' };
const MARIANA_PHONE = { kind: 'phone', address: '+5511987654321' };

function only(ctx: FakeContext) {
  expect(ctx.ingested).toHaveLength(1);
  return ctx.ingested[0]!;
}

/** Generic checks from `expect` for ingest fixtures: id, text, attachments. */
function ingestCheck(ctx: FakeContext, fx: Fixture) {
  const env = only(ctx);
  const exp = fx.expect;
  expect(env.ignore).toBeUndefined();
  expect(env.message.externalId).toBe(exp.externalMessageId);
  if (exp.text !== undefined) expect(env.message.text).toBe(exp.text ?? '');
  if (exp.attachments) {
    expect(env.message.attachments).toHaveLength(exp.attachments.length);
    exp.attachments.forEach((a: any, i: number) => {
      const got = env.message.attachments[i]!;
      expect(got.contentType).toBe(a.mime);
      expect(got.size).toBe(a.size);
      if (a.fileName) expect(got.filename).toBe(a.fileName);
      if (a.voiceNote) expect(got.variant).toBe('voice_note');
      if (a.durationSec) expect(env.message.metadata.durationSec).toBe(a.durationSec);
    });
  } else if (['text', 'location', 'contact', 'unsupported'].includes(exp.kind)) {
    expect(env.message.attachments).toEqual([]);
  }
  expect(env.rawKey).toMatch(/^[0-9a-f]{64}$/);
  return env;
}

function nothingHappened(ctx: FakeContext) {
  expect(ctx.ingested).toEqual([]);
  expect(ctx.updates).toEqual([]);
}

const checks: Record<string, Check> = {
  'baileys-connection-close-reasons': async () => {
    // Each close, one runtime each: what the source does next.
    const fx = loadFixture('baileys-connection-close-reasons');
    const seen: Record<number | string, string> = {};
    for (const c of fx.cases) {
      const ctx = createFakeContext('wa');
      await ctx.state.set('auth:creds', JSON.stringify({ me: { id: ME.id } }));
      const h = await startHarness(ctx, { reconnectBaseMs: 60_000 });
      const before = h.factory.sockets.length;
      h.sock().emit('connection.update', c.update);
      await h.idle();
      if (c.expect.action === 'reconnect-now') await new Promise((r) => setTimeout(r, 50));
      const state = h.runtime.source.health().state;
      const reconnected = h.factory.sockets.length > before;
      const credsKept = ctx.stateMap.has('auth:creds');
      seen[c.expect.reason] = `${state}${reconnected ? '+new-socket' : ''}${credsKept ? '' : '+wiped'}`;
      await h.runtime.source.stop();
    }
    expect(seen).toEqual({
      restartRequired: 'connecting+new-socket',
      'connectionLost/timedOut': 'backing_off',
      'QR expired unscanned': 'needs_pairing',
      connectionClosed: 'backing_off',
      connectionReplaced: 'backing_off',
      'loggedOut (device removed on phone)': 'needs_pairing+wiped',
      'forbidden (account banned/blocked)': 'stopped',
      'badSession (also the default for unknown stream errors)': 'backing_off',
      unavailableService: 'backing_off',
      multideviceMismatch: 'needs_pairing',
    });
  },
  'baileys-connection-update-pairing-sequence': () => {
    /* played by its own test below (needs an unpaired start) */
  },
  'baileys-history-set': async (ctx) => {
    nothingHappened(ctx);
    expect(ctx.stateMap.get('lid:203948571620394@lid')).toBe('5511987654321@s.whatsapp.net');
    expect(ctx.stateMap.get('lid:176543210987654@lid')).toBe('5491155554444@s.whatsapp.net');
    expect(ctx.stateMap.get('lid:99887766554433@lid')).toBe('558187654321@s.whatsapp.net');
  },
  'baileys-lid-mapping-update': async (ctx, h) => {
    nothingHappened(ctx);
    expect(ctx.stateMap.get('lid:176543210987654@lid')).toBe('5491155554444@s.whatsapp.net');
    // The next LID-only message from that person carries the phone identity too.
    h.sock().emit('messages.upsert', {
      type: 'notify',
      messages: [
        {
          key: { remoteJid: '176543210987654@lid', fromMe: false, id: 'LUCIA-LID-1', participant: '' },
          messageTimestamp: 1779124000,
          pushName: 'Lucía',
          message: { conversation: 'Hola' },
        },
      ],
    });
    await h.idle();
    const env = only(ctx);
    expect(env.message.from).toMatchObject({ kind: 'whatsapp', address: '5491155554444@s.whatsapp.net' });
    expect(env.message.fromAliases).toEqual(
      expect.arrayContaining([
        { kind: 'whatsapp_lid', address: '176543210987654@lid' },
        { kind: 'phone', address: '+5491155554444' },
      ]),
    );
  },
  'baileys-messages-update-receipts': (ctx) => {
    expect(ctx.deliveries.map((d) => d.status)).toEqual(['sent', 'read', 'delivered']);
    // The core keeps the maximum; what it would end with:
    const final = ctx.deliveries.reduce<DeliveryStatus>(
      (acc, d) => (DELIVERY_RANK[d.status] > DELIVERY_RANK[acc] ? d.status : acc),
      'queued',
    );
    expect(final).toBe('read');
    expect(new Set(ctx.deliveries.map((d) => d.externalId))).toEqual(new Set(['3EB0EE73B0305ED2088399']));
  },
  'baileys-sequence-ctwa-ad-placeholder': (ctx, _h, fx) => {
    const env = only(ctx);
    expect(env.message.externalId).toBe(fx.expect.externalMessageId);
    expect(env.message.text).toBe(fx.expect.text);
    expect(env.message.metadata.attribution).toMatchObject({ source: 'ctwa_ad', adId: '120210987654321001', app: 'instagram' });
    expect(env.message.metadata.requestId).toBe('3EB05B12BC656DA7AD3E51');
    expect(env.message.ticketFields?.origin).toBe('ctwa_ad');
    expect([...ctx.stateMap.keys()].filter((k) => k.startsWith('pending:'))).toEqual([]);
  },
  'baileys-update-edit': (ctx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.updates).toEqual([
      { externalId: '3A864A13BD708063A0FD', edit: { text: 'Oi! Meu pedido 10482 ainda não chegou, já faz 9 dias 😕', at: 1779124391000 } },
    ]);
  },
  'baileys-update-revoke': (ctx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.updates).toEqual([{ externalId: '3A864A13BD708063A0FD', revoked: { at: expect.any(Number) } }]);
  },
  'baileys-upsert-audio-file': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.forwarded).toBe(true);
    expect(env.message.attachments[0]!.variant).toBeUndefined();
  },
  'baileys-upsert-audio-ptt': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.attachments[0]!.filename).toMatch(/\.ogg$/);
    expect(env.message.metadata.type).toBe('voice');
  },
  'baileys-upsert-brazil-legacy-12-digit-jid': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.from).toMatchObject({ kind: 'whatsapp', address: '558187654321@s.whatsapp.net' });
    expect(env.message.fromAliases).toEqual(expect.arrayContaining([{ kind: 'phone', address: '+558187654321' }]));
    expect(env.message.lookupAlso).toEqual([
      { kind: 'phone', address: '+5581987654321' },
      { kind: 'whatsapp', address: '5581987654321@s.whatsapp.net' },
    ]);
  },
  'baileys-upsert-ciphertext-stub-badmac': (ctx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.stateMap.get('pending:3A9AAB1BF0E5C0F62F71')).toMatchObject({ placeholder: { externalId: '3A9AAB1BF0E5C0F62F71' } });
  },
  'baileys-upsert-contact': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.contacts).toEqual([{ name: 'Transportadora Rápida SAC', phones: ['+551140028922'], waId: '551140028922' }]);
    expect(env.message.text).toContain('+551140028922');
  },
  'baileys-upsert-document-with-caption': (ctx, _h, fx) => {
    ingestCheck(ctx, fx);
  },
  'baileys-upsert-document': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.pages).toBe(2);
  },
  'baileys-upsert-ephemeral-wrapper': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.ephemeralExpiration).toBe(604800);
    expect(env.message.from).toMatchObject({ kind: 'whatsapp', address: '5491155554444@s.whatsapp.net', displayName: 'Lucía Fernández' });
  },
  'baileys-upsert-extended-text-link-spanish': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.fromAliases).toEqual(expect.arrayContaining([{ kind: 'phone', address: '+5491155554444' }]));
    expect(env.message.lookupAlso).toEqual([]);
    expect(env.message.metadata.link).toMatchObject({ url: 'https://lojaaurora.com.br/p/tenis-runner-42' });
  },
  'baileys-upsert-extended-text-quoted-reply': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.threadHints?.references).toEqual(['3EB0B946B8FD83E45A24D4']);
    expect(env.message.quotedText).toContain('QB123456789BR');
    expect(env.message.metadata.quoted).toEqual({ id: '3EB0B946B8FD83E45A24D4', fromBusiness: true });
  },
  'baileys-upsert-fromme-sent-from-phone': (ctx) => {
    const env = only(ctx);
    expect(env.message.fromBusiness).toBe(true);
    expect(env.message.ownEcho).toBe(false);
    expect(env.message.from).toEqual(MARIANA); // the conversation's customer, no display name from the merchant
    expect(env.message.metadata.author).toBe('merchant-phone');
  },
  'baileys-upsert-group-message': nothingHappened,
  'baileys-upsert-image-caption': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.from).toEqual({ ...MARIANA, displayName: 'Mariana Souza' });
    expect(env.message.fromAliases).toEqual([MARIANA_LID, MARIANA_PHONE]);
  },
  'baileys-upsert-location': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.location).toMatchObject({
      lat: -23.561414,
      lng: -46.655881,
      name: 'Av. Paulista, 1578',
      address: 'Bela Vista, São Paulo - SP, 01310-200',
    });
  },
  'baileys-upsert-newsletter': nothingHappened,
  'baileys-upsert-offline-append': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.upsert).toBe('append');
  },
  'baileys-upsert-own-send-echo': (ctx) => {
    const env = only(ctx);
    expect(env.message.ownEcho).toBe(true);
    expect(env.message.fromBusiness).toBe(false);
    expect(env.message.externalId).toBe('3EB0EE73B0305ED2088399');
  },
  'baileys-upsert-protocol-edit': (ctx, _h, fx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.updates).toEqual([
      { externalId: fx.expect.targetExternalId, edit: { text: fx.expect.newText, at: fx.expect.editedAt * 1000 } },
    ]);
  },
  'baileys-upsert-protocol-revoke': (ctx, _h, fx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.updates).toEqual([{ externalId: fx.expect.targetExternalId, revoked: { at: 1779124331000 } }]);
  },
  'baileys-upsert-reaction-add': (ctx, _h, fx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.updates).toEqual([
      { externalId: fx.expect.targetExternalId, reaction: { emoji: '👍', by: MARIANA.address, at: 1779131031000 } },
    ]);
  },
  'baileys-upsert-reaction-remove': (ctx, _h, fx) => {
    expect(ctx.ingested).toEqual([]);
    expect(ctx.updates).toEqual([
      { externalId: fx.expect.targetExternalId, reaction: { emoji: '', by: MARIANA.address, at: 1779131131000 } },
    ]);
  },
  'baileys-upsert-status-broadcast': nothingHappened,
  'baileys-upsert-sticker': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.attachments[0]!.variant).toBe('sticker');
  },
  'baileys-upsert-text-conversation': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.from).toEqual({ ...MARIANA, displayName: fx.expect.displayName });
    expect(env.message.fromAliases).toEqual([MARIANA_LID, MARIANA_PHONE]);
    expect(env.message.sentAt).toBe(1779123731000);
    expect(env.message.metadata.chatJid).toBe(fx.expect.chatJid);
  },
  'baileys-upsert-text-lid-addressed': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    // Same person as the PN-addressed chat: same `from`, LID as alias.
    expect(env.message.from).toMatchObject(MARIANA);
    expect(env.message.fromAliases).toEqual([MARIANA_LID, MARIANA_PHONE]);
    expect(env.message.metadata.chatJid).toBe('203948571620394@lid');
    expect(ctx.stateMap.get('lid:203948571620394@lid')).toBe('5511987654321@s.whatsapp.net');
  },
  'baileys-upsert-text-lid-without-pn': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.from).toEqual({ kind: 'whatsapp_lid', address: '87123456789012@lid', displayName: 'Carlos' });
    expect(env.message.fromAliases).toEqual([]);
    expect(env.message.lookupAlso).toEqual([]);
  },
  'baileys-upsert-video': (ctx, _h, fx) => {
    ingestCheck(ctx, fx);
  },
  'baileys-upsert-view-once-unavailable': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.type).toBe('view_once_unavailable');
  },
  'baileys-upsert-view-once-wrapper': (ctx, _h, fx) => {
    const env = ingestCheck(ctx, fx);
    expect(env.message.metadata.viewOnce).toBe(true);
    expect(env.message.attachments).toEqual([expect.objectContaining({ contentType: 'image/jpeg', size: 90211, variant: 'view_once' })]);
  },
};

describe('baileys fixtures through the WhatsApp runtime (fake socket, fake context)', () => {
  test('every fixture has a check', () => {
    expect(baileysFixtureNames().filter((n) => !checks[n])).toEqual([]);
  });

  test.each(baileysFixtureNames())('%s', async (name) => {
    const fx = loadFixture(name);
    if (name === 'baileys-connection-close-reasons' || name === 'baileys-connection-update-pairing-sequence') {
      await checks[name]!(createFakeContext('wa'), undefined as never, fx);
      return;
    }
    const ctx = createFakeContext('wa');
    ctx.outbound.set('3EB0EE73B0305ED2088399', {
      messageId: 'm-out',
      ticketNumber: 48213,
      text: 'Olá Mariana!',
      externalId: '3EB0EE73B0305ED2088399',
      createdAt: 1,
    });
    const h = await startHarness(ctx);
    try {
      await h.play(fx);
      await checks[name]!(ctx, h, fx);
      // Replaying the same events changes nothing.
      const before = {
        ingested: ctx.ingested.length,
        updates: ctx.updates.length,
        state: JSON.stringify([...ctx.stateMap.entries()].filter(([k]) => !k.startsWith('auth:'))),
      };
      await h.play(fx);
      expect(ctx.ingested.length).toBe(before.ingested);
      expect(ctx.updates.length).toBe(before.updates);
      expect(JSON.stringify([...ctx.stateMap.entries()].filter(([k]) => !k.startsWith('auth:')))).toBe(before.state);
    } finally {
      await h.runtime.source.stop();
    }
  });

  test('pairing sequence: QR shown and rotated, 515 recreates the socket at once with the saved creds, then connected', async () => {
    const fx = loadFixture('baileys-connection-update-pairing-sequence');
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, {}, { open: false });
    const [connecting, qr1, qr2, scanned, close515, ...rest] = fx.events;
    for (const e of [connecting, qr1]) h.sock().emit('connection.update', e);
    await h.idle();
    expect(h.runtime.pairing()).toMatchObject({ state: 'needs_pairing', qr: qr1.qr });
    expect(h.runtime.source.health().state).toBe('needs_pairing');
    h.sock().emit('connection.update', qr2);
    await h.idle();
    expect(h.runtime.pairing()?.qr).toBe(qr2.qr);
    // The scan: Baileys stores the account in the creds, then asks for a restart.
    h.sock().emit('creds.update', { me: ME, registered: true });
    h.sock().emit('connection.update', scanned);
    await h.play({ _fixture: { event: 'connection.update' }, payload: close515 });
    expect(h.factory.sockets).toHaveLength(2);
    expect((h.sock().options.auth.creds as { me?: { id: string } }).me?.id).toBe(ME.id);
    // Saved in the database before the new socket started.
    expect(JSON.parse(ctx.stateMap.get('auth:creds') as string).me.id).toBe(ME.id);
    expect(h.runtime.source.health().state).toBe('connecting');
    for (const e of rest) h.sock().emit('connection.update', e);
    await h.idle();
    expect(h.runtime.source.health()).toMatchObject({ state: 'connected', detail: { account: '5511912345678@s.whatsapp.net' } });
    expect(h.runtime.pairing()).toMatchObject({ state: 'connected' });
    expect(h.runtime.pairing()?.qr).toBeUndefined();
    expect(ctx.stateMap.get('me')).toEqual({ id: ME.id, lid: ME.lid });
    await h.runtime.source.stop();
    expect(h.runtime.source.health().state).toBe('stopped');
  });
});
