/**
 * IMAP source failure paths that a real server cannot be told to produce on cue, through a
 * scripted ImapSession: a blob store that fails, a fetch that ends short, an expunge in
 * between. The real parser is used.
 */
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import type { ImapSession, ImapFetchedMessage } from '../../channels/email/imapflow-client.js';
import type { BlobStore } from '../../src/channel/contract.js';
import { buildMail, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { createFakeContext } from '../support/fake-context.js';
import { emailConfig, waitUntil } from './helpers.js';

interface FakeMailbox {
  messages: Array<{ uid: number; source: Buffer }>;
  /** UIDs the next fetch silently leaves out (a server hiccup). */
  dropOnce: Set<number>;
  /** UIDs that disappear between listing and fetching. */
  expungeOnFetch: Set<number>;
  connects: number;
}

function fakeSession(box: FakeMailbox): ImapSession {
  const status = () => ({ uidValidity: '42', uidNext: (box.messages.at(-1)?.uid ?? 0) + 1, exists: box.messages.length });
  return {
    open: async () => status(),
    status: async () => status(),
    list: async (from) => box.messages.filter((m) => m.uid >= from).map((m) => ({ uid: m.uid, size: m.source.length })),
    searchSince: async () => box.messages.map((m) => m.uid),
    present: async (uids) => box.messages.filter((m) => uids.includes(m.uid)).map((m) => m.uid),
    searchSeen: async () => [],
    async *fetch(uids): AsyncIterable<ImapFetchedMessage> {
      for (const uid of box.expungeOnFetch) box.messages = box.messages.filter((m) => m.uid !== uid);
      box.expungeOnFetch.clear();
      const dropped = new Set(box.dropOnce);
      box.dropOnce.clear();
      for (const m of box.messages)
        if (uids.includes(m.uid) && !dropped.has(m.uid)) yield { uid: m.uid, size: m.source.length, source: m.source };
    },
    download: async () => undefined,
    markSeen: async () => undefined,
    move: async () => undefined,
    append: async () => undefined,
    createFolder: async () => undefined,
    idle: () => undefined,
    supportsIdle: () => false,
    onNewMail: () => undefined,
    onClose: () => undefined,
    close: async () => undefined,
  };
}

const noServer = {
  imapConfig: (extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: 1, user: 'support@help.test', password: 'x', ...extra }),
};

function setup(box: FakeMailbox) {
  const ctx = createFakeContext('support');
  ctx.stateMap.set('cursor:INBOX', { uidValidity: '42', lastUid: 0 });
  const definition = createEmailChannelDefinition({
    connectImap: async () => {
      box.connects++;
      return fakeSession(box);
    },
    reconnect: { baseMs: 20, maxMs: 50, factor: 2, jitter: 0, stableAfterMs: 60_000 },
  });
  const rt = definition.create(emailConfig(noServer, undefined, { imap: { pollIntervalSeconds: 5, afterIngest: 'none' } }), ctx);
  return { ctx, rt };
}

const mail = (subject: string): Buffer => buildMail({ messageId: uniqueId(), subject });

describe('IMAP source failure paths (scripted session)', () => {
  it('a message the server never hands over becomes a visible placeholder after a few tries; the folder moves on', async () => {
    const box: FakeMailbox = {
      messages: [1, 2, 3].map((uid) => ({ uid, source: mail(`m${uid}`) })),
      dropOnce: new Set(),
      expungeOnFetch: new Set(),
      connects: 0,
    };
    const session = fakeSession(box);
    const fetchAll = session.fetch.bind(session);
    session.fetch = (uids, maxLength) =>
      fetchAll(
        uids.filter((u) => u !== 2),
        maxLength,
      );
    const ctx = createFakeContext('support');
    ctx.stateMap.set('cursor:INBOX', { uidValidity: '42', lastUid: 0 });
    const rt = createEmailChannelDefinition({ connectImap: async () => session }).create(
      emailConfig(noServer, undefined, { imap: { afterIngest: 'none' } }),
      ctx,
    );
    await rt.source!.start();
    await waitUntil(() => ctx.ingested.length === 3, 5_000, 'three entries');
    await rt.source!.stop();
    expect(ctx.ingested.map((e) => e.message.subject ?? e.message.parseError)).toEqual([
      'm1',
      'the IMAP server did not return message UID 2 after 3 attempts',
      'm3',
    ]);
  });

  it('mail ingested but not flagged before a crash gets its \\Seen after the restart', async () => {
    const box: FakeMailbox = {
      messages: [1, 2].map((uid) => ({ uid, source: mail(`m${uid}`) })),
      dropOnce: new Set(),
      expungeOnFetch: new Set(),
      connects: 0,
    };
    const ctx = createFakeContext('support');
    ctx.stateMap.set('cursor:INBOX', { uidValidity: '42', lastUid: 0 });
    const config = emailConfig(noServer, undefined, { imap: { afterIngest: 'seen' } });
    // First run: both ingested, then the flagging never reaches the server (the process dies there).
    const dying = fakeSession(box);
    dying.markSeen = async () => {
      throw new Error('connection reset');
    };
    const first = createEmailChannelDefinition({ connectImap: async () => dying }).create(config, ctx);
    await first.source!.start();
    await waitUntil(() => ctx.ingested.length === 2, 5_000, 'two ingests');
    await first.source!.stop();
    expect(ctx.stateMap.get('cursor:INBOX')).toMatchObject({ lastUid: 2, unflagged: [1, 2] });

    // The restart flags them first; nothing is ingested twice.
    const flagged: number[][] = [];
    const healthy = fakeSession(box);
    healthy.markSeen = async (uids) => void flagged.push([...uids]);
    const second = createEmailChannelDefinition({ connectImap: async () => healthy }).create(config, ctx);
    await second.source!.start();
    await waitUntil(() => flagged.length > 0, 5_000, 'the flagging after the restart');
    await second.source!.stop();
    expect(flagged[0]).toEqual([1, 2]);
    expect(ctx.ingested).toHaveLength(2);
    expect(ctx.stateMap.get('cursor:INBOX')).not.toHaveProperty('unflagged');
  });

  it('a reply to our plus address proves its ticket even without any thread header', async () => {
    const ctx = createFakeContext('support');
    ctx.stateMap.set('cursor:INBOX', { uidValidity: '42', lastUid: 0 });
    const config = emailConfig(noServer, undefined, { imap: { afterIngest: 'none' }, replyTo: { mode: 'plus' } });
    const { createMessageIdSigner } = await import('../../channels/email/message-id.js');
    const plus = createMessageIdSigner(ctx.deriveKey('email-message-id'), 'help.test').plusAddress('support@help.test', 10077);
    const forged = 'support+10078.000000000000@help.test';
    const box: FakeMailbox = {
      messages: [
        { uid: 1, source: buildMail({ to: plus, subject: 'sem assunto' }) },
        { uid: 2, source: buildMail({ to: forged, subject: 'forjado' }) },
      ],
      dropOnce: new Set(),
      expungeOnFetch: new Set(),
      connects: 0,
    };
    const rt = createEmailChannelDefinition({ connectImap: async () => fakeSession(box) }).create(config, ctx);
    await rt.source!.start();
    await waitUntil(() => ctx.ingested.length === 2, 5_000, 'two ingests');
    await rt.source!.stop();
    expect(ctx.ingested[0]!.message.threadHints.signedTicketNumbers).toEqual([10077]);
    expect(ctx.ingested[1]!.message.threadHints.signedTicketNumbers).toEqual([]);
  });

  it('a blob store failure stores nothing and moves no cursor; the retry ingests the message once', async () => {
    const box: FakeMailbox = {
      messages: [
        { uid: 1, source: mail('one') },
        { uid: 2, source: mail('two') },
      ],
      dropOnce: new Set(),
      expungeOnFetch: new Set(),
      connects: 0,
    };
    const { ctx, rt } = setup(box);
    const real = ctx.blobs;
    let failures = 2;
    const flaky: BlobStore = {
      ...real,
      put: async (source, options) => {
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        return real.put(source, options);
      },
    };
    (ctx as { blobs: BlobStore }).blobs = flaky;
    await rt.source!.start();
    await waitUntil(() => ctx.ingested.length === 2, 5_000, 'both ingested after the disk recovers');
    await rt.source!.stop();
    expect(ctx.ingested.map((e) => e.message.subject)).toEqual(['one', 'two']);
    expect(ctx.stateMap.get('cursor:INBOX')).toMatchObject({ lastUid: 2 });
    expect(box.connects).toBeGreaterThan(1);
  });

  it('messages ingested together: one that fails holds the cursor before it, the retry takes it once and its neighbours exactly once', async () => {
    const box: FakeMailbox = {
      messages: [1, 2, 3, 4, 5].map((uid) => ({ uid, source: mail(`m${uid}`) })),
      dropOnce: new Set(),
      expungeOnFetch: new Set(),
      connects: 0,
    };
    const { ctx, rt } = setup(box);
    const realIngest = ctx.ingest.bind(ctx);
    const realSave = ctx.saveCheckpoint.bind(ctx);
    const attempts: string[] = [];
    let failOnce = true;
    // Every cursor saved, with whether m3 had committed by then.
    const saved: Array<{ lastUid: number; m3Committed: boolean }> = [];
    const m3Committed = (): boolean => ctx.ingested.some((e) => e.message.subject === 'm3');
    (ctx as { ingest: typeof ctx.ingest }).ingest = async (env) => {
      attempts.push(env.message.subject ?? '');
      if (env.message.subject === 'm3' && failOnce) {
        failOnce = false;
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      }
      const out = await realIngest(env);
      if (env.checkpoint) saved.push({ lastUid: (env.checkpoint.value as { lastUid: number }).lastUid, m3Committed: m3Committed() });
      return out;
    };
    (ctx as { saveCheckpoint: typeof ctx.saveCheckpoint }).saveCheckpoint = async (key, value) => {
      saved.push({ lastUid: (value as { lastUid: number }).lastUid, m3Committed: m3Committed() });
      return realSave(key, value);
    };
    await rt.source!.start();
    await waitUntil(() => (ctx.stateMap.get('cursor:INBOX') as { lastUid: number }).lastUid === 5, 5_000, 'cursor at the last UID');
    await rt.source!.stop();
    // Tried in UID order up to m3; neighbours committed in m3's group (how many depends on which
    // were prepared when the group formed) come back as duplicates, the rest on the retry.
    expect(attempts.slice(0, 3)).toEqual(['m1', 'm2', 'm3']);
    expect(attempts.slice(attempts.lastIndexOf('m3'))).toEqual(['m3', 'm4', 'm5']);
    // Each message stored exactly once (the redelivered neighbours were duplicates).
    expect(ctx.ingested.map((e) => e.message.subject).sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(attempts.filter((a) => a === 'm3')).toHaveLength(2);
    // The cursor never passed m3 before m3 itself had committed.
    expect(saved.filter((c) => c.lastUid >= 3 && !c.m3Committed)).toEqual([]);
    expect(saved.some((c) => c.lastUid === 2 && !c.m3Committed)).toBe(true);
  });

  it('a fetch that ends short is retried instead of skipping the message', async () => {
    const box: FakeMailbox = {
      messages: [1, 2, 3].map((uid) => ({ uid, source: mail(`m${uid}`) })),
      dropOnce: new Set([2]),
      expungeOnFetch: new Set(),
      connects: 0,
    };
    const { ctx, rt } = setup(box);
    await rt.source!.start();
    await waitUntil(() => ctx.ingested.length === 3, 5_000, 'all three');
    await rt.source!.stop();
    expect(ctx.ingested.map((e) => e.message.subject).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(new Set(ctx.ingested.map((e) => e.message.externalId)).size).toBe(3);
  });

  it('a message expunged between listing and fetching does not hold the cursor back', async () => {
    const box: FakeMailbox = {
      messages: [1, 2, 3].map((uid) => ({ uid, source: mail(`m${uid}`) })),
      dropOnce: new Set(),
      expungeOnFetch: new Set([3]),
      connects: 0,
    };
    const { ctx, rt } = setup(box);
    await rt.source!.start();
    await waitUntil(() => (ctx.stateMap.get('cursor:INBOX') as { lastUid: number }).lastUid === 3, 5_000, 'cursor past the expunged UID');
    await rt.source!.stop();
    expect(ctx.ingested.map((e) => e.message.subject)).toEqual(['m1', 'm2']);
  });
});
