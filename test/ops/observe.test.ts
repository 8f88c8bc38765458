/**
 * Observing a running gateway as an admin does: one info line per domain event (and no
 * over-masking), /healthz degraded with the reason when a channel cannot log in or send,
 * /readyz separate from liveness, /metrics in Prometheus format.
 */
import { Writable } from 'node:stream';
import { z } from 'zod';
import { defineChannel } from '../../src/channel/contract.js';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { ChannelError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

// A mailbox whose server refuses the password (what the IMAP source reports in that case).
const refusingSchema = baseChannelConfigSchema.extend({ kind: z.literal('refusing') });
const refusing = defineChannel<z.infer<typeof refusingSchema>>({
  kind: 'refusing',
  configSchema: refusingSchema,
  capabilities: () => ({ inbound: 'pull', canSend: false, threading: 'email', deliversTo: [] }),
  replyVia: () => 'mail',
  create: () => ({
    source: {
      start: async () => {},
      stop: async () => {},
      health: () => ({ state: 'auth_failed', lastError: 'INBOX: the server refused the credentials (AUTHENTICATIONFAILED)' }),
    },
  }),
});

describe('observing the gateway', () => {
  const test_ = createTestChannelDefinition('test', 'email');
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      definitions: [test_.definition, refusing],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'box', kind: 'refusing' },
      ],
      logger: createLogger({ level: 'info', secrets: ['S3nha-Do-Imap'], destination: sink }),
    });
  });
  afterAll(() => t.stop());
  const messages = () => lines.map((l) => l.msg);

  test('one info line per domain event: ticket created, message received, reply queued and sent, status changed', async () => {
    const created = await t.context('mail').ingest({
      message: {
        externalId: '<ops-1@example.com>',
        from: { kind: 'email', address: 'ana@example.com' },
        subject: 'information please',
        text: 'Preciso de information',
      },
    });
    expect(created.status).toBe('created');
    const number = (created as { ticketNumber: number }).ticketNumber;
    await t.context('mail').ingest({
      message: {
        externalId: '<ops-2@example.com>',
        from: { kind: 'email', address: 'ana@example.com' },
        subject: 'Re: information please',
        text: 'mais',
        threadHints: { references: ['<ops-1@example.com>'] },
      },
    });
    expect((await t.api('POST', `/api/tickets/${number}/replies`, { body: 'Olá Ana' })).status).toBe(202);
    await t.drainOutbox();
    expect((await t.api('PATCH', `/api/tickets/${number}`, { status: 'solved' })).status).toBe(200);

    const ticketCreated = lines.find((l) => l.msg === 'ticket created');
    expect(ticketCreated).toMatchObject({ level: 30, channel: 'mail', ticket: number });
    expect(lines.find((l) => l.msg === 'message received')).toMatchObject({
      channel: 'mail',
      ticket: number,
      matchedBy: expect.any(String),
    });
    expect(lines.find((l) => l.msg === 'reply queued')).toMatchObject({ ticket: number });
    expect(lines.find((l) => l.msg === 'message sent' && l.purpose === 'reply')).toMatchObject({ channel: 'mail', ticket: number });
    expect(lines.find((l) => l.msg === 'ticket status changed' && l.to === 'solved')).toMatchObject({ ticket: number, actor: 'agent' });
    // Message text never goes to the log; ordinary words are not masked as secrets.
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain('Preciso de');
    expect(all).not.toContain('rmation');
  });

  test('a channel whose login is refused makes /healthz degraded with the reason, the gateway stays ready', async () => {
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'degraded',
      reasons: ['channel box: auth_failed (INBOX: the server refused the credentials (AUTHENTICATIONFAILED))'],
      channels: { mail: 'ok', box: 'auth_failed' },
    });
    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, status: 'degraded', database: 'ok', pendingMigrations: [] });
  });

  test('a send that fails shows in health until a send succeeds', async () => {
    const created = await t.context('mail').ingest({
      message: { externalId: '<ops-3@example.com>', from: { kind: 'email', address: 'bia@example.com' }, subject: 'Oi', text: 'oi' },
    });
    const number = (created as { ticketNumber: number }).ticketNumber;
    await t.drainOutbox(); // earlier notices: only the reply below is queued
    test_.outbox('mail').failures.push(new ChannelError('network', 'connect ECONNREFUSED 127.0.0.1:2525', true));
    expect((await t.api('POST', `/api/tickets/${number}/replies`, { body: 'resposta' })).status).toBe(202);
    expect(await t.app.dispatcher.runOnce()).toEqual({ sent: 0, failed: 0, retried: 1 });
    const body = (await (await fetch(`${t.baseUrl}/healthz`)).json()) as { reasons: string[] };
    expect(body.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^channel mail: sending fails since .* \(network: connect ECONNREFUSED 127\.0\.0\.1:2525; 1 attempt\(s\)\)$/),
      ]),
    );
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^ponte_sends_total\{channel="mail",result="retry"\} 1$/m);
    expect(metrics).toMatch(/^ponte_outbox_depth 1$/m);
    expect(metrics).toMatch(/^ponte_outbox_oldest_age_seconds \d/m);
  });

  test('/metrics: messages in per channel and outcome, ingest latency, sends, channel states', async () => {
    await t.context('mail').ingest({
      message: {
        externalId: '<ops-1@example.com>',
        from: { kind: 'email', address: 'ana@example.com' },
        subject: 'information please',
        text: 'again',
      },
    });
    const r = await fetch(`${t.baseUrl}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toMatch(/^ponte_messages_in_total\{channel="mail",outcome="created"\} 2$/m);
    expect(text).toMatch(/^ponte_messages_in_total\{channel="mail",outcome="appended"\} 1$/m);
    expect(text).toMatch(/^ponte_messages_in_total\{channel="mail",outcome="duplicate"\} 1$/m);
    expect(text).toMatch(/^ponte_ingest_duration_seconds_count\{channel="mail"\} 4$/m);
    expect(text).toMatch(/^ponte_sends_total\{channel="mail",result="sent"\} \d+$/m);
    expect(text).toMatch(/^ponte_channel_state\{channel="box",kind="refusing",state="auth_failed"\} 1$/m);
    expect(text).toMatch(/^ponte_channel_up\{channel="box",kind="refusing"\} 0$/m);
  });

  test('secret masking covers only secret values', () => {
    const out: string[] = [];
    const logger = createLogger({ level: 'info', secrets: ['S3nha-Do-Imap'], destination: { write: (s: string) => void out.push(s) } });
    logger.info({ host: 'imap.loja.example', ip: '10.0.0.7', detail: 'information' }, 'login failed for S3nha-Do-Imap');
    expect(out.join('')).toContain('"host":"imap.loja.example"');
    expect(out.join('')).toContain('"ip":"10.0.0.7"');
    expect(out.join('')).toContain('"detail":"information"');
    expect(out.join('')).toContain('login failed for [REDACTED]');
  });

  test('a terminal gets pretty lines, still masked; anything else gets JSON', () => {
    const tty: string[] = [];
    const logger = createLogger({
      level: 'info',
      secrets: ['S3nha-Do-Imap'],
      pretty: 'auto',
      destination: { isTTY: true, write: (s: string) => void tty.push(s) },
    });
    logger.info({ ticket: 10001, password: 'S3nha-Do-Imap' }, 'ticket created');
    expect(tty.join('')).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] .*INFO.*ticket created/);
    expect(tty.join('')).not.toContain('S3nha-Do-Imap');
    expect(() => JSON.parse(tty.join(''))).toThrow();
    const pipe: string[] = [];
    createLogger({
      level: 'info',
      secrets: [],
      pretty: 'auto',
      destination: { isTTY: false, write: (s: string) => void pipe.push(s) },
    }).info({ ticket: 10001 }, 'ticket created');
    expect(JSON.parse(pipe.join(''))).toMatchObject({ level: 30, ticket: 10001, msg: 'ticket created' });
  });
});
