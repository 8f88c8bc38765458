/** Drives the WhatsApp channel runtime with a fake socket and plays fixtures into it. */
import type { ChannelContext } from '../../src/channel/contract.js';
import { createWhatsappChannelDefinition, type WhatsappRuntime } from '../../channels/whatsapp/index.js';
import type { WhatsappConfigInput } from '../../channels/whatsapp/whatsapp-config.js';
import { createFakeSocketFactory, deliver, fakeAuthToolkit, type FakeWaSocket } from './fake-socket.js';
import type { Fixture } from './fixtures.js';

export interface Harness {
  runtime: WhatsappRuntime;
  factory: ReturnType<typeof createFakeSocketFactory>;
  sock(): FakeWaSocket;
  idle(): Promise<void>;
  play(fixture: Fixture): Promise<void>;
}

export function whatsappDefinitionForTests(factory = createFakeSocketFactory()) {
  return {
    factory,
    definition: createWhatsappChannelDefinition({ makeSocket: factory.makeSocket, authToolkit: fakeAuthToolkit, random: () => 0.5 }),
  };
}

export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startHarness(
  ctx: ChannelContext,
  config: Partial<WhatsappConfigInput> = {},
  options: { open?: boolean; factory?: ReturnType<typeof createFakeSocketFactory> } = {},
): Promise<Harness> {
  const { factory, definition } = whatsappDefinitionForTests(options.factory);
  const parsed = definition.configSchema.parse({ id: ctx.channelId, kind: 'whatsapp', locale: 'pt-BR', ...config });
  const runtime = definition.create(parsed, ctx);
  await runtime.source.start();
  const idle = () => runtime.connection.idle();
  if (options.open !== false) {
    factory.latest().open();
    await idle();
  }
  return {
    runtime,
    factory,
    sock: () => factory.latest(),
    idle,
    async play(fixture) {
      const event: string = fixture._fixture.event;
      if (Array.isArray(fixture.events)) {
        for (const e of fixture.events) await emitOne(e.event && e.payload !== undefined ? e.event : 'connection.update', e.payload ?? e);
      } else if (Array.isArray(fixture.cases)) {
        for (const c of fixture.cases) await emitOne('connection.update', c.update);
      } else {
        await emitOne(event, fixture.payload);
      }
    },
  };

  async function emitOne(event: string, payload: unknown): Promise<void> {
    const before = factory.sockets.length;
    await deliver(factory.latest(), event, structuredClone(payload));
    await runtime.connection.idle();
    const close = event === 'connection.update' && (payload as { connection?: string }).connection === 'close';
    const status = (payload as { lastDisconnect?: { error?: { output?: { statusCode?: number } } } }).lastDisconnect?.error?.output
      ?.statusCode;
    if (close && status === 515) await waitFor(() => factory.sockets.length > before, 2000, 'the socket to be recreated after 515');
  }
}
