/**
 * Replay: a mail stored by an older parser (the quote kept in the reply text, its attachment
 * missed) is re-parsed with today's email parser from its raw .eml. The dry run shows the
 * difference and changes nothing; applying updates the message in place (audited) without a
 * second message, a second attachment on a repeat, or any send.
 */
import { createEmailReparser } from '../../channels/email/email-reparser.js';
import { replayChannel } from '../../src/replay/replay.usecase.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

const mail = createTestChannelDefinition('test', 'email', ['email']);

const RAW = [
  'From: Lia Souza <lia@example.com>',
  'To: suporte@loja.example',
  'Subject: Re: Pedido 4711',
  'Message-ID: <lia-replay-1@example.com>',
  'Date: Mon, 30 Nov 2026 10:00:00 -0300',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Chegou quebrado, segue a foto.',
  '',
  'Em seg., 30 de nov. de 2026 às 09:00, Suporte <suporte@loja.example> escreveu:',
  '> Seu pedido 4711 foi enviado.',
  '',
  '--b1',
  'Content-Type: text/plain; name="nota.txt"',
  'Content-Disposition: attachment; filename="nota.txt"',
  '',
  'nota fiscal 4711',
  '--b1--',
  '',
].join('\r\n');

describe('replay stored raw mail with the current parser', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }] });
  });
  afterAll(() => t?.stop());

  test('dry run shows the difference; apply updates in place, once, with no send', async () => {
    const ctx = t.context('mail');
    const raw = await ctx.blobs.put(RAW);
    const fullText =
      'Chegou quebrado, segue a foto.\n\nEm seg., 30 de nov. de 2026 às 09:00, Suporte <suporte@loja.example> escreveu:\n> Seu pedido 4711 foi enviado.';
    // What an older parser stored: no reply split, no attachment.
    const o = await ctx.ingest({
      rawKey: raw.key,
      message: {
        externalId: '<lia-replay-1@example.com>',
        from: { kind: 'email', address: 'lia@example.com' },
        subject: 'Re: Pedido 4711',
        text: fullText,
        replyText: fullText,
      },
    });
    if (o.status !== 'created') throw new Error(o.status);
    await t.drainOutbox();
    const sentBefore = mail.outbox('mail').sent.length;
    const outboxBefore = await t.app.database.kysely.selectFrom('outbox').select('id').execute();

    const reparse = createEmailReparser(t.app.blobs, { supportAddresses: ['suporte@loja.example'], maxAttachmentBytes: 1_000_000 });
    const opts = { channelId: 'mail', ticketNumber: o.ticketNumber, actor: { type: 'cli' as const, id: null } };
    const dry = await replayChannel(t.app.database, t.app.blobs, reparse, { ...opts, apply: false }, Date.now());
    expect(dry).toMatchObject({ examined: 1, applied: false, failed: [] });
    expect(dry.changed).toEqual([
      expect.objectContaining({
        messageId: o.messageId,
        ticketNumber: o.ticketNumber,
        replyText: { from: fullText, to: 'Chegou quebrado, segue a foto.' },
        attachments: { added: ['nota.txt'], notFoundNow: [] },
      }),
    ]);
    let view = await t.getTicket(o.ticketNumber);
    expect(JSON.stringify(view)).not.toContain('nota.txt');

    const applied = await replayChannel(t.app.database, t.app.blobs, reparse, { ...opts, apply: true }, Date.now());
    expect(applied.changed).toHaveLength(1);
    view = await t.getTicket(o.ticketNumber);
    const messages = await t.app.database.kysely.selectFrom('messages').selectAll().where('ticket_id', '=', o.ticketId).execute();
    expect(messages.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(messages.find((m) => m.id === o.messageId)).toMatchObject({ reply_text: 'Chegou quebrado, segue a foto.' });
    const atts = await t.app.database.kysely.selectFrom('attachments').select(['filename']).where('message_id', '=', o.messageId).execute();
    expect(atts.map((a) => a.filename)).toEqual(['nota.txt']);

    // Nothing sent, nothing queued; a second apply changes nothing.
    expect(mail.outbox('mail').sent.length).toBe(sentBefore);
    expect(await t.app.database.kysely.selectFrom('outbox').select('id').execute()).toEqual(outboxBefore);
    expect(await t.drainOutbox()).toEqual({ sent: 0, failed: 0, retried: 0 });
    const again = await replayChannel(t.app.database, t.app.blobs, reparse, { ...opts, apply: true }, Date.now());
    expect(again).toMatchObject({ examined: 1, changed: [] });
    const audit = await t.api('GET', '/api/audit?action=message.replayed');
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        action: 'message.replayed',
        target: { type: 'message', id: o.messageId },
        actor: { type: 'cli', id: null },
      }),
    ]);
  });
});
