import { loadCloudFixture, PHONE_NUMBER_ID, webhookFixtureNames, type WebhookFixture } from '../../test/whatsapp/cloud-fixtures.js';
import { normalizeWebhook, type CloudAction } from './normalize.js';

const NOW = Date.UTC(2026, 4, 18, 17, 2, 11);
const MARIANA = { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net', displayName: 'Mariana Souza' };

function run(name: string, locale: string = 'pt-BR'): CloudAction[] {
  const f = loadCloudFixture<WebhookFixture>(name);
  return normalizeWebhook(JSON.parse(f.request.rawBody), { phoneNumberId: PHONE_NUMBER_ID, locale, rawKey: 'a'.repeat(64), now: NOW });
}

type Ingest = Extract<CloudAction, { type: 'ingest' }>;
function onlyIngest(actions: CloudAction[]): Ingest {
  expect(actions).toHaveLength(1);
  expect(actions[0]!.type).toBe('ingest');
  return actions[0] as Ingest;
}

/** One expectation per webhook fixture, stated in our model (see each fixture's `expect`). */
const cases: Record<string, (actions: CloudAction[], f: WebhookFixture) => void> = {
  'cloud-text': (a, f) => {
    const i = onlyIngest(a);
    expect(i.envelope.message).toMatchObject({
      externalId: f.expect.externalMessageId,
      from: MARIANA,
      fromAliases: [{ kind: 'phone', address: '+5511987654321', displayName: 'Mariana Souza' }],
      text: 'Oi! Meu pedido 10482 ainda não chegou, já faz 8 dias 😕',
      sentAt: 1779123731000,
      metadata: { waType: 'text', waId: '5511987654321', profileName: 'Mariana Souza' },
    });
    expect(i.envelope.rawKey).toBe('a'.repeat(64));
    expect(i.waId).toBe('5511987654321');
  },
  'cloud-duplicate-delivery': (a, f) => {
    // Same wamid as cloud-text: the core's de-duplication on externalId makes it a no-op.
    expect(onlyIngest(a).envelope.message.externalId).toBe(f.expect.externalMessageId);
    expect(onlyIngest(run('cloud-text')).envelope.message.externalId).toBe(f.expect.externalMessageId);
  },
  'cloud-text-bad-signature': (a) => {
    // Normalization does not judge authenticity (the router does); the body itself is ordinary.
    expect(onlyIngest(a).envelope.message.text).toContain('10482');
  },
  'cloud-text-reply-context': (a, f) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.threadHints).toEqual({ references: [f.expect.quotedExternalId], signedTicketNumbers: [] });
    expect(m.metadata).toMatchObject({ context: { id: f.expect.quotedExternalId, from: '5511912345678' } });
  },
  'cloud-image': (a, f) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.text).toBe(f.expect.text);
    expect(i.media).toEqual({
      mediaId: f.expect.mediaId,
      mimeType: 'image/jpeg',
      filename: `whatsapp-image-${f.expect.mediaId}.jpg`,
      sha256: 'X4ClA2qbBomjdWm4ThFqh9UBwWrBsUs9F/lXNlvbCuI=',
    });
  },
  'cloud-video': (a) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.text).toBe('Olha o barulho que o liquidificador faz');
    expect(i.media).toMatchObject({ mediaId: '9161859863954877', mimeType: 'video/mp4', filename: 'whatsapp-video-9161859863954877.mp4' });
  },
  'cloud-audio-voice': (a) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.text).toBe('');
    expect(i.media).toMatchObject({
      mediaId: '2577342146524886',
      mimeType: 'audio/ogg; codecs=opus',
      variant: 'voice',
      filename: 'whatsapp-voice-2577342146524886.ogg',
    });
  },
  'cloud-document': (a, f) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.text).toBe('Segue o comprovante do Pix, chamado #48213');
    expect(i.media).toMatchObject({ mimeType: f.expect.attachments[0].mime, filename: f.expect.attachments[0].fileName });
  },
  'cloud-sticker': (a) => {
    expect(onlyIngest(a).media).toMatchObject({ mediaId: '9401264416186729', mimeType: 'image/webp', variant: 'sticker' });
  },
  'cloud-location': (a) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.text).toBe(
      '📍 Av. Paulista, 1578\nBela Vista, São Paulo - SP, 01310-200\nhttps://www.google.com/maps?q=-23.561414,-46.655881',
    );
    expect(m.metadata).toMatchObject({ location: { latitude: -23.561414, longitude: -46.655881 } });
  },
  'cloud-contacts': (a) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.text).toBe('👤 Contato compartilhado: Transportadora Rápida SAC\n   +55 11 4002-8922 (WORK)');
    expect(m.metadata).toMatchObject({ contacts: [{ name: 'Transportadora Rápida SAC', phones: [{ waId: '551140028922' }] }] });
  },
  'cloud-interactive-button-reply': (a, f) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.text).toBe(f.expect.text);
    expect(m.metadata).toMatchObject({ payload: f.expect.payload, interactive: { type: 'button_reply' } });
    expect(m.threadHints?.references).toEqual(['wamid.GA01NDkxMTU1NTU0NDQ0FQIAEhgUOUI2ODU2REI0RDBBOUQ4NTczRkMA']);
    expect(m.from).toEqual({ kind: 'whatsapp', address: '5491155554444@s.whatsapp.net', displayName: 'Lucía Fernández' });
  },
  'cloud-interactive-list-reply': (a, f) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.text).toBe(f.expect.text);
    expect(m.metadata).toMatchObject({
      payload: f.expect.payload,
      interactive: { type: 'list_reply', description: 'Trocar por outro tamanho' },
    });
  },
  'cloud-button-template-quick-reply': (a, f) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.text).toBe(f.expect.text);
    expect(i.envelope.message.metadata).toMatchObject({ payload: f.expect.payload, button: { payload: f.expect.payload } });
    // Quotes the template we sent: the thread reference finds the ticket; it opens the window.
    expect(i.envelope.message.threadHints?.references).toEqual(['wamid.GA01NTExOTg3NjU0MzIxFQIAEhgUQUNCNUNFNDQxOTc3NUY4MjAyNEQA']);
    expect(i.waId).toBe('5511987654321');
  },
  'cloud-reaction': (a, f) => {
    expect(a).toEqual([
      {
        type: 'reaction',
        update: { externalId: f.expect.targetExternalId, reaction: { emoji: '👍', by: '5511987654321@s.whatsapp.net', at: 1779131031000 } },
        waId: '5511987654321',
        at: 1779131031000,
      },
    ]);
  },
  'cloud-referral-ctwa': (a, f) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.text).toBe('Olá! Vi o anúncio do Tênis Runner, ainda tem no tamanho 38?');
    expect(m.metadata).toMatchObject({
      attribution: f.expect.attribution,
      referral: {
        headline: 'Tênis Runner — frete grátis',
        sourceUrl: 'https://www.instagram.com/p/C7xYzAbCdEf/',
        ctwaClid: expect.any(String),
      },
    });
  },
  'cloud-unsupported': (a, f) => {
    const m = onlyIngest(a).envelope.message;
    expect(m.text).toBe(f.expect.text);
    expect(m.metadata).toMatchObject({ errors: [{ code: 131051 }], raw: { type: 'unsupported' } });
  },
  'cloud-system-user-changed-number': (a, f) => {
    expect(a).toEqual([
      {
        type: 'number-changed',
        oldWaId: f.expect.oldWaId,
        newWaId: f.expect.newWaId,
        at: 1779128731000,
        messageId: expect.any(String),
        displayName: 'Mariana Souza',
      },
    ]);
  },
  'cloud-brazil-wa-id-without-9': (a, f) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.from).toEqual({
      kind: 'whatsapp',
      address: `${f.expect.replyTo}@s.whatsapp.net`,
      displayName: 'Roberto Lima',
    });
    expect(i.envelope.message.fromAliases).toEqual([{ kind: 'phone', address: '+558187654321', displayName: 'Roberto Lima' }]);
    // The CRM's 13-digit form is looked up, never created.
    expect(i.envelope.message.lookupAlso).toEqual([
      { kind: 'phone', address: f.expect.mustMatchExistingContactWithPhone },
      { kind: 'whatsapp', address: '5581987654321@s.whatsapp.net' },
    ]);
    expect(i.waId).toBe(f.expect.replyTo);
  },
  'cloud-bsuid-username-no-phone': (a, f) => {
    const i = onlyIngest(a);
    expect(i.envelope.message.from).toEqual({ kind: 'whatsapp_bsuid', address: f.expect.channelUserId, displayName: 'Ana P.' });
    expect(i.envelope.message.fromAliases).toEqual([]);
    expect(i.envelope.message.metadata).toMatchObject({ bsuid: f.expect.channelUserId, username: f.expect.username });
    expect(i.waId).toBeUndefined();
    expect(i.bsuid).toBe(f.expect.channelUserId);
  },
  'cloud-batched-multiple': (a, f) => {
    expect(a.map((x) => (x as Ingest).envelope.message.externalId)).toEqual(f.expect.externalMessageIds);
    expect(a.map((x) => (x as Ingest).waId)).toEqual(['5511987654321', '5511987654321', '5491155554444']);
  },
  'cloud-status-sent': (a, f) => {
    expect(a).toEqual([
      {
        type: 'delivery',
        update: { externalId: f.expect.externalMessageId, status: 'sent', at: 1779127431000 },
        recipientId: '5511987654321',
      },
    ]);
  },
  'cloud-status-delivered': (a, f) => {
    expect(a).toEqual([
      {
        type: 'delivery',
        update: { externalId: f.expect.externalMessageId, status: 'delivered', at: 1779127433000 },
        recipientId: '5511987654321',
      },
    ]);
  },
  'cloud-status-read': (a, f) => {
    expect(a).toEqual([
      {
        type: 'delivery',
        update: { externalId: f.expect.externalMessageId, status: 'read', at: 1779127491000 },
        recipientId: '5511987654321',
      },
    ]);
  },
  'cloud-status-failed-131047': (a, f) => {
    expect(a).toHaveLength(1);
    const d = a[0] as Extract<CloudAction, { type: 'delivery' }>;
    expect(d.update).toMatchObject({ externalId: f.expect.externalMessageId, status: 'failed', errorCode: 'whatsapp_131047' });
    expect(d.update.errorMessage).toMatch(/Re-engagement message/);
    expect(d.update.errorMessage).toMatch(/send an approved template/);
  },
  'cloud-errors-value-level': (a, f) => {
    expect(a).toEqual([expect.objectContaining({ type: 'alert', level: 'error', code: f.expect.errorCode })]);
    expect((a[0] as { message: string }).message).toMatch(/pair rate limit/);
  },
};

describe('normalizeWebhook: one test per webhook fixture', () => {
  const names = webhookFixtureNames();
  it('has an expectation for every webhook fixture', () => {
    expect(names.filter((n) => !cases[n])).toEqual([]);
  });
  it.each(names)('%s', (name) => {
    const f = loadCloudFixture<WebhookFixture>(name);
    cases[name]!(run(name), f);
  });
});

describe('normalizeWebhook: robustness', () => {
  const base = (value: Record<string, unknown>, field = 'messages') => ({
    object: 'whatsapp_business_account',
    entry: [
      { id: '1', changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { phone_number_id: PHONE_NUMBER_ID }, ...value } }] },
    ],
  });
  const opts = { phoneNumberId: PHONE_NUMBER_ID, now: NOW };

  it('keeps the good messages next to a broken one', () => {
    const actions = normalizeWebhook(
      base({
        messages: [
          42,
          { from: '5511987654321', type: 'text', text: { body: 'no id' } },
          { from: '5511987654321', id: 'wamid.ok', type: 'text', text: { body: 'ok' } },
        ],
      }),
      opts,
    );
    expect(actions.map((a) => a.type)).toEqual(['alert', 'alert', 'ingest']);
  });

  it('turns an unknown type into a visible placeholder with the raw message kept', () => {
    const msg = { from: '5511987654321', id: 'wamid.x', type: 'hologram', hologram: { v: 1 } };
    const [a] = normalizeWebhook(base({ messages: [msg] }), { ...opts, locale: 'en' }) as Ingest[];
    expect(a!.envelope.message.text).toBe('[Message of type "hologram" not supported by Ponte yet — original content kept]');
    expect(a!.envelope.message.metadata).toMatchObject({ raw: msg });
  });

  it('skips changes for another phone number and other webhook fields', () => {
    const other = { ...base({ messages: [] }) };
    (other.entry[0]!.changes[0]!.value.metadata as Record<string, unknown>).phone_number_id = '999999';
    expect(normalizeWebhook(other, opts)).toEqual([{ type: 'skip', reason: expect.stringMatching(/999999/) }]);
    expect(normalizeWebhook(base({}, 'message_template_status_update'), opts)).toEqual([
      { type: 'skip', reason: expect.stringMatching(/not handled/) },
    ]);
    expect(normalizeWebhook({ object: 'page', entry: [] }, opts)[0]!.type).toBe('skip');
  });

  it('reports a reaction removal as an empty emoji', () => {
    const [a] = normalizeWebhook(
      base({ messages: [{ from: '5511987654321', id: 'wamid.r', timestamp: '1', type: 'reaction', reaction: { message_id: 'wamid.t' } }] }),
      opts,
    );
    expect(a).toMatchObject({ type: 'reaction', update: { externalId: 'wamid.t', reaction: { emoji: '' } } });
  });

  it('falls back to the mime type when the voice flag is absent', () => {
    const [a] = normalizeWebhook(
      base({
        messages: [{ from: '5511987654321', id: 'wamid.v', type: 'audio', audio: { id: '1', mime_type: 'audio/ogg; codecs=opus' } }],
      }),
      opts,
    ) as Ingest[];
    expect(a!.media?.variant).toBe('voice');
    const [b] = normalizeWebhook(
      base({ messages: [{ from: '5511987654321', id: 'wamid.m', type: 'audio', audio: { id: '2', mime_type: 'audio/mpeg' } }] }),
      opts,
    ) as Ingest[];
    expect(b!.media?.variant).toBeUndefined();
  });

  it('maps a failed status without errors and ignores unknown statuses', () => {
    const actions = normalizeWebhook(
      base({
        statuses: [
          { id: 'wamid.f', status: 'failed', timestamp: '2' },
          { id: 'wamid.d', status: 'deleted', timestamp: '2' },
        ],
      }),
      opts,
    );
    expect(actions[0]).toMatchObject({ type: 'delivery', update: { status: 'failed', errorCode: 'whatsapp_failed' } });
    expect(actions[1]).toMatchObject({ type: 'skip' });
  });

  it('keeps a phone user with a BSUID as the phone identity with the BSUID as alias', () => {
    const [a] = normalizeWebhook(
      base({
        contacts: [{ profile: { name: 'M' }, wa_id: '5511987654321', user_id: 'BR.123456' }],
        messages: [{ from: '5511987654321', id: 'wamid.b', type: 'text', text: { body: 'x' } }],
      }),
      opts,
    ) as Ingest[];
    expect(a!.envelope.message.from.kind).toBe('whatsapp');
    expect(a!.envelope.message.fromAliases).toContainEqual({ kind: 'whatsapp_bsuid', address: 'BR.123456' });
  });
});
