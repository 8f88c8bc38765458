/**
 * `npm run bench:ingest [-- --count 20000] [--concurrency 64] [--preload 1000000] [--seed 42]`
 *
 * N normalized messages (half new tickets, half replies matched by reference to an earlier
 * message) through the real pipeline (createApp + a test channel, loops off) on SQLite in a temp
 * dir, submitted with `--concurrency` ingests in flight (as concurrent webhook posts or an IMAP
 * batch arrive; 1 is one at a time), so the group commit gathers them into shared transactions.
 * Prints messages/s, p50/p95/p99 per message (submit to answer), max RSS, and two ceilings: the
 * same logical work in a bare better-sqlite3 loop with one transaction per message (the ratio is
 * against this one), and with one transaction per `--concurrency` messages (the batched ceiling).
 * With --preload N the database first holds N existing tickets, and the rate is compared with a
 * run without preload.
 * The last line is one JSON object: {rate, ceiling, ratio, p50, p95, p99, maxRssMB, batchedCeiling, preload, ...}.
 */
import { createBenchApp } from './support/bench-app.js';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createTestChannelDefinition } from '../test/support/test-channel.js';
import { type BenchMessage, buildWorkload, CHANNEL_ID, createBareIngest, NUMBER_START, percentile, preload } from './support/bench-data.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name} needs a non-negative number`);
    process.exit(2);
  }
  return Math.floor(v);
}

const count = arg('count', 20_000);
const concurrency = Math.max(1, arg('concurrency', 64));
const preloadCount = arg('preload', 0);
const seed = arg('seed', 42);
const log = (s: string) => console.log(s);
const dir = mkdtempSync(join(tmpdir(), 'ponte-bench-'));

async function prepareDatabase(path: string, preloadN: number): Promise<void> {
  const database = createDatabase({ driver: 'sqlite', path });
  const migrated = await migrateToLatest(database);
  if (migrated.error) throw migrated.error;
  await database.destroy();
  if (preloadN > 0) {
    const db = new SQLite(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    preload(db, preloadN, log);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}

interface RunResult {
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  maxRssMB: number;
  seconds: number;
}

/**
 * A measured ingest path. The machine is shared, so the runners take turns in chunks of the
 * workload (pipeline, ceiling, pipeline, ...): a burst of outside load hits them alike and the
 * ratio stays meaningful.
 */
interface Runner {
  name: string;
  latencies: Float64Array;
  seconds: number;
  maxRss: number;
  run(from: number, to: number): Promise<void>;
  close(): Promise<void>;
}

function result(r: Runner): RunResult {
  const sorted = r.latencies.slice().sort();
  return {
    rate: r.latencies.length / r.seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    maxRssMB: r.maxRss / (1024 * 1024),
    seconds: r.seconds,
  };
}

async function pipelineRunner(name: string, path: string, work: BenchMessage[], expectFirstNumber: number): Promise<Runner> {
  const channel = createTestChannelDefinition('test', 'email');
  const app = createBenchApp({
    dir,
    dbPath: path,
    definitions: [channel.definition],
    config: {
      tickets: { numberStart: NUMBER_START },
      automation: { autoAcknowledge: { enabled: false }, notifyAgents: { enabled: false } },
    },
    channels: [{ id: CHANNEL_ID, kind: 'test' }],
  });
  await app.start({ host: '127.0.0.1', port: 0 });
  const ctx = app.running.find((c) => c.entry.id === CHANNEL_ID)!.context;
  const r: Runner = {
    name,
    latencies: new Float64Array(work.length),
    seconds: 0,
    maxRss: process.memoryUsage.rss(),
    async run(from, to) {
      const started = process.hrtime.bigint();
      // `concurrency` submitters take the messages in order: message i is submitted before i+1,
      // so a reply is never stored before the message it references.
      let next = from;
      const one = async (i: number) => {
        const m = work[i]!;
        const t0 = process.hrtime.bigint();
        const outcome = await ctx.ingest({
          message: {
            externalId: m.externalId,
            from: { kind: 'email', address: m.from },
            subject: m.subject,
            text: m.text,
            threadHints: { references: m.references, signedTicketNumbers: [] },
          },
        });
        r.latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
        const wanted = m.references.length ? 'appended' : 'created';
        if (outcome.status !== wanted) throw new Error(`${name}: message ${i}: expected ${wanted}, got ${JSON.stringify(outcome)}`);
        if (i === 0 && outcome.status === 'created' && outcome.ticketNumber !== expectFirstNumber)
          throw new Error(`${name}: first ticket number ${outcome.ticketNumber}, expected ${expectFirstNumber}`);
        if ((i & 127) === 0) r.maxRss = Math.max(r.maxRss, process.memoryUsage.rss());
      };
      const submitter = async () => {
        while (next < to) await one(next++);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, submitter));
      r.seconds += Number(process.hrtime.bigint() - started) / 1e9;
      r.maxRss = Math.max(r.maxRss, process.memoryUsage.rss());
    },
    close: () => app.stop(),
  };
  return r;
}

/** The bare loop: one transaction per message, or per `batch` messages (the batched ceiling). */
function ceilingRunner(name: string, path: string, work: BenchMessage[], batch = 1): Runner {
  const db = new SQLite(path);
  // The same pragmas as the app's database handle.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const ingest = createBareIngest(db);
  const r: Runner = {
    name,
    latencies: new Float64Array(work.length),
    seconds: 0,
    maxRss: 0,
    async run(from, to) {
      const started = process.hrtime.bigint();
      for (let i = from; i < to; i += batch) {
        const t0 = process.hrtime.bigint();
        const end = Math.min(to, i + batch);
        if (batch === 1) ingest(work[i]!);
        else ingest(work.slice(i, end));
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        for (let k = i; k < end; k++) r.latencies[k] = ms;
      }
      r.seconds += Number(process.hrtime.bigint() - started) / 1e9;
    },
    close: async () => {
      db.close();
    },
  };
  return r;
}

async function interleave(runners: Runner[], total: number, chunk = 500): Promise<void> {
  for (let from = 0; from < total; from += chunk) {
    for (const r of runners) await r.run(from, Math.min(total, from + chunk));
  }
  for (const r of runners) await r.close();
}

const fmt = (r: RunResult) =>
  `${r.rate.toFixed(0)} msg/s, p50 ${r.p50.toFixed(3)} ms, p95 ${r.p95.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, ${r.seconds.toFixed(1)} s`;

async function main(): Promise<void> {
  log(
    `ponte ingest bench: ${count} messages (half new tickets, half replies by reference), concurrency ${concurrency}, preload ${preloadCount}, seed ${seed}, dir ${dir}`,
  );
  const work = buildWorkload(count, seed, 'm');

  const pipelinePath = join(dir, 'pipeline.db');
  const ceilingPath = join(dir, 'ceiling.db');
  const batchedPath = join(dir, 'batched.db');
  const t0 = Date.now();
  await prepareDatabase(pipelinePath, preloadCount);
  copyFileSync(pipelinePath, ceilingPath);
  copyFileSync(pipelinePath, batchedPath);
  if (preloadCount > 0) log(`preloaded ${preloadCount} tickets in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const runners = [
    await pipelineRunner('pipeline', pipelinePath, work, NUMBER_START + preloadCount),
    ceilingRunner('ceiling', ceilingPath, work),
    ceilingRunner('batched', batchedPath, work, concurrency),
  ];
  if (preloadCount > 0) {
    const freshPath = join(dir, 'fresh.db');
    await prepareDatabase(freshPath, 0);
    runners.push(await pipelineRunner('fresh', freshPath, work, NUMBER_START));
  }
  await interleave(runners, work.length);
  const pipeline = result(runners[0]!);
  const ceiling = result(runners[1]!);
  const batched = result(runners[2]!);
  log(`pipeline: ${fmt(pipeline)}, max RSS ${pipeline.maxRssMB.toFixed(0)} MB`);
  log(`ceiling (bare better-sqlite3, one transaction per message): ${fmt(ceiling)}`);
  log(
    `batched ceiling (bare better-sqlite3, one transaction per ${concurrency} messages): ${fmt(batched)}; pipeline at ${((pipeline.rate / batched.rate) * 100).toFixed(1)}% of it`,
  );
  const ratio = pipeline.rate / ceiling.rate;
  log(`ratio: ${(ratio * 100).toFixed(1)}% of the ceiling`);
  let rateWithoutPreload: number | undefined;
  if (preloadCount > 0) {
    const fresh = result(runners[3]!);
    rateWithoutPreload = fresh.rate;
    log(
      `pipeline without preload: ${fmt(fresh)}; with ${preloadCount} preloaded tickets the rate is ${((pipeline.rate / fresh.rate) * 100).toFixed(1)}% of it (cost ${((1 - pipeline.rate / fresh.rate) * 100).toFixed(1)}%)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      rate: round(pipeline.rate, 1),
      ceiling: round(ceiling.rate, 1),
      ratio: round(ratio),
      p50: round(pipeline.p50),
      p95: round(pipeline.p95),
      p99: round(pipeline.p99),
      maxRssMB: round(pipeline.maxRssMB, 1),
      batchedCeiling: round(batched.rate, 1),
      concurrency,
      preload: preloadCount,
      ...(rateWithoutPreload !== undefined
        ? { rateWithoutPreload: round(rateWithoutPreload, 1), preloadRatio: round(pipeline.rate / rateWithoutPreload) }
        : {}),
      count,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
