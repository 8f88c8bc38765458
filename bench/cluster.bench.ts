/**
 * `npm run bench:cluster [-- --duration 6] [--connections 12] [--mails 100] [--lease 2000] [--rounds 1]`
 *
 * Three real `ponte serve` processes on one PostgreSQL database (PONTE_BENCH_POSTGRES_URL, else
 * PONTE_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test) with a public web form
 * (shared rate limits on, set high) and one Dovecot mailbox. For N = 1, 2, 3 the same load
 * (autocannon, `connections` split across the first N gateways) posts form submissions while
 * `mails` mails are APPENDed to the mailbox; afterwards every submission answered 201 is one
 * ticket and every mail one message (exactly once). The ceiling: N bare express + pg servers
 * doing one INSERT of the submission per request (own transaction), same load, same N.
 * Each run also prints the CPU its processes spent per request (all gateways; the ceiling's
 * servers): a rate far below the ceiling at a low CPU cost means waiting on the database.
 * Then the mailbox owner is killed (SIGKILL): the time until another gateway holds the mailbox
 * (after the kill, and after the owner's last renewal by the database's clock), and until a mail
 * APPENDed right after the kill is a ticket.
 * The last line is one JSON object: {rate, ceiling, ratio, p50, p95, p99, maxRssMB, ...}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort, startDovecot, type TestDovecot } from '../scripts/test-services/dovecot.js';
import { buildMail, uniqueId } from '../scripts/test-services/mail-factory.js';
import {
  channelStates,
  createSharedPostgres,
  spawnGateway,
  waitFor,
  type GatewayProcess,
  type SharedPostgres,
} from '../test/cluster/cluster-harness.js';

const SITE = 'https://loja.example.com.br';
const FORM = 'contato';
const BASE_URL = process.env.PONTE_BENCH_POSTGRES_URL || process.env.PONTE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

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

// ---------------------------------------------------------------- child: the bare-library ceiling

async function serveCeiling(url: string): Promise<void> {
  const { default: express } = await import('express');
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const app = express();
  app.post(`/hooks/forms/${FORM}`, express.json(), async (req, res) => {
    const body = req.body as { email?: string };
    const r = await pool.query('INSERT INTO ceiling_submissions (email, payload, created_at) VALUES ($1, $2, $3) RETURNING id', [
      String(body.email ?? ''),
      JSON.stringify(body),
      Date.now(),
    ]);
    res.status(201).json({ ticketNumber: Number(r.rows[0].id), status: 'created' });
  });
  const s = app.listen(0, '127.0.0.1', () => process.send!({ ready: `http://127.0.0.1:${(s.address() as { port: number }).port}` }));
  process.on('message', (m) => {
    if (m === 'stop') void pool.end().then(() => process.exit(0));
  });
}

function startCeiling(url: string): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve-ceiling', url], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { ready: string }) => resolve({ child, url: m.ready }));
    child.once('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
}

// ---------------------------------------------------------------- load

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface AutocannonResult {
  requests: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  '2xx': number;
}
type Instance = PromiseLike<AutocannonResult> & {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: Array<{ setupRequest: (req: AutocannonRequest) => AutocannonRequest }>;
}) => Instance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

let counter = 0;
function nextRequest(req: AutocannonRequest): AutocannonRequest {
  counter++;
  return {
    ...req,
    method: 'POST',
    path: `/hooks/forms/${FORM}`,
    headers: { 'content-type': 'application/json', origin: SITE },
    body: JSON.stringify({
      nome: `Cliente ${counter % 997}`,
      email: `cliente${counter % 997}@bench.test`,
      mensagem: `Meu pedido PED-${counter} não chegou. Poderiam verificar, por favor?`,
    }),
  };
}

interface Run {
  rate: number;
  ok: number;
  bad: number;
  p50: number;
  p95: number;
  p99: number;
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

/** `connections` split across the servers, all at once for `seconds`; latencies of every response. */
async function load(urls: string[], connections: number, seconds: number): Promise<Run> {
  const latencies: number[] = [];
  const per = urls.map((_, i) => Math.floor(connections / urls.length) + (i < connections % urls.length ? 1 : 0));
  const results = await Promise.all(
    urls.map((url, i) => {
      const inst = autocannon({ url, connections: per[i]!, duration: seconds, requests: [{ setupRequest: nextRequest }] });
      inst.on('response', (_c, _s, _b, ms) => latencies.push(ms));
      return inst;
    }),
  );
  latencies.sort((a, b) => a - b);
  const ok = results.reduce((a, r) => a + r['2xx'], 0);
  const seconds_ = Math.max(...results.map((r) => r.duration));
  return {
    rate: ok / seconds_,
    ok,
    bad: results.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
    p50: +pct(latencies, 50).toFixed(1),
    p95: +pct(latencies, 95).toFixed(1),
    p99: +pct(latencies, 99).toFixed(1),
  };
}

/** CPU time (user + system) a process has used so far, in ms (from /proc: the gateways are children). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** `run` and the CPU the processes spent on it, per request answered 2xx. */
async function withCpu(pids: number[], run: () => Promise<Run>): Promise<Run & { cpuMsPerReq: number }> {
  const before = pids.reduce((a, p) => a + cpuMs(p), 0);
  const r = await run();
  const spent = pids.reduce((a, p) => a + cpuMs(p), 0) - before;
  return { ...r, cpuMsPerReq: +(spent / Math.max(1, r.ok)).toFixed(2) };
}

/** Peak resident set of a process (VmHWM), in MB. */
function peakRssMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const ceilingAt = process.argv.indexOf('--serve-ceiling');
  if (ceilingAt >= 0) return serveCeiling(process.argv[ceilingAt + 1]!);
  const duration = arg('duration', 6);
  const connections = arg('connections', 12);
  const mails = arg('mails', 100);
  const leaseMs = arg('lease', 2000);
  const rounds = arg('rounds', 1);
  const log = (s: string) => console.log(s);

  let pg: SharedPostgres | undefined;
  let dovecot: TestDovecot | undefined;
  const gateways: GatewayProcess[] = [];
  const ceilings: Array<{ child: ChildProcess; url: string }> = [];
  try {
    pg = await createSharedPostgres(BASE_URL);
    dovecot = await startDovecot();
    await pg.db.kysely.schema
      .createTable('ceiling_submissions')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    const config = {
      database: { driver: 'postgres', url: pg.url, poolSize: 10 },
      security: { secret: 'cluster-bench-secret-0123456789' },
      logging: { level: 'warn' },
      cluster: { leaseMs },
      channels: [
        {
          id: 'support',
          kind: 'email',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: dovecot.imapConfig({ pollIntervalSeconds: 5 }),
          smtp: { host: '127.0.0.1', port: 1 },
        },
        {
          id: FORM,
          kind: 'webform',
          mode: 'public',
          origin: 'site form',
          replyVia: 'support',
          allowedOrigins: [SITE],
          fields: { nome: 'name', email: 'email', mensagem: 'message' },
          rateLimit: { perIpPerMinute: 100_000, perFormPerMinute: 1_000_000 },
        },
      ],
    };
    const t0 = Date.now();
    gateways.push(await spawnGateway(config, await freePort(), 180_000)); // migrates
    gateways.push(
      ...(await Promise.all([spawnGateway(config, await freePort(), 180_000), spawnGateway(config, await freePort(), 180_000)])),
    );
    for (let i = 0; i < 3; i++) ceilings.push(await startCeiling(pg.url));
    log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    log(
      `cluster: 3 gateway processes up in ${((Date.now() - t0) / 1000).toFixed(1)} s; public form (shared rate limits) + one IMAP mailbox; ${connections} connections, ${duration} s per run, ${mails} mails per run, lease ${leaseMs} ms`,
    );
    const gw = gateways.map((g) => g.url);
    const cl = ceilings.map((c) => c.url);
    await load(gw, connections, 1); // warm-up (JIT, pools)
    await load(cl, connections, 1);

    const rows: Array<{ n: number; ponte: Run & { cpuMsPerReq: number }; ceiling: Run & { cpuMsPerReq: number } }> = [];
    const mailIds: string[] = [];
    // Rounds alternate the order (1 2 3, 3 2 1, …) so that drift in the machine's load does not
    // favour one N; each N's figure is its median round.
    const order = Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? [1, 2, 3] : [3, 2, 1])).flat();
    for (const n of order) {
      const ids = Array.from({ length: mails }, () => uniqueId());
      mailIds.push(...ids);
      const appending = dovecot.appendMany(
        ids.map((id, i) => buildMail({ messageId: id, fromName: `Cliente ${i}`, subject: `Pedido ${i}`, text: `Mensagem ${i}` })),
        'INBOX',
        2,
      );
      // Every gateway's CPU counts: the mailbox owner fetches mail even when it gets no form load.
      const ponte = await withCpu(
        gateways.map((g) => g.pid),
        () => load(gw.slice(0, n), connections, duration),
      );
      await appending;
      const ceiling = await withCpu(
        ceilings.slice(0, n).map((c) => c.child.pid!),
        () => load(cl.slice(0, n), connections, duration),
      );
      rows.push({ n, ponte, ceiling });
      log(
        `N=${n}  ponte ${ponte.rate.toFixed(0).padStart(5)} req/s  p50 ${ponte.p50} ms  p95 ${ponte.p95} ms  p99 ${ponte.p99} ms  non-2xx/errors ${ponte.bad}  CPU ${ponte.cpuMsPerReq} ms/req   ceiling (bare pg) ${ceiling.rate.toFixed(0).padStart(5)} req/s  p99 ${ceiling.p99} ms  CPU ${ceiling.cpuMsPerReq} ms/req   ratio ${((ponte.rate / ceiling.rate) * 100).toFixed(1)}%`,
      );
    }

    // Exactly once: each 201 is one ticket; each mail one message.
    const db = pg.db.kysely;
    const formOk = rows.reduce((a, r) => a + r.ponte.ok, 0);
    const count = async (q: Promise<{ n: number | string } | undefined>) => Number((await q)?.n ?? 0);
    await waitFor(
      async () =>
        (await count(
          db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('channel_id', '=', 'support')
            .executeTakeFirst(),
        )) >= mailIds.length,
      120_000,
      'every mail ingested',
    );
    // autocannon drops the answers still in flight when a run ends, so a 201 count is a floor: each
    // submission carries a unique PED-n, and no text may be stored twice.
    const formTickets = await count(
      db
        .selectFrom('tickets')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('origin', '=', 'site form')
        .executeTakeFirst(),
    );
    const formTexts = await count(
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.count<number>('text').distinct().as('n'))
        .where('channel_id', '=', FORM)
        .executeTakeFirst(),
    );
    const formMessages = await count(
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel_id', '=', FORM)
        .executeTakeFirst(),
    );
    const mailMessages = await count(
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel_id', '=', 'support')
        .executeTakeFirst(),
    );
    const mailDistinct = await count(
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.count<number>('external_id').distinct().as('n'))
        .where('channel_id', '=', 'support')
        .executeTakeFirst(),
    );
    // A returning customer's submission is appended to their open ticket (997 addresses rotate),
    // so tickets are fewer than submissions; every submission is one message.
    const exactlyOnce =
      formMessages >= formOk &&
      formTickets <= formMessages &&
      formTexts === formMessages &&
      mailMessages === mailIds.length &&
      mailDistinct === mailIds.length;
    log(
      `exactly once: ${formOk} form answers 201 seen -> ${formMessages} messages (${formTexts} distinct submissions) on ${formTickets} tickets; ${mailIds.length} mails -> ${mailMessages} messages (${mailDistinct} distinct)  ${exactlyOnce ? 'OK' : 'MISMATCH'}`,
    );
    const sessions = await Promise.all(gateways.map(async (g) => (await channelStates(g.url)).support));
    log(`mailbox owners: ${sessions.filter((s) => s !== 'standby').length} of 3 (states: ${sessions.join(', ')})`);

    // Failover: kill the mailbox owner without a goodbye.
    const maxRssMB = Math.max(...gateways.map((g) => peakRssMB(g.pid)));
    const owner = gateways[sessions.findIndex((s) => s !== 'standby')]!;
    const rest = gateways.filter((g) => g !== owner);
    const leaseRow = () =>
      db.selectFrom('leases').select(['holder', 'epoch', 'expires_at']).where('name', '=', 'source:support').executeTakeFirstOrThrow();
    const killedAt = Date.now();
    await owner.kill();
    // Read after the kill: the dead owner's last renewal (its expiry minus one period, database clock).
    const before = await leaseRow();
    const afterKill = uniqueId();
    const appended = dovecot.appendMessage(
      buildMail({ messageId: afterKill, fromName: 'Depois', subject: 'Depois da queda', text: 'Chegou?' }),
    );
    // Measured on the lease row (not through a loaded process's /healthz): when another process holds it.
    const taken = await waitFor(
      async () => {
        const row = await leaseRow();
        return row.holder !== before.holder ? row : undefined;
      },
      10 * leaseMs,
      'a new mailbox owner',
    );
    const failoverMs = Date.now() - killedAt;
    // By the database's clock: the heir's first take minus the dead owner's last renewal.
    const sinceRenewalMs = Number(taken.expires_at) - Number(before.expires_at);
    await appended;
    const heirs = await Promise.all(rest.map(async (g) => (await channelStates(g.url)).support));
    await waitFor(
      async () => !!(await db.selectFrom('messages').select('id').where('external_id', '=', afterKill).executeTakeFirst()),
      60_000,
      'the mail sent after the kill',
    );
    const mailAfterKillMs = Date.now() - killedAt;
    log(
      `failover: owner killed -> another gateway holds the mailbox lease in ${failoverMs} ms after the kill, ${sinceRenewalMs} ms after the owner's last renewal by the database clock (bound: 2 leases = ${2 * leaseMs} ms; heirs now ${heirs.join(', ')}); mail appended after the kill is a ticket in ${mailAfterKillMs} ms`,
    );

    const medianRow = (n: number) => {
      const of = rows.filter((r) => r.n === n).sort((a, b) => a.ponte.rate - b.ponte.rate);
      return of[Math.floor((of.length - 1) / 2)]!;
    };
    const perN = [1, 2, 3].map(medianRow);
    if (rounds > 1)
      for (const r of perN)
        log(
          `median of ${rounds} rounds: N=${r.n}  ponte ${r.ponte.rate.toFixed(0)} req/s (p99 ${r.ponte.p99} ms)  ceiling ${r.ceiling.rate.toFixed(0)} req/s  ratio ${((r.ponte.rate / r.ceiling.rate) * 100).toFixed(1)}%`,
        );
    const top = perN[2]!;
    const ratio = top.ponte.rate / top.ceiling.rate;
    console.log(
      JSON.stringify({
        rate: Math.round(top.ponte.rate),
        ceiling: Math.round(top.ceiling.rate),
        ratio: Number(ratio.toFixed(3)),
        p50: top.ponte.p50,
        p95: top.ponte.p95,
        p99: top.ponte.p99,
        maxRssMB: Math.round(maxRssMB),
        perN: perN.map((r) => ({
          n: r.n,
          rate: Math.round(r.ponte.rate),
          ceiling: Math.round(r.ceiling.rate),
          p99: r.ponte.p99,
          cpuMsPerReq: r.ponte.cpuMsPerReq,
          ceilingCpuMsPerReq: r.ceiling.cpuMsPerReq,
        })),
        exactlyOnce,
        failoverMs,
        failoverSinceRenewalMs: sinceRenewalMs,
        mailAfterKillMs,
        leaseMs,
        rounds,
      }),
    );
  } finally {
    for (const c of ceilings) c.child.send('stop');
    for (const g of gateways) await g.kill().catch(() => undefined);
    await dovecot?.dispose();
    await pg?.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
