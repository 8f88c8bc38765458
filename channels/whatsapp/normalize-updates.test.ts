import { normalizeMessageUpdate, normalizeReceipt } from './normalize-updates.js';

const key = {
  remoteJid: '5511987654321@s.whatsapp.net',
  remoteJidAlt: '203948571620394@lid',
  fromMe: false,
  id: 'ABC',
  participant: '',
  addressingMode: 'pn',
};

describe('messages.update and receipts', () => {
  test('status on someone else’s message is not a delivery', () => {
    expect(normalizeMessageUpdate({ key: { ...key, fromMe: false }, update: { status: 4 } }, 1)).toEqual([
      { action: 'ignore', reason: 'update without status, edit or revoke' },
    ]);
  });
  test('an error status fails the delivery with a code', () => {
    expect(normalizeMessageUpdate({ key: { ...key, fromMe: true }, update: { status: 'ERROR' } }, 7)).toEqual([
      {
        action: 'delivery',
        update: {
          externalId: 'ABC',
          status: 'failed',
          at: 7,
          errorCode: 'whatsapp_error',
          errorMessage: 'WhatsApp reported an error status',
        },
      },
    ]);
  });
  test('placeholder-resend notices (stub parameters only) are ignored', () => {
    expect(normalizeMessageUpdate({ key, update: { messageStubParameters: ['Message absent from node', '3EB0'] } }, 1)[0]!.action).toBe(
      'ignore',
    );
  });
  test('user receipts: read wins over delivered', () => {
    expect(normalizeReceipt({ key: { ...key, fromMe: true }, receipt: { receiptTimestamp: 10, readTimestamp: '12' } })).toEqual({
      action: 'delivery',
      update: { externalId: 'ABC', status: 'read', at: 12000 },
    });
    expect(normalizeReceipt({ key: { ...key, fromMe: true }, receipt: { receiptTimestamp: 10 } })).toMatchObject({
      update: { status: 'delivered' },
    });
  });
});
