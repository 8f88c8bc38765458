/**
 * `npm run bench:webhook [-- --duration 10] [--connections 10] [--warmup 10] [--profile] [--tsx]`
 *
 * Signed JSON form submissions, each creating a ticket, through the real app (createApp with a
 * signed web form, SQLite in a temp dir, loops off), driven by autocannon over loopback. The
 * ceiling is a bare express endpoint that parses the JSON and does one better-sqlite3 insert
 * (same pragmas as the app). A second, informational "same-work" ceiling is bare express writing
 * the rows Ponte writes for one form ticket with prepared statements, one transaction each, into
 * a database with Ponte's schema (bench/support/same-work.ts): what the work itself costs, so the
 * rest of Ponte's figure is its own overhead. Each server runs in its own child process (the
 * load generator must not share its event loop); the app's max RSS is the child's.
 * Prints requests/s, p50/p99 latency, the ratio to the ceiling, max RSS, and each server's CPU
 * time per request (process.cpuUsage over the measured slices only, so a busy machine, which
 * stretches wall-clock figures, moves it much less), and what stalled Ponte's event loop over
 * the same slices (its delay, perf_hooks monitorEventLoopDelay, and GC pauses: the latency's
 * tail); the last line is one JSON object:
 * {rate, ceiling, ratio, p50, p99, maxRssMB, cpuMsPerReq, ceilingCpuMsPerReq, sameWork,
 * sameWorkCpuMsPerReq, runtime, warmupSeconds, loopDelayP99Ms, gcMaxMs} (ratio is Ponte's rate over the bare ceiling, as in issue 15).
 *
 * The servers run under `npm start`'s runtime, plain node on dist/ (built first by tsc,
 * bench/support/node-runtime.ts); `--tsx` runs them from the TypeScript source under tsx instead.
 *
 * `--warmup` (seconds of load per server before the measured slices, default 10, the same for
 * every server): Ponte's code is still being optimized by V8 long after one second (TurboFan
 * compiling on background threads of the same process, counted in its CPU): 1.256 ms CPU per
 * request after a 1 s warm-up against 1.028 after 30 s (one paired probe of the app server,
 * 2026-12-01). A gateway runs for days, so the figures are of the steady state; figures before
 * 2026-12-01's second run used 1 s.
 *
 * With --profile, remember that the servers take turns: each CPU profile shows its server idle
 * while the others are loaded (about two thirds of the run), which is not time a request waited.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { signPayload } from '../channels/webform/signature.js';
import { buildBenchForNode } from './support/node-runtime.js';
import type { SameWorkSubmission } from './support/same-work.js';

const SECRET = 'bench-webhook-secret-0123456789';
const FORM_ID = 'bench-form';
const PROFILE_DIR = join(tmpdir(), 'ponte-webhook-profiles');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`--${name} needs a positive number`);
    process.exit(2);
  }
  return Math.floor(v);
}

// ---------------------------------------------------------------- child: one server

/** What stalls a server's event loop while measured (the tail of its latency): loop delay and GC pauses. */
interface Stalls {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcPauses: number;
  gcMs: number;
  gcMaxMs: number;
}
type ServerStats = { maxRssMB: number; rows: number; cpuMs: number; stalls: Stalls };
type ServeMessage = { ready: string } | ServerStats | { measured: true };
type ControlMessage = 'stop' | 'measure' | 'pause';

async function serveCeiling(dir: string): Promise<{ url: string; rows: () => number }> {
  const { default: express } = await import('express');
  const { default: SQLite } = await import('better-sqlite3');
  const db = new SQLite(join(dir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE submissions (id INTEGER PRIMARY KEY, email TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO submissions (email, payload, created_at) VALUES (?, ?, ?)');
  const app = express();
  app.post(`/hooks/forms/${FORM_ID}`, express.json(), (req, res) => {
    const body = req.body as { email?: string };
    const r = insert.run(String(body.email ?? ''), JSON.stringify(body), Date.now());
    res.status(201).json({ ticketNumber: Number(r.lastInsertRowid), status: 'created', created: true });
  });
  const url = await new Promise<string>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
  });
  return { url, rows: () => (db.prepare('SELECT count(*) AS n FROM submissions').get() as { n: number }).n };
}

async function serveSameWork(dir: string): Promise<{ url: string; rows: () => number }> {
  const { default: express } = await import('express');
  const { openSameWork } = await import('./support/same-work.js');
  const { db, write } = await openSameWork(join(dir, 'same-work.db'));
  const app = express();
  app.post(`/hooks/forms/${FORM_ID}`, express.json(), (req, res) => {
    const ticketNumber = write(req.body as SameWorkSubmission, JSON.stringify(req.body));
    res.status(201).json({ ticketNumber, status: 'new', outcome: 'created', created: true });
  });
  const url = await new Promise<string>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
  });
  return { url, rows: () => (db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n };
}

async function serveApp(dir: string): Promise<{ url: string; rows: () => number }> {
  const { webformChannel } = await import('../channels/webform/index.js');
  const { createTestChannelDefinition } = await import('../test/support/test-channel.js');
  const replies = createTestChannelDefinition('test', 'email');
  const definitions = [webformChannel, replies.definition];
  const { createBenchApp } = await import('./support/bench-app.js');
  const app = createBenchApp({
    dir,
    definitions,
    channels: [
      { id: 'support', kind: 'test' },
      {
        id: FORM_ID,
        kind: 'webform',
        mode: 'signed',
        secret: SECRET,
        origin: 'marketplace',
        replyVia: 'support',
        fields: { nome: 'name', email: 'email', telefone: 'phone', motivo: 'category', pedido: 'reference', mensagem: 'message' },
      },
    ],
  });
  const { url } = await app.start({ host: '127.0.0.1', port: 0 });
  let rows = 0;
  const countTickets = async () => {
    const r = await app.database.kysely
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    rows = Number(r?.n ?? 0);
  };
  process.on('message', (m: unknown) => {
    if (m === 'stop') void countTickets();
  });
  return { url, rows: () => rows };
}

async function serve(kind: string, dir: string): Promise<void> {
  const server = kind === 'ceiling' ? await serveCeiling(dir) : kind === 'same-work' ? await serveSameWork(dir) : await serveApp(dir);
  const send = (m: ServeMessage) => process.send!(m);
  // CPU counted only while this server is under measured load (not start-up, warm-up or the other's turn).
  let cpuMs = 0;
  let since: NodeJS.CpuUsage | undefined;
  // Event-loop delay (1 ms resolution) and GC pauses, also over the measured slices only.
  // One monitor per slice (a monitor enabled again counts the pause between as one long delay).
  const loopDelay = { p99Ms: 0, maxMs: 0 };
  let sliceDelay: IntervalHistogram | undefined;
  // GC entries arrive after the fact: counted when they started inside a measured slice.
  const windows: Array<{ from: number; to: number }> = [];
  const gc = { pauses: 0, ms: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!windows.some((w) => e.startTime >= w.from && e.startTime < w.to)) continue;
      gc.pauses++;
      gc.ms += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  process.on('message', (m: ControlMessage) => {
    if (m === 'measure') {
      since = process.cpuUsage();
      windows.push({ from: performance.now(), to: Infinity });
      sliceDelay = monitorEventLoopDelay({ resolution: 1 });
      sliceDelay.enable();
      send({ measured: true });
      return;
    }
    if (m === 'pause') {
      if (since) {
        const d = process.cpuUsage(since);
        cpuMs += (d.user + d.system) / 1000;
        since = undefined;
      }
      const open = windows.at(-1);
      if (open && open.to === Infinity) open.to = performance.now();
      if (sliceDelay) {
        sliceDelay.disable();
        // The worst slice's p99 (slices are 2 s each, so a bad one shows rather than averages out).
        loopDelay.p99Ms = Math.max(loopDelay.p99Ms, sliceDelay.percentile(99) / 1e6);
        loopDelay.maxMs = Math.max(loopDelay.maxMs, sliceDelay.max / 1e6);
        sliceDelay = undefined;
      }
      send({ measured: true });
      return;
    }
    if (m !== 'stop') return;
    // Let the app's async row count (registered first) finish before answering.
    setTimeout(() => {
      gcObserver.disconnect();
      const stalls: Stalls = {
        loopDelayP99Ms: loopDelay.p99Ms,
        loopDelayMaxMs: loopDelay.maxMs,
        gcPauses: gc.pauses,
        gcMs: gc.ms,
        gcMaxMs: gc.maxMs,
      };
      send({ maxRssMB: process.resourceUsage().maxRSS / 1024, rows: server.rows(), cpuMs, stalls });
      setTimeout(() => process.exit(0), 50);
    }, 200);
  });
  send({ ready: server.url });
}

// ---------------------------------------------------------------- parent: load

/** The slice of autocannon we use (it ships no types). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  requests: Array<{ setupRequest: (req: AutocannonRequest) => AutocannonRequest }>;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

let counter = 0;
function nextRequest(req: AutocannonRequest): AutocannonRequest {
  counter++;
  const body = JSON.stringify({
    nome: `Cliente ${counter % 997}`,
    email: `cliente${counter % 997}@bench.test`,
    telefone: `(11) 9${String(10_000_000 + (counter % 89_999_999)).slice(0, 8)}`,
    motivo: 'entrega',
    pedido: `PED-${counter}`,
    mensagem: `Meu pedido PED-${counter} não chegou. Poderiam verificar, por favor?`,
  });
  const ts = Math.floor(Date.now() / 1000);
  return {
    ...req,
    method: 'POST',
    path: `/hooks/forms/${FORM_ID}`,
    headers: { 'content-type': 'application/json', 'x-ponte-timestamp': String(ts), 'x-ponte-signature': signPayload(SECRET, ts, body) },
    body,
  };
}

const underTsx = process.argv.includes('--tsx');

/** `script`: the bench built into dist/ (node), or undefined for this file under tsx. */
function startServer(kind: string, dir: string, script: string | undefined): Promise<{ child: ChildProcess; url: string }> {
  // --profile writes a V8 CPU profile of each server (look for the hot path).
  const profile = process.argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = fork(script ?? fileURLToPath(import.meta.url), ['--serve', kind, '--dir', dir], {
    execArgv: [...(script ? [] : ['--import', 'tsx']), ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: ServeMessage) => ('ready' in m ? resolve({ child, url: m.ready }) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

function control(child: ChildProcess, m: 'measure' | 'pause'): Promise<void> {
  return new Promise((resolve) => {
    const on = (r: ServeMessage) => {
      if (!('measured' in r)) return;
      child.off('message', on);
      resolve();
    };
    child.on('message', on);
    child.send(m);
  });
}

function stopServer(child: ChildProcess): Promise<ServerStats> {
  return new Promise((resolve) => {
    child.on('message', (m: ServeMessage) => {
      if ('maxRssMB' in m) resolve(m);
    });
    child.send('stop');
  });
}

interface Slice {
  total: number;
  seconds: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function summarize(slices: Slice[]) {
  const total = slices.reduce((a, s) => a + s.total, 0);
  const seconds = slices.reduce((a, s) => a + s.seconds, 0);
  const weighted = (k: 'p50' | 'p99') => (total === 0 ? 0 : slices.reduce((a, s) => a + s[k] * s.total, 0) / total);
  return {
    rate: total / seconds,
    total,
    p50: Number(weighted('p50').toFixed(1)),
    p99: Number(weighted('p99').toFixed(1)),
    non2xx: slices.reduce((a, s) => a + s.non2xx, 0),
    errors: slices.reduce((a, s) => a + s.errors, 0),
  };
}

/**
 * The machine is shared (other builds, tests): the three servers take turns in slices of at most
 * 2 s, rotating which goes first, so outside load hits all alike and the ratio stays
 * meaningful. p50/p99 are the request-weighted means of the slices' percentiles.
 */
async function main(): Promise<void> {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt >= 0) {
    await serve(process.argv[serveAt + 1]!, process.argv[process.argv.indexOf('--dir') + 1]!);
    return;
  }
  const duration = arg('duration', 10);
  const connections = arg('connections', 10);
  const warmup = arg('warmup', 10);
  const script = underTsx ? undefined : buildBenchForNode('webhook.bench', (line) => console.log(line));
  const runtime = underTsx ? 'tsx' : 'node-dist';
  const dir = mkdtempSync(join(tmpdir(), 'ponte-bench-webhook-'));
  const servers: Array<{ child: ChildProcess }> = [];
  try {
    console.log(
      `web form intake: signed JSON submissions creating tickets, ${connections} connections, ${duration} s per server (after a ${warmup} s warm-up each); ` +
        `servers under ${underTsx ? 'tsx (TypeScript source)' : 'node on dist/ (as npm start)'}`,
    );
    const ceilingServer = await startServer('ceiling', dir, script);
    servers.push(ceilingServer);
    const appServer = await startServer('ponte', dir, script);
    servers.push(appServer);
    const sameWorkServer = await startServer('same-work', dir, script);
    servers.push(sameWorkServer);
    const load = async (url: string, seconds: number, measured?: ChildProcess): Promise<Slice> => {
      if (measured) await control(measured, 'measure');
      const r = await autocannon({ url, connections, duration: seconds, requests: [{ setupRequest: nextRequest }] });
      if (measured) await control(measured, 'pause');
      return {
        total: r.requests.total,
        seconds: r.duration,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      };
    };
    await load(ceilingServer.url, warmup);
    await load(appServer.url, warmup);
    await load(sameWorkServer.url, warmup);
    const sliceSeconds = Math.min(2, duration);
    const ceilingSlices: Slice[] = [];
    const appSlices: Slice[] = [];
    const sameWorkSlices: Slice[] = [];
    for (let done = 0, round = 0; done < duration; done += sliceSeconds, round++) {
      const seconds = Math.min(sliceSeconds, duration - done);
      const order: Array<[Slice[], { url: string; child: ChildProcess }]> = [
        [ceilingSlices, ceilingServer],
        [appSlices, appServer],
        [sameWorkSlices, sameWorkServer],
      ];
      // Each server goes first, second and last in turn.
      for (let i = 0; i < order.length; i++) {
        const [slices, server] = order[(i + round) % order.length]!;
        slices.push(await load(server.url, seconds, server.child));
      }
    }
    const ceilingStats = await stopServer(ceilingServer.child);
    const appStats = await stopServer(appServer.child);
    const sameWorkStats = await stopServer(sameWorkServer.child);
    servers.length = 0;
    const ceiling = summarize(ceilingSlices);
    const app = summarize(appSlices);
    const sameWork = summarize(sameWorkSlices);
    const cpuPerReq = (s: ReturnType<typeof summarize>, stats: { cpuMs: number }) => (s.total === 0 ? 0 : stats.cpuMs / s.total);
    const row = (name: string, s: ReturnType<typeof summarize>, stats: ServerStats) =>
      `${name.padEnd(8)} ${s.rate.toFixed(0).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  non-2xx ${s.non2xx}  errors ${s.errors}  rows ${stats.rows}  maxRSS ${stats.maxRssMB.toFixed(0)} MB  CPU ${cpuPerReq(s, stats).toFixed(3)} ms/req`;
    console.log(row('ceiling', ceiling, ceilingStats));
    console.log(row('ponte', app, appStats));
    console.log(row('samework', sameWork, sameWorkStats));
    const ratio = app.rate / ceiling.rate;
    const cpuRatio = cpuPerReq(ceiling, ceilingStats) / cpuPerReq(app, appStats);
    console.log(`ratio ${(ratio * 100).toFixed(1)}% of the ceiling (aim >= 50%), p99 ${app.p99} ms (aim < 10 ms)`);
    const st = appStats.stalls;
    const measuredSeconds = appSlices.reduce((a, x) => a + x.seconds, 0);
    console.log(
      `ponte's stalls while measured (what makes the tail): event-loop delay p99 ${st.loopDelayP99Ms.toFixed(1)} ms (worst slice), max ${st.loopDelayMaxMs.toFixed(1)} ms; ` +
        `GC ${st.gcPauses} pauses, ${st.gcMs.toFixed(0)} ms (${(st.gcMs / 10 / measuredSeconds || 0).toFixed(1)}% of the time), longest ${st.gcMaxMs.toFixed(1)} ms`,
    );
    console.log(`CPU per request: the ceiling's is ${(cpuRatio * 100).toFixed(1)}% of Ponte's (less noisy than req/s on a busy machine)`);
    console.log(
      `same-work ceiling (informational; bare express + prepared statements writing Ponte's rows for one form ticket, one transaction each): ` +
        `${sameWork.rate.toFixed(0)} req/s, CPU ${cpuPerReq(sameWork, sameWorkStats).toFixed(3)} ms/req; ` +
        `Ponte's CPU per request is ${(cpuPerReq(app, appStats) / cpuPerReq(sameWork, sameWorkStats)).toFixed(2)}x it`,
    );
    if (process.argv.includes('--profile')) console.log(`CPU profiles in ${PROFILE_DIR}`);
    if (app.non2xx > 0 || app.errors > 0) console.log(`WARNING: ${app.non2xx} non-2xx answers and ${app.errors} errors from the app`);
    console.log(
      JSON.stringify({
        rate: Math.round(app.rate),
        ceiling: Math.round(ceiling.rate),
        ratio: Number(ratio.toFixed(3)),
        p50: app.p50,
        p99: app.p99,
        maxRssMB: Math.round(appStats.maxRssMB),
        cpuMsPerReq: Number(cpuPerReq(app, appStats).toFixed(3)),
        ceilingCpuMsPerReq: Number(cpuPerReq(ceiling, ceilingStats).toFixed(3)),
        sameWork: Math.round(sameWork.rate),
        sameWorkCpuMsPerReq: Number(cpuPerReq(sameWork, sameWorkStats).toFixed(3)),
        runtime,
        warmupSeconds: warmup,
        loopDelayP99Ms: Number(st.loopDelayP99Ms.toFixed(1)),
        gcMaxMs: Number(st.gcMaxMs.toFixed(1)),
      }),
    );
  } finally {
    for (const s of servers) s.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
