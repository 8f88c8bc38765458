import { deliveryFromStatus, normalizeMessageUpdate, normalizeReceipt, normalizeUpsertMessage, parseVCard, safeFilename, senderIdentity, toNumber, unwrapMessage, type NormalizeOptions } from './normalize.js';

const opts: NormalizeOptions = { ignoreGroups: true, locale: 'pt-BR', upsertType: 'notify' };
const key = { remoteJid: '5511987654321@s.whatsapp.net', remoteJidAlt: '203948571620394@lid', fromMe: false, id: 'ABC', participant: '', addressingMode: 'pn' };

describe('scalars in both serializations', () => {
  test.each([
    [1779123731, 1779123731],
    ['1779123731', 1779123731],
    [{ low: 1779123731, high: 0, unsigned: true }, 1779123731],
    [{ low: -1, high: 0, unsigned: true }, 4294967295],
    [{ toNumber: () => 42 }, 42],
    [BigInt(7), 7],
    ['abc', undefined],
    [null, undefined],
  ])('toNumber(%p) = %p', (input, expected) => {
    expect(toNumber(input)).toBe(expected);
  });

  test.each([
    [2, 'sent'],
    ['SERVER_ACK', 'sent'],
    [3, 'delivered'],
    ['DELIVERY_ACK', 'delivered'],
    [4, 'read'],
    [5, 'read'],
    ['PLAYED', 'read'],
    [0, 'failed'],
    ['ERROR', 'failed'],
    [1, undefined],
    ['PENDING', undefined],
  ])('status %p -> %p', (input, expected) => {
    expect(deliveryFromStatus(input)).toBe(expected);
  });
});

describe('in-process shapes (Long timestamps, Uint8Array bytes, numeric enums)', () => {
  test('an in-process image message normalizes like its JSON form', () => {
    const inProcess = {
      key,
      messageTimestamp: { low: 1779123791, high: 0, unsigned: true },
      pushName: 'Mariana Souza',
      message: { imageMessage: { mimetype: 'image/jpeg', caption: 'Chegou assim', fileLength: { low: 183421, high: 0, unsigned: true }, mediaKey: new Uint8Array([1, 2, 3]) } },
    };
    const json = { ...inProcess, messageTimestamp: 1779123791, message: { imageMessage: { ...inProcess.message.imageMessage, fileLength: '183421', mediaKey: 'AQID' } } };
    const a = normalizeUpsertMessage(inProcess, opts);
    const b = normalizeUpsertMessage(json, opts);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ action: 'ingest', message: { sentAt: 1779123791000, text: 'Chegou assim' }, media: { kind: 'image', declaredSize: 183421 } });
  });

  test('numeric protocol types and stub types', () => {
    const revoke = normalizeUpsertMessage({ key, messageTimestamp: 10, message: { protocolMessage: { key: { id: 'TARGET' }, type: 0 } } }, opts);
    expect(revoke).toMatchObject({ action: 'update', update: { externalId: 'TARGET', revoked: { at: 10000 } } });
    const edit = normalizeUpsertMessage({ key, messageTimestamp: 10, message: { protocolMessage: { key: { id: 'TARGET' }, type: 14, editedMessage: { conversation: 'novo' }, timestampMs: { low: 10500, high: 0 } } } }, opts);
    expect(edit).toMatchObject({ action: 'update', update: { externalId: 'TARGET', edit: { text: 'novo', at: 10500 } } });
    expect(normalizeUpsertMessage({ key, messageStubType: 'CIPHERTEXT', messageStubParameters: ['Bad MAC'] }, opts)).toMatchObject({ action: 'await_retry', reason: 'undecryptable' });
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
    expect(d).toMatchObject({ action: 'ingest', unsupported: true, message: { metadata: { type: 'unsupported', unsupportedType: 'pollCreationMessageV3' } } });
    expect((d as { message: { text: string } }).message.text).toContain('pollCreationMessageV3');
    expect((d as { message: { text: string } }).message.text).toMatch(/^\[Mensaje de WhatsApp/);
  });

  test('key distribution only (no content) and other protocol messages are ignored', () => {
    expect(normalizeUpsertMessage({ key, message: { senderKeyDistributionMessage: { groupId: 'x' }, messageContextInfo: {} } }, opts).action).toBe('ignore');
    expect(normalizeUpsertMessage({ key, message: { protocolMessage: { type: 'EPHEMERAL_SETTING' } } }, opts).action).toBe('ignore');
  });

  test('wrappers nest: ephemeral around view-once around an image', () => {
    const u = unwrapMessage({ ephemeralMessage: { message: { viewOnceMessageV2Extension: { message: { imageMessage: { caption: 'x' } } } } } });
    expect(u).toMatchObject({ type: 'imageMessage', ephemeral: true, viewOnce: true });
  });

  test('a fromMe message is the business: own echo when we know the id, else typed on the phone', () => {
    const me = { ...key, fromMe: true };
    expect(normalizeUpsertMessage({ key: me, message: { conversation: 'oi' } }, { ...opts, knownOutbound: true })).toMatchObject({ message: { ownEcho: true } });
    const phone = normalizeUpsertMessage({ key: me, pushName: 'Loja', message: { conversation: 'oi' } }, opts);
    expect(phone).toMatchObject({ message: { fromBusiness: true, from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' } } });
    expect((phone as { message: { from: { displayName?: string } } }).message.from.displayName).toBeUndefined();
  });

  test('a fromMe reaction is by the business account', () => {
    const d = normalizeUpsertMessage({ key: { ...key, fromMe: true }, message: { reactionMessage: { key: { id: 'T' }, text: '❤️', senderTimestampMs: '5' } } }, { ...opts, meJid: '5511912345678:12@s.whatsapp.net' });
    expect(d).toMatchObject({ action: 'update', update: { reaction: { emoji: '❤️', by: '5511912345678@s.whatsapp.net', at: 5 } } });
  });

  test('LID-only sender uses the learned phone when the table knows it', () => {
    const lidKey = { remoteJid: '87123456789012@lid', fromMe: false, id: 'L1' };
    expect(senderIdentity(lidKey).from).toEqual({ kind: 'whatsapp_lid', address: '87123456789012@lid' });
    const mapped = senderIdentity(lidKey, () => '5521998877665@s.whatsapp.net');
    expect(mapped.from).toEqual({ kind: 'whatsapp', address: '5521998877665@s.whatsapp.net' });
    expect(mapped.fromAliases).toEqual([{ kind: 'whatsapp_lid', address: '87123456789012@lid' }, { kind: 'phone', address: '+5521998877665' }]);
    expect(mapped.lookupAlso).toEqual([{ kind: 'phone', address: '+552198877665' }, { kind: 'whatsapp', address: '552198877665@s.whatsapp.net' }]);
    expect(mapped.learned).toBeUndefined(); // only a key that carries both forms proves a mapping
  });

  test('device suffixes and c.us are normalized', () => {
    expect(senderIdentity({ remoteJid: '5511987654321:3@c.us', id: 'x' }).from.address).toBe('5511987654321@s.whatsapp.net');
  });
});

describe('messages.update and receipts', () => {
  test('status on someone else’s message is not a delivery', () => {
    expect(normalizeMessageUpdate({ key: { ...key, fromMe: false }, update: { status: 4 } }, 1)).toEqual([{ action: 'ignore', reason: 'update without status, edit or revoke' }]);
  });
  test('an error status fails the delivery with a code', () => {
    expect(normalizeMessageUpdate({ key: { ...key, fromMe: true }, update: { status: 'ERROR' } }, 7)).toEqual([
      { action: 'delivery', update: { externalId: 'ABC', status: 'failed', at: 7, errorCode: 'whatsapp_error', errorMessage: 'WhatsApp reported an error status' } },
    ]);
  });
  test('placeholder-resend notices (stub parameters only) are ignored', () => {
    expect(normalizeMessageUpdate({ key, update: { messageStubParameters: ['Message absent from node', '3EB0'] } }, 1)[0]!.action).toBe('ignore');
  });
  test('user receipts: read wins over delivered', () => {
    expect(normalizeReceipt({ key: { ...key, fromMe: true }, receipt: { receiptTimestamp: 10, readTimestamp: '12' } })).toEqual({ action: 'delivery', update: { externalId: 'ABC', status: 'read', at: 12000 } });
    expect(normalizeReceipt({ key: { ...key, fromMe: true }, receipt: { receiptTimestamp: 10 } })).toMatchObject({ update: { status: 'delivered' } });
  });
});

describe('helpers', () => {
  test('vCard with several numbers and folded lines', () => {
    expect(parseVCard('BEGIN:VCARD\r\nFN:Ana\r\nTEL;type=CELL;waid=5511999990000:+55 11 99999-0000\r\nTEL:+1 (415) 555-0100\r\nEND:VCARD')).toEqual({
      name: 'Ana',
      phones: ['+5511999990000', '+14155550100'],
      waId: '5511999990000',
    });
  });
  test.each([
    ['../../etc/passwd', 'passwd'],
    ['nota\u0000fiscal.pdf', 'nota_fiscal.pdf'],
    ['C:\\Users\\x\\recibo.pdf', 'recibo.pdf'],
    ['...', 'fallback.bin'],
    [undefined, 'fallback.bin'],
  ])('safeFilename(%p) = %p', (input, expected) => {
    expect(safeFilename(input, 'fallback.bin')).toBe(expected);
  });
});
