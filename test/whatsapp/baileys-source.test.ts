/** Source behaviour around media, stubs, the lease and Baileys' callbacks (fake socket, fake context). */
import type { ChannelError } from '../../src/domain/errors.js';
import type { OutboundMessage } from '../../src/domain/outbound.js';
import { outboundMessageId } from '../../channels/whatsapp/whatsapp-sender.js';
import { createFakeContext } from '../support/fake-context.js';
import { loadFixture } from './fixtures.js';
import { startHarness, waitFor } from './harness.js';
import { outboundMessage } from '../support/outbound-message.js';

const image = () => loadFixture('baileys-upsert-image-caption');

describe('media', () => {
  test('an expired link gets one re-upload request and one more try', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx);
    h.sock().expiredMedia.add('3AD8B8A12D625476026B');
    await h.play(image());
    expect(h.sock().reuploads).toEqual(['3AD8B8A12D625476026B']);
    expect(ctx.ingested[0]!.message.attachments).toEqual([expect.objectContaining({ contentType: 'image/jpeg', size: 183421 })]);
    expect(await ctx.blobs.size(ctx.ingested[0]!.message.attachments[0]!.blobKey)).toBe(183421);
    await h.runtime.source.stop();
  });

  test('a failed download keeps the message with a visible note', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx);
    h.sock().brokenMedia.add('3AD8B8A12D625476026B');
    await h.play(image());
    const m = ctx.ingested[0]!.message;
    expect(m.attachments).toEqual([]);
    expect(m.text).toBe('Chegou assim, caixa toda amassada\n[Anexo não pôde ser baixado: image-3AD8B8A12D625476026B.jpg]');
    expect(m.metadata.mediaError).toBe('media_download_failed');
    await h.runtime.source.stop();
  });

  test('media over the limit is not downloaded (announced size) nor kept (real size)', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, { mediaMaxBytes: 100_000 });
    await h.play(image()); // announces 183421 bytes
    await h.play(loadFixture('baileys-upsert-view-once-wrapper')); // announces 90211: downloaded
    expect(ctx.ingested[0]!.message.metadata.mediaError).toBe('media_too_large');
    expect(ctx.ingested[0]!.message.text).toContain('[Anexo não baixado: maior que o limite de 98 KB (image-3AD8B8A12D625476026B.jpg)]');
    expect(ctx.ingested[1]!.message.attachments).toHaveLength(1);
    // A sender that lies about the size is stopped by the blob store's limit.
    const lying = loadFixture('baileys-upsert-document');
    lying.payload.messages[0].message.documentMessage.fileLength = '1000';
    const ctx2 = createFakeContext('wa');
    const h2 = await startHarness(ctx2, { mediaMaxBytes: 500 });
    await h2.play(lying);
    expect(ctx2.ingested[0]!.message.metadata.mediaError).toBe('media_too_large');
    await h.runtime.source.stop();
    await h2.runtime.source.stop();
  });
});

describe('decryption stubs', () => {
  test('a stub that is never resolved shows a placeholder; the real message later replaces its text', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, { pendingStubTimeoutMs: 30 });
    await h.play(loadFixture('baileys-upsert-ciphertext-stub-badmac'));
    expect(ctx.ingested).toEqual([]);
    await waitFor(() => ctx.ingested.length === 1, 2000, 'placeholder');
    await h.idle();
    expect(ctx.ingested[0]!.message).toMatchObject({
      externalId: '3A9AAB1BF0E5C0F62F71',
      text: '[Mensagem que não pôde ser descriptografada. Peça ao cliente para reenviar.]',
    });
    h.sock().emit('messages.upsert', {
      type: 'notify',
      messages: [
        {
          key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: false, id: '3A9AAB1BF0E5C0F62F71', participant: '' },
          messageTimestamp: 1779124931,
          message: { conversation: 'Consegue ver agora?' },
        },
      ],
    });
    await h.idle();
    expect(ctx.updates).toEqual([
      { externalId: '3A9AAB1BF0E5C0F62F71', replace: { text: 'Consegue ver agora?', attachments: [], at: 1779124931000 } },
    ]);
    expect(ctx.stateMap.has('pending:3A9AAB1BF0E5C0F62F71')).toBe(false);
    await h.runtime.source.stop();
  });

  test('pending stubs survive a restart and are resumed', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx, { pendingStubTimeoutMs: 60_000 });
    await h.play(loadFixture('baileys-upsert-ciphertext-stub-badmac'));
    await h.runtime.source.stop();
    ctx.setNow(Date.UTC(2026, 4, 18, 18, 0, 0)); // an hour later
    const h2 = await startHarness(ctx, { pendingStubTimeoutMs: 60_000 });
    await waitFor(() => ctx.ingested.length === 1, 2000, 'overdue placeholder');
    await h2.runtime.source.stop();
  });
});

describe('ingest failures lose nothing', () => {
  test('a transient failure is retried; a rejected envelope is kept as a visible raw placeholder', async () => {
    const ctx = createFakeContext('wa');
    const real = ctx.ingest.bind(ctx);
    let failures = 1;
    ctx.ingest = async (env) => {
      if (failures-- > 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return real(env);
    };
    const h = await startHarness(ctx);
    await h.play(loadFixture('baileys-upsert-text-conversation'));
    expect(ctx.ingested.map((e) => e.message.externalId)).toEqual(['3A864A13BD708063A0FD']);

    const { ValidationError } = await import('../../src/domain/errors.js');
    let rejectOnce = true;
    ctx.ingest = async (env) => {
      if (rejectOnce) {
        rejectOnce = false;
        throw new ValidationError('invalid inbound envelope', [{ path: 'message.text', message: 'too long' }]);
      }
      return real(env);
    };
    await h.play(loadFixture('baileys-upsert-location'));
    const kept = ctx.ingested[1]!;
    expect(kept.message).toMatchObject({ externalId: 'C780FFA51CE556F02BA1CFE1F537D97C', parseError: 'invalid inbound envelope' });
    expect(kept.rawKey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse((await ctx.blobs.read(kept.rawKey!)).toString()).key.id).toBe('C780FFA51CE556F02BA1CFE1F537D97C');
    await h.runtime.source.stop();
  });
});

describe('lease and callbacks', () => {
  test('a number held by another process is not connected; health says why', async () => {
    const ctx = createFakeContext('wa');
    ctx.leases.take = async () => ({ held: false, epoch: 1 });
    const h = await startHarness(ctx, { leaseTtlMs: 60_000 }, { open: false });
    expect(h.factory.sockets).toHaveLength(0);
    expect(h.runtime.source.health()).toMatchObject({ state: 'backing_off', lastError: 'another gateway process holds this number' });
    await h.runtime.source.stop();
    expect(h.runtime.source.health().state).toBe('stopped');
  });

  test('losing the lease while connected drops the socket', async () => {
    const ctx = createFakeContext('wa');
    let held = true;
    ctx.leases.take = async () => ({ held, epoch: 1 });
    const h = await startHarness(ctx, { leaseTtlMs: 1500 });
    expect(h.runtime.source.health().state).toBe('connected');
    held = false;
    await waitFor(() => h.sock().ended, 3000, 'socket to end');
    expect(h.runtime.source.health().state).toBe('backing_off');
    expect(h.runtime.connection.connected()).toBeUndefined();
    await h.runtime.source.stop();
  });

  test('440 (replaced elsewhere) checks the lease before retrying: when another process has it, step back', async () => {
    const ctx = createFakeContext('wa');
    let held = true;
    ctx.leases.take = async () => ({ held, epoch: 1 });
    const h = await startHarness(ctx, { leaseTtlMs: 60_000 });
    held = false;
    h.sock().emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error: { message: 'Stream Errored (conflict)', output: { statusCode: 440 } } },
    });
    await h.idle();
    expect(h.runtime.source.health()).toMatchObject({ state: 'backing_off', lastError: 'another gateway process holds this number' });
    expect(h.factory.sockets).toHaveLength(1);
    await h.runtime.source.stop();
  });

  test('Baileys getMessage is answered from stored outbound messages; ignored JIDs', async () => {
    const ctx = createFakeContext('wa');
    ctx.outbound.set('3EB0AAAA', { messageId: 'm1', ticketNumber: 10001, text: 'Olá!', externalId: '3EB0AAAA', createdAt: 1 });
    const h = await startHarness(ctx);
    const { getMessage, shouldIgnoreJid } = h.sock().options;
    expect(await getMessage({ id: '3EB0AAAA', remoteJid: '5511987654321@s.whatsapp.net', fromMe: true })).toEqual({ conversation: 'Olá!' });
    expect(await getMessage({ id: 'UNKNOWN' })).toBeUndefined();
    expect(['120363041234567890@g.us', 'status@broadcast', '1@newsletter', '5511987654321@s.whatsapp.net'].map(shouldIgnoreJid)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    await h.runtime.source.stop();
  });
});

describe('sender', () => {
  const message = (over: Partial<OutboundMessage> = {}): OutboundMessage =>
    outboundMessage({
      outboxId: '01J0OUTBOX0000000000000001',
      channelId: 'wa',
      ticket: { id: 't', number: 10001, subject: 'x', subjectToken: '[#10001]', locale: 'pt-BR' },
      ...over,
    });

  test('ids are Baileys-shaped and deterministic per outbox row', () => {
    expect(outboundMessageId('a')).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(outboundMessageId('a')).toBe(outboundMessageId('a'));
    expect(outboundMessageId('a')).not.toBe(outboundMessageId('b'));
    expect(outboundMessageId('a', 1)).not.toBe(outboundMessageId('a'));
  });

  test('a typed phone is resolved through onWhatsApp once and cached; WhatsApp decides the ninth digit', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx);
    h.sock().whatsappAccounts.set('5581987654321', { jid: '558187654321@s.whatsapp.net', exists: true });
    const m = message({ recipient: { kind: 'phone', address: '+5581987654321' } });
    const id = h.runtime.sender.assignExternalId!(m);
    const r1 = await h.runtime.sender.send({ ...m, externalId: id });
    const r2 = await h.runtime.sender.send({ ...m, externalId: id });
    expect(r1).toEqual({ externalId: id, resolvedIdentity: { kind: 'whatsapp', address: '558187654321@s.whatsapp.net' } });
    expect(r2).toEqual(r1);
    expect(h.sock().onWhatsAppCalls).toEqual(['5581987654321']);
    expect(h.sock().sent.map((s) => [s.jid, s.messageId])).toEqual([
      ['558187654321@s.whatsapp.net', id],
      ['558187654321@s.whatsapp.net', id],
    ]);
    await h.runtime.source.stop();
  });

  test('errors carry a code and say whether to retry', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx);
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as ChannelError,
      );
    expect(await err(h.runtime.sender.send(message({ recipient: { kind: 'phone', address: '+5511900000000' } })))).toMatchObject({
      code: 'whatsapp_not_on_whatsapp',
      retryable: false,
    });
    expect(await err(h.runtime.sender.send(message({ recipient: { kind: 'email', address: 'a@b.c' } })))).toMatchObject({
      code: 'whatsapp_bad_recipient',
      retryable: false,
    });
    const { WaSocketError } = await import('../../channels/whatsapp/socket-port.js');
    h.sock().sendFailure = new WaSocketError('Connection Closed', 428);
    expect(await err(h.runtime.sender.send(message()))).toMatchObject({ code: 'whatsapp_428', retryable: true });
    h.sock().emit('connection.update', { connection: 'close', lastDisconnect: { error: { output: { statusCode: 428 } } } });
    await h.idle();
    expect(await err(h.runtime.sender.send(message()))).toMatchObject({
      code: 'whatsapp_not_connected',
      retryable: true,
      retryAfterMs: 30_000,
    });
    await h.runtime.source.stop();
  });

  test('attachments: one image carries the text as caption; otherwise text first, then each file with its own id', async () => {
    const ctx = createFakeContext('wa');
    const h = await startHarness(ctx);
    const png = await ctx.blobs.put(Buffer.from('png-bytes'));
    const pdf = await ctx.blobs.put(Buffer.from('%PDF-1.4'));
    const ogg = await ctx.blobs.put(Buffer.from('OggS'));
    const att = (key: string, filename: string, contentType: string) => ({ blobKey: key, filename, contentType, size: 4 });
    await h.runtime.sender.send(message({ externalId: 'ID1', attachments: [att(png.key, 'foto.png', 'image/png')] }));
    expect(h.sock().sent).toEqual([
      {
        jid: '5511987654321@s.whatsapp.net',
        messageId: 'ID1',
        content: { image: Buffer.from('png-bytes'), mimetype: 'image/png', caption: 'Olá!' },
      },
    ]);
    h.sock().sent.length = 0;
    const m = message({
      externalId: 'ID2',
      attachments: [att(pdf.key, 'nota.pdf', 'application/pdf'), att(ogg.key, 'voz.ogg', 'audio/ogg; codecs=opus')],
    });
    await h.runtime.sender.send(m);
    expect(h.sock().sent.map((s) => [s.messageId, Object.keys(s.content)[0]])).toEqual([
      ['ID2', 'text'],
      [outboundMessageId(m.outboxId, 1), 'document'],
      [outboundMessageId(m.outboxId, 2), 'audio'],
    ]);
    expect(h.sock().sent[2]!.content).toMatchObject({ ptt: true, mimetype: 'audio/ogg; codecs=opus' });
    expect(h.sock().sent[1]!.content).toMatchObject({ fileName: 'nota.pdf', mimetype: 'application/pdf' });
    await h.runtime.source.stop();
  });
});
