/**
 * `npm run bench:email [-- --count 5000] [--latency 100] [--tsx] [--timeline] [--cpu-prof <dir>]`
 *
 * N realistic messages (short text, html with a quoted thread, attachments of 50 KB–2 MB and
 * one 25 MB attachment) are APPENDed to a real Dovecot, then ingested from cold through the
 * real email channel (imapflow, parse, blob store, ingest into SQLite). The ceiling is the
 * bare work in one process: imapflow fetch of the same mailbox plus a mailparser parse of each
 * message, nothing stored. Then, with the channel idle in IMAP IDLE, messages are APPENDed one
 * at a time and the time until each one's ticket exists is measured (p50/p99). A second, bare
 * IDLE session measures Dovecot's own notification delay (`idleFloorP50`): Dovecot 2.3 waits
 * 500 ms (NOTIFY_DELAY_MSECS in index-mailbox-check.c) before announcing new mail, so the
 * channel's share of the latency is p50 minus that floor.
 * Each phase (APPEND, channel, ceiling) runs in its own process so RSS is the channel's own;
 * the channel's RSS is its process plus its parse child processes, sampled together.
 * The last line is one JSON object: {rate, ceiling, ratio, p50, p99, maxRssMB, idleFloorP50, ...}.
 */
import { createBenchApp } from './support/bench-app.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmailChannelDefinition } from '../channels/email/index.js';
import { connectImapflow } from '../channels/email/imapflow-client.js';
import { newUids } from '../channels/email/imap-cursor.js';
import { createMailparserMimeParser } from '../channels/email/parse/index.js';
import { dovecotAvailable, startDovecot } from '../scripts/test-services/dovecot.js';
import { buildMail, pseudoRandomBytes, realisticMail } from '../scripts/test-services/mail-factory.js';
import { cpuMs, descendants, pssBytes, rssBytes } from '../scripts/test-services/process-tree.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 1) {
    console.error(`--${name} needs a positive number`);
    process.exit(2);
  }
  return Math.floor(v);
}

const count = arg('count', 5_000);
const latencySamples = arg('latency', 100);
const BIG_INDEX = Math.floor(count / 2);
/** `--big-mb 0` leaves the large attachment out (to see what it costs). */
const BIG_BYTES = (process.argv.includes('--big-mb') ? Number(process.argv[process.argv.indexOf('--big-mb') + 1]) : 25) * 1_000_000;
const log = (s: string): void => console.log(s);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function makeMessage(i: number): Buffer {
  if (i === BIG_INDEX && BIG_BYTES > 0) {
    return buildMail({
      from: 'grande@customer.test',
      subject: 'Vídeo do produto com defeito',
      text: 'Segue o vídeo.',
      attachments: [{ filename: 'video.mp4', contentType: 'video/mp4', content: pseudoRandomBytes(BIG_BYTES, 99) }],
    });
  }
  return realisticMail(i);
}

/**
 * Peak RSS of the channel's process plus every process below it (the parse children), each read
 * from /proc at the same moment: no memory hides in a child.
 */
let maxRss = 0;
/** The split when the sum peaked: this process (process.memoryUsage()) and each descendant's VmRSS. */
let atPeak: { main: NodeJS.MemoryUsage; children: number[] } | undefined;
let totalMBForPhases = 0;
/** CPU time of each descendant as last seen (a child that ended keeps its last figure). */
const childCpuMs = new Map<number, number>();
/** The descendants, looked up again every 200 ms (walking /proc at every sample cost 5% of the channel's CPU). */
let tree: number[] = [];
let treeAt = 0;
function sampleRss(): void {
  if (Date.now() - treeAt >= 200) {
    tree = descendants(process.pid);
    treeAt = Date.now();
  }
  const children = tree.map(rssBytes);
  for (const pid of tree) childCpuMs.set(pid, cpuMs(pid) || (childCpuMs.get(pid) ?? 0));
  const self = process.memoryUsage.rss();
  const total = self + children.reduce((a, b) => a + b, 0);
  if (total > maxRss) {
    maxRss = total;
    atPeak = { main: { ...process.memoryUsage(), rss: self }, children };
  }
  // PSS costs the kernel a walk of every mapping: read twice a second, beside RSS (the aim's measure).
  if (Date.now() - pssAt >= 500) {
    pssAt = Date.now();
    maxPss = Math.max(
      maxPss,
      [process.pid, ...tree].map(pssBytes).reduce((a, b) => a + b, 0),
    );
  }
  if (timeline && Date.now() - timelineAt >= 1_000) {
    timelineAt = Date.now();
    const m = process.memoryUsage();
    log(
      `  mem t+${((Date.now() - timelineStart) / 1000).toFixed(0)}s: sum ${mb(total)} = this ${mb(self)} (heapTotal ${mb(m.heapTotal)}, heapUsed ${mb(m.heapUsed)}, arrayBuffers ${mb(m.arrayBuffers)}) + children [${children.map(mb).join(', ')}]`,
    );
  }
}
/** The peak of the processes' summed PSS (shared pages divided among them), sampled every 500 ms. */
let maxPss = 0;
let pssAt = 0;
/** `--timeline`: the channel phase prints its memory split once a second while it samples. */
const timeline = process.argv.includes('--timeline');
const timelineStart = Date.now();
let timelineAt = 0;
function peakSplit(): string {
  const m = atPeak?.main;
  const kids = atPeak?.children ?? [];
  return `${mb(maxRss)} MB = this process ${mb(m?.rss)} MB (heapTotal ${mb(m?.heapTotal)}, heapUsed ${mb(m?.heapUsed)}, external ${mb(m?.external)}, arrayBuffers ${mb(m?.arrayBuffers)}) + ${kids.length} child process(es) [${kids.map(mb).join(', ')}] MB`;
}
const mb = (n: number | undefined): number => Math.round((n ?? 0) / 1e6);

function phaseArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/**
 * The runtime of the phases: by default the production one, `npm start`'s plain node on the
 * JavaScript that tsc builds into dist/ (this bench is built there too, bench/tsconfig.bench.json),
 * channel and ceiling alike; `--tsx` runs them from the TypeScript source under tsx instead
 * (`npm run ponte`), which cost about 40 MB more RSS at start in the channel's process and 30 MB
 * more in each parse child (measured once each, on 2026-11-30).
 */
const underTsx = process.argv.includes('--tsx');
/** `--cpu-prof <dir>`: the channel phase writes a V8 CPU profile there (node's --cpu-prof). */
const cpuProfDir = phaseArg('cpu-prof');

function buildForNode(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const started = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'bench', 'tsconfig.bench.json')], { stdio: 'inherit' });
  const built = join(root, 'dist', 'bench', 'email.bench.js');
  if (r.status !== 0 && !existsSync(built)) throw new Error('tsc could not build the bench into dist/');
  log(`built dist/ with tsc in ${((Date.now() - started) / 1000).toFixed(0)} s; phases run under plain node (npm start's runtime)`);
  return built;
}

/**
 * The node flags of `npm start` (package.json's start script, e.g. the young generation's size):
 * the channel phase runs with them, as the gateway does. Read in the main process (under tsx,
 * this file is bench/email.bench.ts, so the package is one folder up).
 */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1).filter((w) => w.startsWith('--'));
}

/** Each phase runs in its own process so one phase's heap never counts against another's RSS. */
function runPhase(phase: string, port: number, dir: string, script: string | undefined): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(phase === 'channel' ? startFlags() : []),
        ...(cpuProfDir && phase === 'channel' ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []),
        // The channel phase measures what its heap still holds after a full GC once ingest is done.
        ...(phase === 'channel' ? ['--expose-gc'] : []),
        ...(script ? [script] : [...process.execArgv, fileURLToPath(import.meta.url)]),
        '--phase',
        phase,
        '--port',
        String(port),
        '--dir',
        dir,
        '--count',
        String(count),
        '--latency',
        String(latencySamples),
        '--total-mb',
        String(totalMBForPhases),
        '--big-mb',
        String(BIG_BYTES / 1_000_000),
        ...(underTsx ? ['--tsx'] : []),
        ...(timeline ? ['--timeline'] : []),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      out += text;
      for (const line of text.split('\n')) if (line && !line.startsWith('{')) log(line);
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`phase ${phase} exited with ${code}`));
      const last = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      resolve(last ? (JSON.parse(last) as Record<string, number>) : {});
    });
  });
}

const testUser = { user: 'support@help.test', password: 'test-password' };
function imapFor(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: '127.0.0.1', port, secure: false, starttls: false, ...testUser, ...extra };
}
function session(port: number) {
  return connectImapflow({
    host: '127.0.0.1',
    port,
    secure: false,
    starttls: false,
    allowInsecureTls: true,
    user: testUser.user,
    auth: { password: testUser.password },
  });
}

async function phaseAppend(port: number): Promise<Record<string, number>> {
  const workers = 4;
  let next = 0;
  let bytes = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const s = await session(port);
      try {
        while (next < count) {
          const raw = makeMessage(next++);
          bytes += raw.length;
          await s.append('INBOX', raw);
        }
      } finally {
        await s.close();
      }
    }),
  );
  const ms = Date.now() - started;
  log(`APPEND: ${count} messages, ${(bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s`);
  return { bytes, ms };
}

async function phaseCeiling(port: number, totalMB: number): Promise<Record<string, number>> {
  const s = await session(port);
  const parser = createMailparserMimeParser();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await s.open('INBOX');
  const items = newUids(await s.list(1), 0).filter((m) => m.uid <= count);
  let n = 0;
  // One FETCH for the whole mailbox: imapflow streams it with backpressure.
  for await (const m of s.fetch(items.map((b) => b.uid))) {
    await parser.parse(m.source, async (att) => {
      att.content.resume();
      await new Promise<void>((r) => (att.content.readableEnded ? r() : att.content.once('end', () => r())));
    });
    n++;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpuMsPerMsg = (used.user + used.system) / 1000 / n;
  await s.close();
  log(
    `ceiling (imapflow fetch + mailparser, nothing stored): ${(n / seconds).toFixed(0)} msg/s, ${(totalMB / seconds).toFixed(1)} MB/s (${seconds.toFixed(1)} s); CPU ${cpuMsPerMsg.toFixed(2)} ms per message`,
  );
  return { rate: n / seconds, mbps: totalMB / seconds, seconds, cpuMsPerMsg };
}

async function phaseChannel(port: number, dir: string, totalMB: number): Promise<Record<string, number>> {
  const rssTimer = setInterval(sampleRss, 50);
  const definition = createEmailChannelDefinition();
  const app = createBenchApp({
    dir,
    definitions: [definition],
    channels: [
      {
        id: 'support',
        kind: 'email',
        addresses: ['support@help.test'],
        imap: imapFor(port, { backfill: { mode: 'days', days: 2 }, afterIngest: 'none', pollIntervalSeconds: 60 }),
        smtp: { host: '127.0.0.1', port: 1 },
      },
    ],
  });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await app.start({ host: '127.0.0.1', port: 0 });
  const ctx = app.running.find((c) => c.entry.id === 'support')!.context;
  const rssAtStart = mb(
    process.memoryUsage().rss +
      descendants(process.pid)
        .map(rssBytes)
        .reduce((a, b) => a + b, 0),
  );
  const cursor = async (): Promise<number> => (await ctx.state.get<{ lastUid: number }>('cursor:INBOX'))?.lastUid ?? 0;
  const deadline = Date.now() + 30 * 60_000;
  let lastPrint = Date.now();
  while ((await cursor()) < count) {
    if (Date.now() > deadline) throw new Error('ingest did not finish in 30 minutes');
    if (Date.now() - lastPrint > 5_000) {
      lastPrint = Date.now();
      log(`  … ${await cursor()}/${count}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = count / seconds;
  sampleRss();
  const used = process.cpuUsage(cpu0);
  const mainCpuMs = (used.user + used.system) / 1000;
  const childrenCpuMs = [...childCpuMs.values()].reduce((a, b) => a + b, 0);
  log(
    `channel (fetch, raw to blobs, parse, attachments to blobs, ingest into SQLite): ${rate.toFixed(0)} msg/s, ${(totalMB / seconds).toFixed(1)} MB/s (${seconds.toFixed(1)} s)`,
  );
  const ticketsRow = await app.database.kysely
    .selectFrom('tickets' as never)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const tickets = Number((ticketsRow as { n?: number } | undefined)?.n ?? 0);
  log(
    `tickets created: ${tickets}; RSS (this process + its parse children) when the app had started: ${rssAtStart} MB, peak while ingesting: ${peakSplit()}`,
  );
  const rssIngest = maxRss;
  const pssIngest = maxPss;
  log(
    `peak PSS while ingesting (the same processes; each shared page divided among every process that maps it, so node's code shared with the parse child counts once, and other node processes on the machine lower it too): ${mb(pssIngest)} MB`,
  );
  // What the backfill left behind: the heap still in use after a full collection (grows with the
  // count of mails only if something keeps them).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const retainedHeapMB = mb(process.memoryUsage().heapUsed);
  if (gc)
    log(
      `heap in use after a full GC once ingest is done: ${retainedHeapMB} MB (RSS of this process now ${mb(process.memoryUsage().rss)} MB)`,
    );
  log(
    `CPU per message: this process ${(mainCpuMs / count).toFixed(2)} ms, parse children ${(childrenCpuMs / count).toFixed(2)} ms (the ceiling's, below, is its one process)`,
  );

  // Latency under IDLE. A second, bare IDLE session measures the server's own notification delay.
  const observer = await session(port);
  await observer.open('INBOX');
  let seenAt: number | undefined;
  observer.onNewMail(() => {
    seenAt ??= performance.now();
  });
  const appender = await session(port);
  const latencies: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < latencySamples; i++) {
    observer.idle();
    await new Promise((r) => setTimeout(r, 1_100)); // Dovecot notifies at most once a second per session
    seenAt = undefined;
    const t0 = performance.now();
    const uid = await appender.append('INBOX', realisticMail(count + i));
    if (!uid) throw new Error('APPEND returned no UID (UIDPLUS)');
    const until = Date.now() + 30_000;
    while ((await cursor()) < uid) {
      if (Date.now() > until) throw new Error(`message ${uid} not ingested within 30 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    latencies.push(performance.now() - t0);
    if (seenAt !== undefined) floors.push(seenAt - t0);
    await observer.status();
  }
  await observer.close();
  await appender.close();
  clearInterval(rssTimer);
  latencies.sort((a, b) => a - b);
  floors.sort((a, b) => a - b);
  const p50 = Math.round(percentile(latencies, 50));
  const p99 = Math.round(percentile(latencies, 99));
  const idleFloorP50 = Math.round(percentile(floors, 50));
  log(
    `APPEND-to-ticket latency under IDLE (${latencySamples} samples): p50 ${p50} ms, p99 ${p99} ms; Dovecot's own IDLE notification p50 ${idleFloorP50} ms`,
  );
  await app.stop();
  return {
    rate,
    cpuMsPerMsg: mainCpuMs / count,
    childCpuMsPerMsg: childrenCpuMs / count,
    mbps: totalMB / seconds,
    seconds,
    p50,
    p99,
    idleFloorP50,
    maxRssMB: Math.round(rssIngest / 1e6),
    maxPssMB: Math.round(pssIngest / 1e6),
    maxRssLatencyMB: Math.round(maxRss / 1e6),
    tickets,
    rssAtStart,
    retainedHeapMB,
  };
}

async function main(): Promise<void> {
  const phase = phaseArg('phase');
  if (phase) {
    const port = Number(phaseArg('port'));
    const dir = phaseArg('dir')!;
    const totalMB = Number(phaseArg('total-mb') ?? '0');
    const result =
      phase === 'append'
        ? await phaseAppend(port)
        : phase === 'ceiling'
          ? await phaseCeiling(port, totalMB)
          : await phaseChannel(port, dir, totalMB);
    console.log(JSON.stringify(result));
    return;
  }
  const dv = dovecotAvailable();
  if (!dv.available) {
    console.error(`bench:email needs Dovecot: ${dv.why}`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ponte-bench-email-'));
  const dovecot = await startDovecot(testUser);
  try {
    log(`email bench: ${count} messages (one with a ${BIG_BYTES / 1e6} MB attachment), Dovecot on 127.0.0.1:${dovecot.port}`);
    const script = underTsx ? undefined : buildForNode();
    log(
      `runtime of channel and ceiling: ${underTsx ? 'tsx (TypeScript source)' : 'node on dist/ (as npm start)'}; channel phase flags: ${startFlags().join(' ') || 'none'}`,
    );
    const appended = await runPhase('append', dovecot.port, dir, script);
    const totalMB = appended.bytes! / 1e6;
    totalMBForPhases = totalMB;
    const channel = await runPhase('channel', dovecot.port, dir, script);
    const ceiling = await runPhase('ceiling', dovecot.port, dir, script);
    const ratio = channel.rate! / ceiling.rate!;
    log(
      `max RSS while ingesting: ${channel.maxRssMB} MB (aim < 300); ratio ${ratio.toFixed(2)} of the ceiling (aim >= 0.60); p50 ${channel.p50} ms (aim < 300; Dovecot alone waits ${channel.idleFloorP50} ms before announcing new mail)`,
    );
    console.log(
      JSON.stringify({
        rate: round(channel.rate!),
        ceiling: round(ceiling.rate!),
        ratio: Math.round(ratio * 100) / 100,
        p50: channel.p50,
        p99: channel.p99,
        maxRssMB: channel.maxRssMB,
        maxPssMB: channel.maxPssMB,
        mbps: round(channel.mbps!),
        ceilingMbps: round(ceiling.mbps!),
        idleFloorP50: channel.idleFloorP50,
        count,
        totalMB: Math.round(totalMB),
        seconds: round(channel.seconds!),
        tickets: channel.tickets,
        cpuMsPerMsg: round2(channel.cpuMsPerMsg!),
        childCpuMsPerMsg: round2(channel.childCpuMsPerMsg!),
        ceilingCpuMsPerMsg: round2(ceiling.cpuMsPerMsg!),
        retainedHeapMB: channel.retainedHeapMB,
        runtime: underTsx ? 'tsx' : 'node-dist',
      }),
    );
  } finally {
    await dovecot.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
