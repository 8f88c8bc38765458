/** `ponte whatsapp pair <channel>` against the runtime with a fake socket: QR, pairing code, linked. */
import { Command } from 'commander';
import { registerWhatsappCli } from '../../channels/whatsapp/cli.js';
import { createFakeContext } from '../support/fake-context.js';
import { ME } from './fake-socket.js';
import { waitFor, whatsappDefinitionForTests } from './harness.js';

const QR = 'https://wa.me/settings/linked_devices#2@yySv5MAEdgasxePPs1XWduIXRR9xX9UUkNkG9esutNn,7WzCtHGNyvOliKYJWsy98SSPsVf1,1';

async function pair(
  config: Record<string, unknown>,
  drive: (f: ReturnType<typeof whatsappDefinitionForTests>['factory']) => Promise<void>,
) {
  const { factory, definition } = whatsappDefinitionForTests();
  const ctx = createFakeContext('wa');
  const runtime = definition.create(definition.configSchema.parse({ id: 'wa', kind: 'whatsapp', ...config }), ctx);
  let output = '';
  let closed = false;
  const program = new Command().exitOverride();
  registerWhatsappCli(program, {
    openChannel: async () => ({
      kind: 'whatsapp',
      runtime,
      close: async () => {
        await runtime.source.stop();
        closed = true;
      },
    }),
    out: { write: (s: string) => (output += s) },
    pollMs: 10,
  });
  const run = program.parseAsync(['node', 'ponte', 'whatsapp', 'pair', 'wa', '--timeout', '5']);
  await drive(factory);
  await run;
  const code = process.exitCode;
  process.exitCode = undefined;
  return { output, code, closed, ctx, factory };
}

describe('ponte whatsapp pair', () => {
  test('renders the QR in the terminal, then reports the linked account', async () => {
    const r = await pair({}, async (factory) => {
      await waitFor(() => factory.sockets.length === 1, 2000, 'socket');
      factory.latest().emit('connection.update', { connection: 'connecting' });
      factory.latest().emit('connection.update', { qr: QR });
      await new Promise((res) => setTimeout(res, 50));
      factory.latest().emit('creds.update', { me: ME, registered: true });
      factory.latest().emit('connection.update', { isNewLogin: true, qr: null });
      factory.latest().emit('connection.update', {
        connection: 'close',
        lastDisconnect: { error: { message: 'Stream Errored (restart required)', output: { statusCode: 515 } } },
      });
      await waitFor(() => factory.sockets.length === 2, 2000, 'socket after 515');
      factory.latest().emit('connection.update', { connection: 'open' });
    });
    expect(r.output).toContain('Linked devices');
    expect(r.output).toMatch(/[█▀▄]/); // the terminal QR
    expect(r.output).toContain('Linked as 5511912345678@s.whatsapp.net');
    expect(r.code).toBe(0);
    expect(r.closed).toBe(true);
    expect(typeof r.ctx.stateMap.get('auth:creds')).toBe('string');
  });

  test('prints a pairing code when the channel has a phone number; an unscanned QR ends with exit 1', async () => {
    const r = await pair({ phoneNumber: '+5511912345678' }, async (factory) => {
      await waitFor(() => factory.sockets.length === 1, 2000, 'socket');
      factory.latest().emit('connection.update', { qr: QR });
      await new Promise((res) => setTimeout(res, 50));
      factory.latest().emit('connection.update', {
        connection: 'close',
        lastDisconnect: { error: { message: 'QR refs attempts ended', output: { statusCode: 408 } } },
      });
    });
    expect(r.factory.sockets[0]!.pairingCodeRequests).toEqual(['5511912345678']);
    expect(r.output).toContain('ABCD1234');
    expect(r.output).toContain('Pairing stopped: QR expired unscanned');
    expect(r.code).toBe(1);
  });

  test('the phone started linking but WhatsApp wants a passkey: the explanation, exit 1, no "run again"', async () => {
    const r = await pair({}, async (factory) => {
      await waitFor(() => factory.sockets.length === 1, 2000, 'socket');
      factory.latest().emit('connection.update', { qr: QR });
      await new Promise((res) => setTimeout(res, 50));
      factory.latest().emit('connection.update', { linkingNotice: 'companion_reg_refresh' });
      factory.latest().emit('connection.update', {
        connection: 'close',
        lastDisconnect: { error: { message: 'QR refs attempts ended', output: { statusCode: 408 } } },
      });
    });
    expect(r.output).toContain('Pairing stopped: WhatsApp did not finish linking this device after the phone started.');
    expect(r.output).toContain('connect this number through the WhatsApp Cloud API channel');
    expect(r.output).not.toContain('Run the command again');
    expect(r.code).toBe(1);
    expect(r.factory.sockets).toHaveLength(1);
  });
});
