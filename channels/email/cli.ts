/**
 * `ponte email check <channel>`: logs in to IMAP and SMTP with the configured credentials
 * and prints what works (folders, IDLE, cursor, the move target), never a secret.
 * `ponte email parse <file.eml>`: the normalized message as JSON, the tool an admin uses to
 * see why a mail threaded or was classified as it was.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import type { ChannelContext, ChannelState } from '../../src/channel/contract.js';
import { createBlobStore } from '../../src/storage/blob-store.js';
import { describeEmailConfig, emailChannelConfigSchema, hasImap, senderProofSummary, type EmailChannelConfig } from './config.js';
import { imapConnectorFor, smtpAuthFor, type EmailChannelDeps } from './index.js';
import { createNodemailerTransport } from './nodemailer-transport.js';
import { formatParseSummary, parseEmailFileForCli, type CliParseOutput } from './parse/parse-cli.js';
import { classifySmtpError } from './smtp-errors.js';
import { authorizeChannel, DeviceFlowError, runDeviceFlow, type ConsentFlow } from './oauth-device.js';
import { LoopbackFlowError, runLoopbackFlow } from './oauth-loopback.js';
import { syncEmailChannel } from './email-sync.js';
import type { EmailSyncProgress } from './imap-source.js';

export interface EmailCliDeps {
  loadConfig(path: string): Promise<{ channels: unknown[] }>;
  /** The real context of a channel (its state holds the IMAP cursor and a rotated OAuth2 refresh token). */
  createContext?(channelId: string): Promise<ChannelContext>;
  channelDeps?: EmailChannelDeps;
  /** Where lines go (tests capture them). */
  print?(line: string): void;
  /** Waits between device-code polls (tests shorten them). */
  oauthSleep?(ms: number): Promise<void>;
  /** Google's consent URL once the loopback listener is up (a test plays the browser with it). */
  onConsentUrl?(url: string): void;
  /** The real context of a channel and how to close the gateway state behind it (`email sync`). */
  openContext?(channelId: string): Promise<{ context: ChannelContext; close(): Promise<void> }>;
  /** Renders `email sync` (the CLI draws bars); default: the final line only, through `print`. */
  syncView?: EmailSyncView;
}

export interface EmailSyncView {
  progress(progress: EmailSyncProgress): void;
  /** The last line: up to date, or why it gave up. */
  done(line: string): void;
}

function memoryState(): ChannelState {
  const m = new Map<string, unknown>();
  return {
    get: async <T>(k: string) => m.get(k) as T | undefined,
    getMany: async <T>(keys: string[]) => new Map(keys.filter((k) => m.has(k)).map((k) => [k, m.get(k) as T])),
    set: async (k, v) => void m.set(k, v),
    setMany: async (entries) => {
      for (const [k, v] of entries) v == null ? m.delete(k) : m.set(k, v);
    },
    delete: async (k) => void m.delete(k),
    keys: async (p) => [...m.keys()].filter((k) => k.startsWith(p)),
    deletePrefix: async (p) => {
      let n = 0;
      for (const k of [...m.keys()]) if (k.startsWith(p)) m.delete(k), n++;
      return n;
    },
  };
}

/** A context good enough to log in; without the real one a rotated OAuth2 refresh token is not kept. */
function standaloneContext(channelId: string): ChannelContext {
  const dir = mkdtempSync(join(tmpdir(), 'ponte-email-cli-'));
  const state = memoryState();
  return {
    channelId,
    logger: pino({ level: 'silent' }),
    clock: { now: () => Date.now() },
    signal: new AbortController().signal,
    state,
    blobs: createBlobStore(dir),
    leases: {
      acquire: async () => true,
      take: async () => ({ held: true, epoch: 1 }),
      fence: () => ({ state, saveCheckpoint: async () => undefined, ingest: async () => ({ status: 'ignored', reason: 'cli' }) }),
      release: async () => undefined,
    },
    linkIdentities: async () => undefined,
    deriveKey: () => Buffer.alloc(32, 1),
    ingest: async () => ({ status: 'ignored', reason: 'cli' }),
    updateMessage: async () => false,
    updateDelivery: async () => false,
    findOutbound: async () => undefined,
    saveCheckpoint: async () => undefined,
  };
}

function errText(err: unknown): string {
  const e = err as { code?: unknown; responseText?: unknown; message?: unknown; response?: unknown };
  return [typeof e?.code === 'string' ? e.code : '', String(e?.responseText ?? e?.response ?? e?.message ?? err)]
    .filter(Boolean)
    .join(': ')
    .slice(0, 300);
}

export interface EmailCheckResult {
  ok: boolean;
  lines: string[];
}

/** The checks behind `email check`; every line is secrets-free. */
export async function checkEmailChannel(
  config: EmailChannelConfig,
  ctx: ChannelContext,
  deps: EmailChannelDeps = {},
): Promise<EmailCheckResult> {
  const lines: string[] = [];
  let ok = true;
  const good = (s: string): void => void lines.push(`  ok    ${s}`);
  const bad = (s: string): void => {
    ok = false;
    lines.push(`  FAIL  ${s}`);
  };
  const info = describeEmailConfig(config);
  lines.push(`email channel ${config.id}`);
  if (!hasImap(config)) lines.push('  ok    no IMAP section: a send-only channel (replies, notifications); nothing is fetched');
  else
    try {
      const session = await imapConnectorFor(config, ctx, deps)();
      // What really happened on the wire, not what the configuration asked for.
      const security = session.security?.();
      const login = `IMAP login ${config.imap.user}@${config.imap.host}:${config.imap.port} over ${security ?? 'an unreported channel'} (${config.imap.oauth2 ? 'oauth2' : 'password'})`;
      if (security === 'plain text')
        lines.push(`  WARN  ${login}: the credentials crossed the network unencrypted; use port 993 (secure: true) or requireTls: true`);
      else good(login);
      try {
        good(
          `IMAP IDLE ${session.supportsIdle() ? 'supported' : 'not supported: polling every ' + config.imap.pollIntervalSeconds + ' s'}`,
        );
        for (const folder of config.imap.folders) {
          try {
            const st = await session.open(folder);
            const cursor = await ctx.state.get<{ uidValidity: string; lastUid: number }>(`cursor:${folder}`);
            const backlog = cursor && cursor.uidValidity === st.uidValidity ? Math.max(0, st.uidNext - 1 - cursor.lastUid) : undefined;
            good(
              `folder ${folder}: ${st.exists} messages, UIDVALIDITY ${st.uidValidity}` +
                (cursor
                  ? backlog !== undefined
                    ? `, cursor at UID ${cursor.lastUid} (about ${backlog} to fetch)`
                    : ', cursor from another UIDVALIDITY (will resync)'
                  : ', no cursor yet'),
            );
          } catch (err) {
            bad(`folder ${folder}: ${errText(err)}`);
          }
        }
        if (config.imap.afterIngest === 'move' && config.imap.moveTo) {
          try {
            await session.open(config.imap.moveTo);
            good(`move target ${config.imap.moveTo} exists`);
          } catch (err) {
            bad(`move target ${config.imap.moveTo}: ${errText(err)}`);
          }
        }
      } finally {
        await session.close();
      }
    } catch (err) {
      bad(`IMAP login ${info.imap}: ${errText(err)}`);
    }
  const transport = (deps.createTransport ?? createNodemailerTransport)({ ...config.smtp, pool: false }, smtpAuthFor(config, ctx, deps));
  try {
    await transport.verify();
    good(`SMTP login ${info.smtp}`);
  } catch (err) {
    const c = classifySmtpError(err);
    bad(`SMTP ${info.smtp}: ${c.code}: ${errText(err)}`);
  } finally {
    transport.close();
  }
  const proof = senderProofSummary(config);
  if (proof.warn) lines.push(`  WARN  ${proof.text}`);
  else good(proof.text);
  lines.push(ok ? 'all checks passed' : 'some checks failed');
  return { ok, lines };
}

/** The JSON `email parse` prints (the tested parse-cli module). */
export async function parseEmailFile(path: string, options: { supportAddresses?: string[] } = {}): Promise<object> {
  return parseEmailFileForCli(path, { supportAddresses: options.supportAddresses ?? [] });
}

export function registerEmailCli(program: Command, deps: EmailCliDeps): void {
  const print = deps.print ?? ((line: string) => console.log(line));
  const configPath = (): string => (program.opts() as { config?: string }).config ?? 'config/ponte.yaml';
  const email = program.command('email').description('email channel tools');

  async function channelConfig(id: string | undefined): Promise<EmailChannelConfig | undefined> {
    const loaded = await deps.loadConfig(configPath());
    const entries = loaded.channels.filter((c) => (c as { kind?: unknown }).kind === 'email') as Array<{ id: string }>;
    const entry = id ? entries.find((c) => c.id === id) : undefined;
    if (!entry) return undefined;
    return emailChannelConfigSchema.parse(entry);
  }

  /** The channel's config, or an error line and exit code 2 when it is not an email channel. */
  async function requireChannelConfig(channelId: string): Promise<EmailChannelConfig | undefined> {
    const config = await channelConfig(channelId);
    if (!config) {
      print(`no email channel "${channelId}" in ${configPath()}`);
      process.exitCode = 2;
    }
    return config;
  }

  email
    .command('oauth <channel>')
    .description(
      'authorize OAuth2 and store the refresh token in the database: Microsoft 365 (device code: a URL and a code) or Google (--provider google: a consent URL answered on 127.0.0.1)',
    )
    .option('--provider <name>', 'microsoft (device code) or google (loopback redirect)', 'microsoft')
    .option('--timeout <seconds>', 'google: how long to wait for the browser', '300')
    .action(async (channelId: string, opts: { provider: string; timeout: string }) => {
      if (opts.provider !== 'microsoft' && opts.provider !== 'google') {
        print(`unknown provider "${opts.provider}": use microsoft or google`);
        process.exitCode = 2;
        return;
      }
      const config = await requireChannelConfig(channelId);
      if (!config) return;
      if (!deps.createContext) throw new Error('email oauth needs the gateway database');
      const ctx = await deps.createContext(channelId);
      const fetchDep = deps.channelDeps?.fetch ? { fetch: deps.channelDeps.fetch } : {};
      const flow: ConsentFlow =
        opts.provider === 'google'
          ? (oauth2) =>
              runLoopbackFlow(oauth2, {
                ...fetchDep,
                timeoutMs: Math.max(1, Number(opts.timeout) || 300) * 1000,
                loginHint: config.imap?.user ?? config.smtp.user,
                onPrompt: (p) => {
                  print(
                    `Open this address in a browser on this machine and allow access (waiting ${p.timeoutSeconds} s for the answer on ${p.redirectUri}):`,
                  );
                  print(p.url);
                  deps.onConsentUrl?.(p.url);
                },
              })
          : (oauth2) =>
              runDeviceFlow(oauth2, {
                ...fetchDep,
                ...(deps.oauthSleep ? { sleep: deps.oauthSleep } : {}),
                onPrompt: (p) =>
                  print(
                    `Open ${p.verificationUriComplete ?? p.verificationUri} and enter the code ${p.userCode} (valid ${Math.round(p.expiresInSeconds / 60)} min). Waiting…`,
                  ),
              });
      try {
        if (!(await authorizeChannel(config, ctx.state, { print, flow }))) process.exitCode = 2;
      } catch (err) {
        if (!(err instanceof LoopbackFlowError || err instanceof DeviceFlowError)) throw err;
        print(`not authorized (${err.code}): ${err.message}`);
        process.exitCode = 2;
      }
    });

  email
    .command('check <channel>')
    .description('log in to IMAP and SMTP with the configured credentials and report what works')
    .action(async (channelId: string) => {
      const config = await requireChannelConfig(channelId);
      if (!config) return;
      const ctx = deps.createContext ? await deps.createContext(channelId) : standaloneContext(channelId);
      if (!deps.createContext && (config.imap?.oauth2 || config.smtp.oauth2))
        print('  note  running without the gateway state: a rotated OAuth2 refresh token would not be kept');
      const result = await checkEmailChannel(config, ctx, deps.channelDeps);
      for (const line of result.lines) print(line);
      if (!result.ok) process.exitCode = 1;
    });

  email
    .command('sync <channel>')
    .description('fetch the waiting mail (and the first-run backfill) now, with a progress bar, then exit')
    .option('--timeout <seconds>', 'give up after this long', '3600')
    .action(async (channelId: string, opts: { timeout: string }) => {
      const config = await requireChannelConfig(channelId);
      if (!config) return;
      if (!hasImap(config)) {
        print(`${channelId} is a send-only channel (no imap section): nothing to fetch`);
        process.exitCode = 2;
        return;
      }
      if (!deps.openContext) throw new Error('email sync needs the gateway database');
      const seconds = Math.max(1, Number(opts.timeout) || 3600);
      const view = deps.syncView;
      const done = view ? (line: string) => view.done(line) : print;
      const { context, close } = await deps.openContext(channelId);
      try {
        const result = await syncEmailChannel(config, context, {
          timeoutMs: seconds * 1000,
          ...(view ? { onProgress: (p: EmailSyncProgress) => view.progress(p) } : {}),
          ...(deps.channelDeps ? { deps: deps.channelDeps } : {}),
        });
        if (result.ok) done(`${channelId}: up to date, ${result.fetched} message(s) fetched`);
        else {
          done(`${channelId}: gave up after ${seconds}s (${result.state}${result.lastError ? `: ${result.lastError}` : ''})`);
          process.exitCode = 1;
        }
      } finally {
        await close();
      }
    });

  email
    .command('parse <file>')
    .description(
      'print the normalized message of an .eml file as JSON (threading, classification and its reason, bounce, reply/quote split)',
    )
    .option('--channel <id>', "use this channel's support addresses for loop detection")
    .option('--text', 'print a readable summary (classification, reason, failed recipients, reply and quoted parts) instead of JSON')
    .action(async (file: string, opts: { channel?: string; text?: boolean }) => {
      let supportAddresses: string[] = [];
      if (opts.channel) {
        const config = await channelConfig(opts.channel).catch(() => undefined);
        supportAddresses = config?.addresses ?? [];
      }
      const out = await parseEmailFile(file, { supportAddresses });
      print(opts.text ? formatParseSummary(out as CliParseOutput) : JSON.stringify(out, null, 2));
    });
}
