/**
 * The channel contract (ARCHITECTURE.md "The channel contract"), as checks every channel kind in
 * channels/index.ts runs. Each kind has a driver here that knows only its public entry points:
 * a configured channel reaching loopback services, the test seam for its third-party library
 * (Baileys' fake socket), how to deliver one inbound message through its own entry, and how to
 * drive its sender into failure. A kind without a driver fails the suite.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import type { ChannelContext, ChannelDefinition, ChannelRuntime, IngestOutcome, OutboundMessage } from '../../src/channel/contract.js';
import { channelDefinitions } from '../../channels/index.js';
import { deliver } from '../whatsapp/fake-socket.js';
import { loadFixture } from '../whatsapp/fixtures.js';
import { APP_SECRET, loadCloudFixture, PHONE_NUMBER_ID } from '../whatsapp/cloud-fixtures.js';
import { STUB_TOKEN, type GraphStub } from '../whatsapp/cloud-graph-stub.js';
import { whatsappDefinitionForTests } from '../whatsapp/harness.js';
import { outboundMessage } from '../support/outbound-message.js';

export interface ContractEnv {
  /** A loopback port nothing listens on. */
  closedPort: number;
  graph: GraphStub;
}

export interface FailingSend {
  what: string;
  message: OutboundMessage;
  /** Puts the channel in the state that makes this send fail (after create, before send). */
  arrange?(runtime: ChannelRuntime): Promise<void> | void;
}

export interface ContractDriver {
  kind: string;
  /** The definition the contract drives: the production one, or with its library's test seam. */
  definition(): ChannelDefinition<any>;
  /** One configured channel of this kind (the whole entry), reaching only loopback services. */
  config(id: string, env: ContractEnv): Record<string, unknown>;
  /** Sends that must fail with a ChannelError (none for kinds that cannot send). */
  failingSends(env: ContractEnv): FailingSend[];
  /**
   * Delivers the same inbound message through the channel's own entry (HTTP for push kinds, the
   * library's events for socket kinds), as the provider would redeliver it. Undefined: the kind
   * needs a service this suite does not run (said in the report of the test).
   */
  deliver?(target: { baseUrl: string; runtime: ChannelRuntime }): Promise<void>;
}

export async function closedLoopbackPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Wraps a definition so every ingest outcome of the channels it creates is recorded, whether the
 * adapter ingests through `ctx.ingest` or through a lease fence (`ctx.leases.fence().ingest`).
 */
export function recordingDefinition(definition: ChannelDefinition<any>, outcomes: IngestOutcome[]): ChannelDefinition<any> {
  const recorded =
    (ingest: ChannelContext['ingest']): ChannelContext['ingest'] =>
    async (envelope) => {
      const outcome = await ingest(envelope);
      outcomes.push(outcome);
      return outcome;
    };
  return {
    ...definition,
    create: (config, context) =>
      definition.create(config, {
        ...context,
        ingest: recorded(context.ingest),
        leases: {
          ...context.leases,
          fence: (name, epoch) => {
            const fenced = context.leases.fence(name, epoch);
            return {
              state: fenced.state,
              saveCheckpoint: (k, v) => fenced.saveCheckpoint(k, v),
              ingest: recorded((e) => fenced.ingest(e)),
            };
          },
        },
      }),
  };
}

const production = (kind: string): ChannelDefinition<any> => {
  const d = channelDefinitions.find((x) => x.kind === kind);
  if (!d) throw new Error(`channels/index.ts lists no ${kind} channel`);
  return d;
};

const baileysFactory = () => whatsappDefinitionForTests();

/** The Baileys kind runs on the fake socket: one factory per created definition. */
const baileysSeams = new WeakMap<ChannelRuntime, ReturnType<typeof baileysFactory>['factory']>();

export const drivers: ContractDriver[] = [
  {
    kind: 'email',
    definition: () => production('email'),
    config: (id, env) => ({
      id,
      kind: 'email',
      addresses: ['support@help.test'],
      imap: {
        host: '127.0.0.1',
        port: env.closedPort,
        secure: false,
        starttls: false,
        user: 'support',
        password: 'imap-pass-0',
        pollIntervalSeconds: 5,
      },
      smtp: { host: '127.0.0.1', port: env.closedPort, secure: false, starttls: false },
    }),
    failingSends: () => [
      {
        what: 'SMTP server not listening',
        message: outboundMessage({ channelId: 'email', recipient: { kind: 'email', address: 'maria@customer.test' } }),
      },
      { what: 'a WhatsApp recipient', message: outboundMessage({ channelId: 'email' }) },
    ],
  },
  {
    kind: 'whatsapp',
    definition: () => {
      const { factory, definition } = baileysFactory();
      return {
        ...definition,
        create: (config: any, context: any) => {
          const runtime = definition.create(config, context);
          baileysSeams.set(runtime, factory);
          return runtime;
        },
      };
    },
    config: (id) => ({ id, kind: 'whatsapp', locale: 'pt-BR' }),
    failingSends: () => [
      { what: 'the number is not connected', message: outboundMessage({ channelId: 'wa' }) },
      {
        what: 'an email recipient',
        message: outboundMessage({ channelId: 'wa', recipient: { kind: 'email', address: 'maria@customer.test' } }),
      },
    ],
    async deliver({ runtime }) {
      const factory = baileysSeams.get(runtime);
      if (!factory) throw new Error('the Baileys runtime was not created by this driver');
      if (factory.sockets.length === 0) throw new Error('no socket: start() the source first');
      const sock = factory.latest();
      if (!sock.ended) sock.open();
      await deliver(sock, 'messages.upsert', structuredClone(loadFixture('baileys-upsert-text-conversation').payload));
    },
  },
  {
    kind: 'whatsapp-cloud',
    definition: () => production('whatsapp-cloud'),
    config: (id, env) => ({
      id,
      kind: 'whatsapp-cloud',
      locale: 'pt-BR',
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: STUB_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: 'aurora-verify-7f3c9e',
      graphBaseUrl: env.graph.baseUrl,
      graphVersion: 'v21.0',
    }),
    failingSends: (env) => [
      {
        what: 'Graph refuses the recipient (131026)',
        message: outboundMessage({
          channelId: 'cloud',
          recipient: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
          recipientLastInboundAt: Date.now() - 60_000,
        }),
        arrange: () =>
          env.graph.failNext('send', {
            status: 400,
            body: { error: { message: 'Message undeliverable', type: 'OAuthException', code: 131026, fbtrace_id: 'AbC' } },
          }),
      },
      {
        what: 'Graph answers 503',
        message: outboundMessage({
          channelId: 'cloud',
          recipient: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
          recipientLastInboundAt: Date.now() - 60_000,
        }),
        arrange: () => env.graph.failNext('send', { status: 503, body: 'unavailable' }),
      },
      {
        what: 'an email recipient',
        message: outboundMessage({ channelId: 'cloud', recipient: { kind: 'email', address: 'maria@customer.test' } }),
      },
    ],
    async deliver({ baseUrl, runtime }) {
      const raw: string = loadCloudFixture('cloud-text').request.rawBody;
      const signature = 'sha256=' + createHmac('sha256', APP_SECRET).update(raw).digest('hex');
      const res = await fetch(baseUrl + runtime.http!.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body: raw,
      });
      await res.text();
      if (res.status !== 200) throw new Error(`the Cloud webhook answered ${res.status}`);
    },
  },
  {
    kind: 'webform',
    definition: () => production('webform'),
    config: (id) => ({
      id,
      kind: 'webform',
      mode: 'signed',
      secret: 'form-secret-0123456789abcdef',
      origin: 'site form',
      replyVia: 'support',
      fields: { nome: 'name', email: 'email', mensagem: 'message' },
    }),
    failingSends: () => [],
    async deliver({ baseUrl, runtime }) {
      const body = JSON.stringify({ nome: 'Maria da Silva', email: 'maria@customer.test', mensagem: 'Meu pedido não chegou.' });
      const ts = Math.floor(Date.now() / 1000);
      const signature = 'sha256=' + createHmac('sha256', 'form-secret-0123456789abcdef').update(`${ts}.${body}`).digest('hex');
      const res = await fetch(baseUrl + runtime.http!.path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ponte-timestamp': String(ts),
          'x-ponte-signature': signature,
          'idempotency-key': 'contract-submission-1',
        },
        body,
      });
      await res.text();
      if (res.status >= 300) throw new Error(`the form answered ${res.status}`);
    },
  },
];
