import { normalizeUpsertMessage, type NormalizeOptions } from './normalize.js';

const opts: NormalizeOptions = { ignoreGroups: true, locale: 'pt-BR', upsertType: 'notify' };
const key = {
  remoteJid: '5511987654321@s.whatsapp.net',
  remoteJidAlt: '203948571620394@lid',
  fromMe: false,
  id: 'ABC',
  participant: '',
  addressingMode: 'pn',
};

describe('in-process shapes (Long timestamps, Uint8Array bytes, numeric enums)', () => {
  test('an in-process image message normalizes like its JSON form', () => {
    const inProcess = {
      key,
      messageTimestamp: { low: 1779123791, high: 0, unsigned: true },
      pushName: 'Mariana Souza',
      message: {
        imageMessage: {
          mimetype: 'image/jpeg',
          caption: 'Chegou assim',
          fileLength: { low: 183421, high: 0, unsigned: true },
          mediaKey: new Uint8Array([1, 2, 3]),
        },
      },
    };
    const json = {
      ...inProcess,
      messageTimestamp: 1779123791,
      message: { imageMessage: { ...inProcess.message.imageMessage, fileLength: '183421', mediaKey: 'AQID' } },
    };
    const a = normalizeUpsertMessage(inProcess, opts);
    const b = normalizeUpsertMessage(json, opts);
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      action: 'ingest',
      message: { sentAt: 1779123791000, text: 'Chegou assim' },
      media: { kind: 'image', declaredSize: 183421 },
    });
  });

  test('numeric protocol types and stub types', () => {
    const revoke = normalizeUpsertMessage(
      { key, messageTimestamp: 10, message: { protocolMessage: { key: { id: 'TARGET' }, type: 0 } } },
      opts,
    );
    expect(revoke).toMatchObject({ action: 'update', update: { externalId: 'TARGET', revoked: { at: 10000 } } });
    const edit = normalizeUpsertMessage(
      {
        key,
        messageTimestamp: 10,
        message: {
          protocolMessage: {
            key: { id: 'TARGET' },
            type: 14,
            editedMessage: { conversation: 'novo' },
            timestampMs: { low: 10500, high: 0 },
          },
        },
      },
      opts,
    );
    expect(edit).toMatchObject({ action: 'update', update: { externalId: 'TARGET', edit: { text: 'novo', at: 10500 } } });
    expect(normalizeUpsertMessage({ key, messageStubType: 'CIPHERTEXT', messageStubParameters: ['Bad MAC'] }, opts)).toMatchObject({
      action: 'await_retry',
      reason: 'undecryptable',
    });
  });
});
describe('decisions', () => {
  test.each([
    ['group', { ...key, remoteJid: '120363041234567890@g.us', participant: '19283746501234@lid' }, 'group chat'],
    ['status', { ...key, remoteJid: 'status@broadcast' }, 'status@broadcast'],
    ['broadcast list', { ...key, remoteJid: '1234567890@broadcast' }, 'broadcast list'],
    ['newsletter', { ...key, remoteJid: '120363198765432109@newsletter' }, 'newsletter'],
  ])('%s is ignored', (_name, k, reason) => {
    expect(normalizeUpsertMessage({ key: k, message: { conversation: 'x' } }, opts)).toEqual({ action: 'ignore', reason });
  });

  test('an unknown type becomes a visible placeholder, flagged unsupported (the raw JSON is kept by the source)', () => {
    const d = normalizeUpsertMessage({ key, message: { pollCreationMessageV3: { name: 'Qual cor?' } } }, { ...opts, locale: 'es' });
    expect(d).toMatchObject({
      action: 'ingest',
      unsupported: true,
      message: { metadata: { type: 'unsupported', unsupportedType: 'pollCreationMessageV3' } },
    });
    expect((d as { message: { text: string } }).message.text).toContain('pollCreationMessageV3');
    expect((d as { message: { text: string } }).message.text).toMatch(/^\[Mensaje de tipo "pollCreationMessageV3" aún no admitido/);
  });

  test('key distribution only (no content) and other protocol messages are ignored', () => {
    expect(
      normalizeUpsertMessage({ key, message: { senderKeyDistributionMessage: { groupId: 'x' }, messageContextInfo: {} } }, opts).action,
    ).toBe('ignore');
    expect(normalizeUpsertMessage({ key, message: { protocolMessage: { type: 'EPHEMERAL_SETTING' } } }, opts).action).toBe('ignore');
  });

  test('a fromMe message is the business: own echo when we know the id, else typed on the phone', () => {
    const me = { ...key, fromMe: true };
    expect(normalizeUpsertMessage({ key: me, message: { conversation: 'oi' } }, { ...opts, knownOutbound: true })).toMatchObject({
      message: { ownEcho: true },
    });
    const phone = normalizeUpsertMessage({ key: me, pushName: 'Loja', message: { conversation: 'oi' } }, opts);
    expect(phone).toMatchObject({ message: { fromBusiness: true, from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' } } });
    expect((phone as { message: { from: { displayName?: string } } }).message.from.displayName).toBeUndefined();
  });

  test('a fromMe reaction is by the business account', () => {
    const d = normalizeUpsertMessage(
      { key: { ...key, fromMe: true }, message: { reactionMessage: { key: { id: 'T' }, text: '❤️', senderTimestampMs: '5' } } },
      { ...opts, meJid: '5511912345678:12@s.whatsapp.net' },
    );
    expect(d).toMatchObject({ action: 'update', update: { reaction: { emoji: '❤️', by: '5511912345678@s.whatsapp.net', at: 5 } } });
  });
});
