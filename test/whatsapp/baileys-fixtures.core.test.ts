/**
 * Every baileys-*.json fixture played through the WhatsApp channel into the real core and
 * database (SQLite), ending as its `expect` block says in our model; replaying it changes no row.
 *
 * Fixtures that point at earlier messages (edits, revokes, reactions, receipts, quotes, the echo
 * of our send) are played on a desk where Mariana already wrote (baileys-upsert-text-conversation)
 * and an agent answered through the API; the fixture's id of "our" message is replaced by the id
 * our sender really used.
 */
import { ME } from './fake-socket.js';
import { baileysFixtureNames, loadFixture, type Fixture } from './fixtures.js';
import { databaseReady, snapshot, startCore, type CoreHarness } from './core-harness.js';

const FIXTURE_OUTBOUND_IDS = ['3EB0B946B8FD83E45A24D4', '3EB0EE73B0305ED2088399'];
const NEEDS_CONVERSATION = new Set([
  'baileys-update-edit',
  'baileys-update-revoke',
  'baileys-upsert-protocol-edit',
  'baileys-upsert-protocol-revoke',
  'baileys-upsert-reaction-add',
  'baileys-upsert-reaction-remove',
  'baileys-messages-update-receipts',
  'baileys-upsert-own-send-echo',
  'baileys-upsert-extended-text-quoted-reply',
]);

interface Desk {
  ticketNumber: number;
  outboundId: string;
}

async function seedConversation(h: CoreHarness): Promise<Desk> {
  await h.play(loadFixture('baileys-upsert-text-conversation'));
  const [ticketNumber] = await h.ticketNumbers();
  const reply = await h.t.api('POST', `/api/tickets/${ticketNumber}/replies`, {
    body: 'Olá Mariana! Seu código de rastreio é QB123456789BR.',
    visibility: 'public',
  });
  expect(reply.status).toBe(202);
  const drained = await h.t.drainOutbox();
  expect(drained.sent).toBe(1);
  const ticket = await h.t.getTicket(ticketNumber!);
  const out = ticket.messages.find((m) => m.direction === 'out')!;
  expect(out.externalId).toMatch(/^3EB0[0-9A-F]{18}$/);
  return { ticketNumber: ticketNumber!, outboundId: out.externalId! };
}

function retarget(fx: Fixture, outboundId: string): Fixture {
  let text = JSON.stringify(fx);
  for (const id of FIXTURE_OUTBOUND_IDS) text = text.split(id).join(outboundId);
  return JSON.parse(text);
}

async function messageByExternalId(h: CoreHarness, externalId: string) {
  for (const n of await h.ticketNumbers()) {
    const t = await h.t.getTicket(n);
    const m = t.messages.find((x) => x.externalId === externalId);
    if (m) return { ticket: t, message: m };
  }
  return undefined;
}

type Check = (h: CoreHarness, fx: Fixture, desk: Desk | undefined) => Promise<void>;

const ingested =
  (extra?: (found: NonNullable<Awaited<ReturnType<typeof messageByExternalId>>>, fx: Fixture) => void): Check =>
  async (h, fx) => {
    const found = await messageByExternalId(h, fx.expect.externalMessageId);
    expect(found).toBeDefined();
    const { message } = found!;
    expect(message.direction).toBe('in');
    expect(message.authorType).toBe('customer');
    if (fx.expect.text) expect(message.text).toBe(fx.expect.text);
    expect(message.attachments).toHaveLength(fx.expect.attachments?.length ?? (fx.expect.kind === 'image' ? 1 : 0));
    (fx.expect.attachments ?? []).forEach((a: { mime: string; size: number }, i: number) => {
      expect(message.attachments[i]).toMatchObject({ contentType: a.mime, size: a.size });
    });
    extra?.(found!, fx);
  };

const ignored: Check = async (h) => {
  expect(await h.ticketNumbers()).toEqual([]);
};

const checks: Record<string, Check> = {
  'baileys-connection-close-reasons': async (h, fx) => {
    for (const c of fx.cases) {
      if (!['connected', 'backing_off', 'connecting'].includes(h.runtime.source.health().state)) await h.runtime.source.start();
      h.sock().open();
      await h.runtime.connection.idle();
      expect(h.runtime.source.health().state).toBe('connected');
      const sockets = h.factory.sockets.length;
      await h.emit('connection.update', c.update);
      const health = h.runtime.source.health();
      const creds = await h.t.app.database.kysely.selectFrom('channel_state').select('key').where('key', 'like', 'auth:%').execute();
      switch (c.expect.reason) {
        case 'restartRequired':
          expect(h.factory.sockets.length).toBe(sockets + 1);
          expect(health.state).toBe('connecting');
          break;
        case 'loggedOut (device removed on phone)':
          expect(health.state).toBe('needs_pairing');
          expect(creds).toEqual([]);
          break;
        case 'forbidden (account banned/blocked)':
          expect(health.state).toBe('stopped');
          break;
        case 'QR expired unscanned':
        case 'multideviceMismatch':
          expect(health.state).toBe('needs_pairing');
          break;
        default:
          expect(health.state).toBe('backing_off');
          expect(Date.parse(String(health.detail?.nextAttemptAt))).toBeGreaterThan(Date.now());
          // Back to a clean slate for the next case: stop the pending retry.
          await h.runtime.source.stop();
      }
    }
  },
  'baileys-connection-update-pairing-sequence': async (h) => {
    expect(h.runtime.source.health().state).toBe('connected');
    expect(h.factory.sockets).toHaveLength(2);
    // The admin API sees the state (the QR is gone once connected).
    const r = await h.t.api('GET', '/api/channels/wa/pairing?format=json');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'connected', hasQr: false });
  },
  'baileys-history-set': async (h) => {
    await ignored(h, {} as Fixture, undefined);
    const state = await h.t.context('wa').state.get('lid:176543210987654@lid');
    expect(state).toBe('5491155554444@s.whatsapp.net');
  },
  'baileys-lid-mapping-update': async (h) => {
    await ignored(h, {} as Fixture, undefined);
    expect(await h.t.context('wa').state.get('lid:176543210987654@lid')).toBe('5491155554444@s.whatsapp.net');
  },
  'baileys-messages-update-receipts': async (h, _fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages.find((m) => m.externalId === desk!.outboundId)?.deliveryStatus).toBe('read');
  },
  'baileys-sequence-ctwa-ad-placeholder': ingested(({ message }) => {
    expect(message.metadata.attribution).toMatchObject({ source: 'ctwa_ad', adId: '120210987654321001' });
  }),
  'baileys-update-edit': async (h, _fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    const m = t.messages.find((x) => x.externalId === '3A864A13BD708063A0FD')!;
    expect(m.text).toBe('Oi! Meu pedido 10482 ainda não chegou, já faz 9 dias 😕');
    expect(m.editedAt).toBe(1779124391000);
    expect(t.messages).toHaveLength(2);
  },
  'baileys-update-revoke': async (h, _fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages.find((x) => x.externalId === '3A864A13BD708063A0FD')?.revokedAt).toEqual(expect.any(Number));
    expect(t.messages).toHaveLength(2);
  },
  'baileys-upsert-audio-file': ingested(),
  'baileys-upsert-audio-ptt': ingested(({ message }) =>
    expect(message.attachments[0]).toMatchObject({ variant: 'voice_note', contentType: 'audio/ogg; codecs=opus' }),
  ),
  'baileys-upsert-brazil-legacy-12-digit-jid': async (h, fx) => {
    await ingested()(h, fx, undefined);
    const found = await messageByExternalId(h, fx.expect.externalMessageId);
    const ids = found!.ticket.requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`);
    expect(ids).toEqual(expect.arrayContaining(['whatsapp:558187654321@s.whatsapp.net', 'phone:+558187654321']));
    // Lookup-only forms are never created.
    expect(ids).not.toContain('phone:+5581987654321');
  },
  'baileys-upsert-ciphertext-stub-badmac': async (h) => {
    await ignored(h, {} as Fixture, undefined);
    expect(await h.t.context('wa').state.get('pending:3A9AAB1BF0E5C0F62F71')).toBeDefined();
  },
  'baileys-upsert-contact': ingested(({ message }) => expect(message.text).toContain('+551140028922')),
  'baileys-upsert-document-with-caption': ingested(),
  'baileys-upsert-document': ingested(({ message }) => expect(message.attachments[0]!.filename).toBe('NF-e_10482.pdf')),
  'baileys-upsert-ephemeral-wrapper': ingested(),
  'baileys-upsert-extended-text-link-spanish': ingested(),
  'baileys-upsert-extended-text-quoted-reply': async (h, fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    const m = t.messages.find((x) => x.externalId === fx.expect.externalMessageId)!;
    expect(m.matchedBy).toBe('thread_reference');
    expect(m.text).toBe(fx.expect.text);
  },
  'baileys-upsert-fromme-sent-from-phone': async (h, fx) => {
    const found = await messageByExternalId(h, fx.expect.externalMessageId);
    expect(found!.message).toMatchObject({ direction: 'out', authorType: 'agent' });
    expect(found!.message.metadata.sentFromPhone).toBe(true);
  },
  'baileys-upsert-group-message': ignored,
  'baileys-upsert-image-caption': ingested(({ ticket }) => {
    expect(ticket.requester.name).toBe('Mariana Souza');
  }),
  'baileys-upsert-location': ingested(),
  'baileys-upsert-newsletter': ignored,
  'baileys-upsert-offline-append': ingested(),
  'baileys-upsert-own-send-echo': async (h, _fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages).toHaveLength(2);
    expect(t.messages.filter((m) => m.externalId === desk!.outboundId)).toHaveLength(1);
  },
  'baileys-upsert-protocol-edit': async (h, fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages.find((x) => x.externalId === fx.expect.targetExternalId)?.text).toBe(fx.expect.newText);
    expect(t.messages).toHaveLength(2);
  },
  'baileys-upsert-protocol-revoke': async (h, fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages.find((x) => x.externalId === fx.expect.targetExternalId)?.revokedAt).toBe(1779124331000);
    expect(t.messages).toHaveLength(2);
  },
  'baileys-upsert-reaction-add': async (h, _fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages.find((x) => x.externalId === desk!.outboundId)?.reactions).toEqual([
      { emoji: '👍', by: '5511987654321@s.whatsapp.net', at: 1779131031000 },
    ]);
    expect(t.messages).toHaveLength(2);
  },
  'baileys-upsert-reaction-remove': async (h, _fx, desk) => {
    const t = await h.t.getTicket(desk!.ticketNumber);
    expect(t.messages.find((x) => x.externalId === desk!.outboundId)?.reactions).toEqual([]);
    expect(t.messages).toHaveLength(2);
  },
  'baileys-upsert-status-broadcast': ignored,
  'baileys-upsert-sticker': ingested(({ message }) => expect(message.attachments[0]!.variant).toBe('sticker')),
  'baileys-upsert-text-conversation': ingested(({ ticket }) => {
    const ids = ticket.requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`).sort();
    expect(ids).toEqual(['phone:+5511987654321', 'whatsapp:5511987654321@s.whatsapp.net', 'whatsapp_lid:203948571620394@lid']);
  }),
  'baileys-upsert-text-lid-addressed': ingested(),
  'baileys-upsert-text-lid-without-pn': ingested(({ ticket }) => {
    expect(ticket.requester.identities.map((i: { kind: string; address: string }) => `${i.kind}:${i.address}`)).toEqual([
      'whatsapp_lid:87123456789012@lid',
    ]);
  }),
  'baileys-upsert-video': ingested(),
  'baileys-upsert-view-once-unavailable': ingested(),
  'baileys-upsert-view-once-wrapper': ingested(({ message }) => expect(message.attachments[0]!.variant).toBe('view_once')),
};

describe.each(['sqlite', 'postgres'] as const)('baileys fixtures into the real core (%s)', (database) => {
  test('every fixture has a check', () => {
    expect(baileysFixtureNames().filter((n) => !checks[n])).toEqual([]);
  });

  test.each(baileysFixtureNames())('%s', async (name) => {
    if (!databaseReady(database)) return;
    const pairing = name === 'baileys-connection-update-pairing-sequence';
    const h = await startCore({ reconnectBaseMs: 60_000 }, { open: !pairing, database });
    try {
      let fx = loadFixture(name);
      let desk: Desk | undefined;
      if (NEEDS_CONVERSATION.has(name)) {
        desk = await seedConversation(h);
        fx = retarget(fx, desk.outboundId);
      }
      if (name === 'baileys-connection-close-reasons') {
        await checks[name]!(h, fx, desk);
        return;
      }
      if (pairing) {
        const [connecting, qr1, qr2, scanned, ...rest] = fx.events;
        for (const e of [connecting, qr1, qr2]) await h.emit('connection.update', e);
        const r = await h.t.api('GET', '/api/channels/wa/pairing?format=json');
        expect(r.body).toMatchObject({ state: 'needs_pairing', hasQr: true });
        const svg = await fetch(`${h.t.baseUrl}/api/channels/wa/pairing?format=svg`, {
          headers: { authorization: `Bearer ${h.t.adminToken}` },
        });
        expect(svg.status).toBe(200);
        expect(await svg.text()).toContain('<svg');
        await h.emit('creds.update', { me: ME, registered: true });
        await h.emit('connection.update', scanned);
        for (const e of rest) await h.emit('connection.update', e);
        await checks[name]!(h, fx, desk);
        return;
      }
      if (name === 'baileys-upsert-reaction-remove') {
        await h.play(retarget(loadFixture('baileys-upsert-reaction-add'), desk!.outboundId));
        const t = await h.t.getTicket(desk!.ticketNumber);
        expect(t.messages.find((x) => x.externalId === desk!.outboundId)?.reactions).toHaveLength(1);
      }
      await h.play(fx);
      await checks[name]!(h, fx, desk);
      const before = await snapshot(h.t);
      await h.play(fx);
      expect(await snapshot(h.t)).toBe(before);
    } finally {
      await h.stop();
    }
  });
});
