import { emailChannelConfigSchema, senderProofSummary } from './config.js';

const base = {
  id: 'support',
  kind: 'email',
  addresses: ['Support@Help.test'],
  imap: { host: 'imap.help.test', user: 'u', password: 'p' },
  smtp: { host: 'smtp.help.test' },
};

describe('email channel config: sender proof options', () => {
  it('defaults trust nothing and check nothing; the old mailbox cap is gone', () => {
    const c = emailChannelConfigSchema.parse(base);
    expect(c.trustedAuthservIds).toEqual([]);
    expect(c.verifyAuthentication).toBe(false);
    expect(c).not.toHaveProperty('automaticMailCapPerHour');
  });

  it('takes host names, "*." wildcards and (none), lower-cased', () => {
    expect(
      emailChannelConfigSchema.parse({ ...base, trustedAuthservIds: ['MX.Google.com', '*.messagingengine.com', '(none)'] })
        .trustedAuthservIds,
    ).toEqual(['mx.google.com', '*.messagingengine.com', '(none)']);
  });

  it.each([['mx google com'], ['*'], [''], ['mx.google.com;'], ['evil.example; dmarc=pass']])(
    'refuses %j with the path of the entry',
    (bad) => {
      const r = emailChannelConfigSchema.safeParse({ ...base, trustedAuthservIds: [bad] });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['trustedAuthservIds', 0]);
    },
  );

  it('email check says how agents are proven, and warns when the From domain is never checked', () => {
    expect(senderProofSummary({ trustedAuthservIds: [], verifyAuthentication: false })).toMatchObject({ warn: true });
    expect(senderProofSummary({ trustedAuthservIds: ['mx.google.com'], verifyAuthentication: false })).toEqual({
      warn: false,
      text: "agents' mail: the notification token proves the agent; a DMARC/DKIM/SPF failure reported by Authentication-Results of mx.google.com refuses it",
    });
    expect(senderProofSummary({ trustedAuthservIds: [], verifyAuthentication: true }).text).toContain('our own DKIM/DMARC check');
  });
});

describe('a send-only email channel (SMTP, no IMAP)', () => {
  it('needs no IMAP section: it sends and fetches nothing', async () => {
    const { imap: _none, ...sendOnly } = base;
    const c = emailChannelConfigSchema.parse(sendOnly);
    expect(c.imap).toBeUndefined();
    const { emailChannel } = await import('./index.js');
    const { createFakeContext } = await import('../../test/support/fake-context.js');
    expect(emailChannel.capabilities(c)).toMatchObject({ inbound: 'none', canSend: true, deliversTo: ['email'] });
    const rt = emailChannel.create(c, createFakeContext('support'));
    expect(rt.source).toBeUndefined();
    expect(rt.sender).toBeDefined();
  });
});

describe('email channel config: parse pool settings', () => {
  it('defaults to a 10 s budget, the pool picks its own thread count, no heap limit', async () => {
    const c = emailChannelConfigSchema.parse(base);
    expect(c.parse).toEqual({ timeBudgetMs: 10_000 });
    const { parsePoolOptionsFor } = await import('./index.js');
    expect(parsePoolOptionsFor(c)).toEqual({ budgetMs: 10_000 });
  });

  it('passes workers, budget and heap limit to the pool', async () => {
    const c = emailChannelConfigSchema.parse({ ...base, parse: { workers: 3, timeBudgetMs: 2_000, workerHeapMB: 256 } });
    const { parsePoolOptionsFor } = await import('./index.js');
    expect(parsePoolOptionsFor(c)).toEqual({ size: 3, budgetMs: 2_000, workerHeapMB: 256 });
  });

  it.each([
    [{ workers: 0 }, ['parse', 'workers'], 'parse.workers must be at least 1'],
    [{ workers: 1.5 }, ['parse', 'workers'], undefined],
    [{ workers: 'two' }, ['parse', 'workers'], 'parse.workers must be a whole number of processes (1-16)'],
    [{ timeBudgetMs: 10 }, ['parse', 'timeBudgetMs'], 'parse.timeBudgetMs must be at least 500 (ms)'],
    [{ workerHeapMB: 16 }, ['parse', 'workerHeapMB'], 'parse.workerHeapMB must be at least 64'],
  ])('refuses %j with its path and a clear message', (parse, path, message) => {
    const r = emailChannelConfigSchema.safeParse({ ...base, parse });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(path);
    if (message) expect(r.error?.issues[0]?.message).toBe(message);
  });
});
