/**
 * `ponte whatsapp pair <channel>`: connects the number from this terminal, renders the QR (or
 * prints the pairing code when the channel has `phoneNumber`), and exits once WhatsApp says the
 * device is linked. The credentials land in the database, so the gateway resumes with them.
 *
 * The number's lease means only one process can hold the socket: when the running gateway has
 * it, pair through `GET /api/channels/<id>/pairing?format=svg` instead.
 */
import type { Command } from 'commander';
import QRCode from 'qrcode';
import type { ChannelRuntime, PairingInfo } from '../../src/channel/contract.js';

export interface OpenedChannel {
  kind: string;
  runtime: ChannelRuntime;
  /** Stops the source and releases what `openChannel` opened (database, lease). */
  close(): Promise<void>;
}

export interface WhatsappCliDeps {
  /** Builds the configured channel with a real context (database state, lease), without the HTTP server. Does not start it. */
  openChannel(channelId: string): Promise<OpenedChannel>;
  out?: { write(text: string): unknown };
  renderQr?: (qr: string) => Promise<string>;
  pollMs?: number;
}

export interface PairingOptions {
  out: { write(text: string): unknown };
  renderQr: (qr: string) => Promise<string>;
  timeoutMs: number;
  pollMs: number;
}

export const renderTerminalQr = (qr: string): Promise<string> => QRCode.toString(qr, { type: 'terminal', small: true });

/** Drives a started runtime until it is linked (0), gives up (1) or times out (1). */
export async function runPairing(runtime: ChannelRuntime, channelId: string, options: PairingOptions): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let shownQr: string | undefined;
  let shownCode: string | undefined;
  let seenActivity = false;
  let lastStatus = '';
  for (;;) {
    const info: PairingInfo | undefined = runtime.pairing?.();
    const health = runtime.source?.health();
    const status =
      health?.state === 'backing_off'
        ? `Cannot reach WhatsApp (${health.lastError ?? 'unknown'}); retrying at ${String(health.detail?.nextAttemptAt ?? '?')}`
        : health?.state === 'connecting'
          ? 'Connecting to WhatsApp…'
          : '';
    if (status && status !== lastStatus) options.out.write(`${status}\n`);
    lastStatus = status;
    // `undecryptable` is a connected number whose older sessions are broken: linked all the same.
    if (info?.state === 'connected' || health?.state === 'connected' || health?.state === 'undecryptable') {
      const account = health?.detail?.account;
      options.out.write(`\nLinked${account ? ` as ${String(account)}` : ''}. The gateway will use these credentials.\n`);
      return 0;
    }
    if (info?.qr && info.qr !== shownQr) {
      shownQr = info.qr;
      seenActivity = true;
      options.out.write(`\nScan with WhatsApp on the business phone: Settings > Linked devices > Link a device\n`);
      options.out.write(await options.renderQr(info.qr));
    }
    if (info?.pairingCode && info.pairingCode !== shownCode) {
      shownCode = info.pairingCode;
      seenActivity = true;
      options.out.write(`\nOr tap "Link with phone number instead" and enter: ${info.pairingCode}\n`);
    }
    const state = health?.state;
    if (state === 'passkey_required') {
      // Another QR or code ends at the same gate: say why instead of "run again".
      options.out.write(`\nPairing stopped: ${health?.lastError ?? state}\n`);
      return 1;
    }
    if (state === 'stopped' || state === 'logged_out' || (state === 'needs_pairing' && !info?.qr && !info?.pairingCode && seenActivity)) {
      options.out.write(`\nPairing stopped: ${health?.lastError ?? state}. Run the command again for a new code.\n`);
      return 1;
    }
    if (state === 'backing_off' && /another gateway process/.test(health?.lastError ?? '')) {
      options.out.write(
        `\nThe running gateway holds this number. Pair through GET /api/channels/${channelId}/pairing?format=svg, or stop the gateway first.\n`,
      );
      return 1;
    }
    if (Date.now() > deadline) {
      options.out.write(`\nNo link within ${Math.round(options.timeoutMs / 1000)} s; run the command again.\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}

export function registerWhatsappCli(program: Command, deps: WhatsappCliDeps): Command {
  const whatsapp = program.command('whatsapp').description('WhatsApp (Baileys) channel tools');
  whatsapp
    .command('pair <channel>')
    .description('link the business number: shows a QR code (or a pairing code when phoneNumber is configured)')
    .option('--timeout <seconds>', 'give up after this many seconds', '180')
    .action(async (channelId: string, opts: { timeout: string }) => {
      const out = deps.out ?? process.stdout;
      const opened = await deps.openChannel(channelId);
      let code = 1;
      try {
        if (opened.kind !== 'whatsapp' || !opened.runtime.source) {
          out.write(`Channel ${channelId} is not a WhatsApp (Baileys) channel.\n`);
        } else {
          await opened.runtime.source.start();
          code = await runPairing(opened.runtime, channelId, {
            out,
            renderQr: deps.renderQr ?? renderTerminalQr,
            timeoutMs: Math.max(1, Number(opts.timeout) || 180) * 1000,
            pollMs: deps.pollMs ?? 250,
          });
        }
      } finally {
        await opened.close();
      }
      process.exitCode = code;
    });
  return whatsapp;
}
