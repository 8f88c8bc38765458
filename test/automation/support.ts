/** Shared setup for the automation tests: the whole app on SQLite with a clock the test moves. */
import type { IngestOutcome, OutboundMessage } from '../../src/channel/contract.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';

export const HOUR = 3_600_000;

export interface AutomationTestApp extends TestApp {
  mail: ReturnType<typeof createTestChannelDefinition>;
  chat: ReturnType<typeof createTestChannelDefinition>;
  /** Moves the clock. */
  setNow(t: number): void;
  advance(ms: number): void;
  now(): number;
  /** Everything the channels were asked to send so far, across channels. */
  sent(): OutboundMessage[];
  sentTo(address: string): OutboundMessage[];
  /** Ingests on `mail` as an email customer. */
  email(from: string, externalId: string, over?: Record<string, unknown>): Promise<IngestOutcome>;
  /** Ingests on `zap` as a WhatsApp customer (JID and phone alias). */
  whatsapp(phone: string, externalId: string, text: string, over?: Record<string, unknown>): Promise<IngestOutcome>;
}

/** `mail` (email threading) and `zap` (chat) test channels, pt-BR, the given automation config. */
export async function startAutomationApp(
  config: Record<string, unknown>,
  start = Date.parse('2026-11-18T15:00:00Z'),
  database: 'sqlite' | 'postgres' = 'sqlite',
  /** Extra options of the `zap` channel (resumeWindowHours, knownContactsOnly …). */
  zapOptions: Record<string, unknown> = {},
): Promise<AutomationTestApp> {
  const mail = createTestChannelDefinition('test', 'email', ['email', 'phone']);
  const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);
  let now = start;
  const t = await startTestApp({
    definitions: [mail.definition, chat.definition],
    channels: [
      { id: 'mail', kind: 'test', locale: 'pt-BR' },
      { id: 'zap', kind: 'testchat', locale: 'pt-BR', ...zapOptions },
    ],
    config,
    database,
    clock: { now: () => now },
  });
  const sent = () => [...mail.outbox('mail').sent, ...chat.outbox('zap').sent];
  const stopApp = t.stop.bind(t);
  return Object.assign(t, {
    // startTestApp's stop drops a PostgreSQL test database WITH (FORCE) right after the pool
    // ends; a socket still closing then emits an unhandled 57P01. Close first, then drop.
    async stop() {
      if (database === 'postgres') {
        await t.app.stop();
        await new Promise((r) => setTimeout(r, 100));
      }
      await stopApp();
    },
    mail,
    chat,
    setNow: (v: number) => void (now = v),
    advance: (ms: number) => void (now += ms),
    now: () => now,
    sent,
    sentTo: (address: string) => sent().filter((m) => m.recipient.address === address),
    email: (from: string, externalId: string, over: Record<string, unknown> = {}) =>
      t.context('mail').ingest({
        message: {
          externalId,
          from: { kind: 'email', address: from },
          subject: 'Pedido 10482 atrasado',
          text: 'Meu pedido não chegou.',
          ...over,
        },
      }),
    whatsapp: (phone: string, externalId: string, text: string, over: Record<string, unknown> = {}) =>
      t.context('zap').ingest({
        // WhatsApp proves the sender's phone (as the real adapters declare).
        message: {
          externalId,
          from: { kind: 'whatsapp', address: `${phone.slice(1)}@s.whatsapp.net`, displayName: 'Maria' },
          fromAliases: [{ kind: 'phone', address: phone }],
          proof: { level: 'channel' },
          text,
          ...over,
        },
      }),
  }) as AutomationTestApp;
}
