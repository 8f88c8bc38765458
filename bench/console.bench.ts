/**
 * Console page times at 100k tickets on SQLite. Seeds 100,000 tickets (3 messages each, a
 * contact and identity per requester) with bare better-sqlite3, starts the whole gateway, signs
 * an agent in, then requests each page many times over loopback and prints p50/p95 per page.
 * The time is the loopback round trip (an upper bound on server time). The ceiling is the
 * bare SQL of each page alone (better-sqlite3, same statements' shape, no HTTP, no HTML).
 * Ends with one JSON line.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { newId } from '../src/domain/ids.js';
import { createSession } from '../src/web/shared/web-auth.repository.js';
import { createAgent } from '../src/db/repositories/agent.repository.js';
import { createPrng } from '../test/support/prng.js';
import { createBenchApp } from './support/bench-app.js';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const dir = mkdtempSync(join(tmpdir(), 'ponte-console-bench-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

function seed(dbPath: string, agentIds: string[]): number {
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const rnd = createPrng(42);
  const now = Date.now();
  const statuses = ['new', 'open', 'pending', 'solved', 'solved', 'closed', 'closed', 'closed'];
  const insC = db.prepare('INSERT INTO contacts (id, name, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const insI = db.prepare('INSERT INTO contact_identities (id, contact_id, kind, address, created_at) VALUES (?, ?, ?, ?, ?)');
  const insT = db.prepare(
    `INSERT INTO tickets (id, number, subject, status, priority, category, reference, origin, custom_fields, requester_id, assignee_id, origin_channel_id, last_customer_channel_id, locale,
      created_at, updated_at, status_changed_at, last_customer_message_at, first_response_due_at, next_response_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insM = db.prepare(
    `INSERT INTO messages (id, ticket_id, direction, visibility, author_type, author_contact_id, author_agent_id, purpose, channel_id, external_id, sender_address, text, reply_text, classification, delivery_status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'customer', ?, ?)`,
  );
  const words = ['pedido', 'entrega', 'troca', 'boleto', 'reembolso', 'atraso', 'produto', 'nota fiscal', 'cartão', 'endereço'];
  const tx = db.transaction(() => {
    for (let i = 0; i < TICKETS; i++) {
      const created = now - (TICKETS - i) * 30_000;
      const cid = newId(created);
      const email = `cliente${i}@example.com`;
      insC.run(cid, `Cliente ${i}`, 'pt-BR', created, created);
      insI.run(newId(created), cid, 'email', email, created);
      const tid = newId(created);
      const status = statuses[Math.floor(rnd() * statuses.length)]!;
      const updated = created + Math.floor(rnd() * 3_600_000);
      const due = status === 'new' || status === 'open' ? updated + Math.floor((rnd() - 0.3) * 86_400_000) : null;
      const w = words[i % words.length]!;
      insT.run(
        tid,
        10001 + i,
        `Problema com ${w} ${i}`,
        status,
        rnd() < 0.05 ? 'high' : 'normal',
        rnd() < 0.5 ? 'suporte' : null,
        `PED-${i}`,
        null,
        JSON.stringify({ order_id: String(100000 + i) }),
        cid,
        rnd() < 0.6 ? agentIds[i % agentIds.length]! : null,
        'mail',
        'mail',
        'pt-BR',
        created,
        updated,
        updated,
        updated,
        due,
        null,
      );
      for (let k = 0; k < 3; k++) {
        const at = created + k * 60_000;
        const out = k === 1;
        insM.run(
          newId(at),
          tid,
          out ? 'out' : 'in',
          'public',
          out ? 'agent' : 'customer',
          out ? null : cid,
          out ? agentIds[0]! : null,
          out ? 'reply' : 'customer',
          'mail',
          `<${i}.${k}@bench>`,
          out ? null : email,
          `Mensagem ${k} sobre ${w} do pedido ${100000 + i}. `.repeat(4),
          null,
          out ? 'sent' : null,
          at,
        );
      }
    }
  });
  tx();
  db.exec('ANALYZE');
  db.close();
  return now;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  // BENCH_DB=<file>: keep the seeded database there and reuse it on the next run (query tuning).
  const keep = process.env.BENCH_DB;
  const reuse = !!keep && existsSync(keep);
  const dbPath = keep ?? join(dir, 'ponte.db');
  const app = createBenchApp({ dir, dbPath, definitions: [], channels: [], config: { console: { livePollMs: 1000 } } });
  const { url } = await app.start({ host: '127.0.0.1', port: 0 });
  const db = app.database.kysely;
  const agents: string[] = [];
  if (reuse) {
    agents.push(...(await db.selectFrom('agents').select('id').orderBy('id').execute()).map((a) => a.id));
  } else {
    for (let i = 0; i < 8; i++)
      agents.push(
        (await createAgent(db, { name: `Agent ${i}`, email: `agent${i}@loja.example`, role: i === 0 ? 'admin' : 'agent' }, Date.now()))
          .agent.id,
      );
    const t0 = Date.now();
    seed(dbPath, agents);
    log(`seeded ${TICKETS} tickets (${TICKETS * 3} messages) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const { token } = await createSession(db, { agentId: agents[0]!, now: Date.now(), ttlMs: 86_400_000 });
  const cookie = `ponte_session=${token}`;
  const mid = 10001 + Math.floor(TICKETS / 2);
  const pages: Array<[string, string]> = [
    ['inbox: all open (activity)', '/?view=open'],
    ['inbox: mine', '/?view=mine'],
    ['inbox: unassigned', '/?view=unassigned'],
    ['inbox: awaiting customer', '/?view=pending'],
    ['inbox: solved', '/?view=solved'],
    ['inbox: open by SLA due', '/?view=open&sort=due'],
    ['inbox: all, newest', '/?view=all&sort=created'],
    ['inbox: rows fragment (live)', '/?view=open&fragment=rows'],
    ['inbox: search #number', `/?view=all&q=%23${mid}`],
    ['inbox: search email', `/?view=all&q=cliente${mid - 10001}%40example.com`],
    ['inbox: search words', '/?view=all&q=reembolso'],
    ['inbox: field order_id', `/?view=all&field=order_id:${100000 + mid - 10001}`],
    ['inbox: reference', `/?view=all&reference=PED-${mid - 10001}`],
    ['ticket page', `/tickets/${mid}`],
    ['ticket thread fragment (live)', `/tickets/${mid}?fragment=thread`],
    ['admin: SLA overview', '/admin/sla'],
    ['new conversation', '/new'],
  ];
  const bare = new SQLite(dbPath, { readonly: true });
  const ceilingQueries: Record<string, () => unknown> = {
    open: () =>
      bare.prepare("SELECT * FROM tickets WHERE (status || '') IN ('new','open') ORDER BY updated_at DESC, id DESC LIMIT 51").all(),
    ticket: () => {
      const t = bare.prepare('SELECT * FROM tickets WHERE number = ?').get(mid) as { id: string; requester_id: string };
      bare.prepare('SELECT * FROM messages WHERE ticket_id = ? ORDER BY id').all(t.id);
      bare.prepare('SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id').all(t.id);
      bare.prepare('SELECT * FROM contact_identities WHERE contact_id = ?').all(t.requester_id);
      return bare.prepare('SELECT * FROM tickets WHERE requester_id = ? ORDER BY id DESC LIMIT 11').all(t.requester_id);
    },
  };
  const load = loadavg()[0]!;
  log(`load average before measuring: ${load.toFixed(1)} (times on a busy machine are inflated)`);
  const results: Array<{ name: string; p50: number; p95: number; p99: number; cpuMs: number }> = [];
  const all: number[] = [];
  let maxRss = 0;
  for (const [name, path] of pages) {
    const times: number[] = [];
    let cpu = process.cpuUsage();
    for (let i = 0; i < ROUNDS + 3; i++) {
      if (i === 3) cpu = process.cpuUsage();
      const s = performance.now();
      const res = await fetch(url + path, { headers: { cookie, accept: 'text/html' } });
      await res.text();
      const ms = performance.now() - s;
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
      if (i >= 3) times.push(ms);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
    const used = process.cpuUsage(cpu);
    times.sort((a, b) => a - b);
    all.push(...times);
    // CPU per page (server and the client's fetch, one process): the load-independent figure.
    const r = {
      name,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      p99: percentile(times, 99),
      cpuMs: (used.user + used.system) / 1000 / ROUNDS,
    };
    results.push(r);
    log(
      `${name.padEnd(34)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   cpu ${r.cpuMs.toFixed(1).padStart(5)} ms${r.p95 > 100 ? '   OVER 100 ms' : ''}`,
    );
  }
  // Ceiling: the bare SQL of the two most used pages (inbox and ticket), alternated.
  const bareTimes: number[] = [];
  for (let i = 0; i < ROUNDS * 4; i++) {
    const s = performance.now();
    (i % 2 ? ceilingQueries.ticket! : ceilingQueries.open!)();
    bareTimes.push(performance.now() - s);
  }
  const consoleTimes = results.filter((r) => r.name === 'inbox: all open (activity)' || r.name === 'ticket page');
  const consoleMean = consoleTimes.reduce((a, r) => a + r.p50, 0) / consoleTimes.length;
  bareTimes.sort((a, b) => a - b);
  const bareMean = percentile(bareTimes, 50);
  all.sort((a, b) => a - b);
  const rate = 1000 / consoleMean;
  const ceiling = 1000 / bareMean;
  log(
    `inbox + ticket pages: ${rate.toFixed(0)} pages/s (p50); bare SQL of the same pages: ${ceiling.toFixed(0)}/s; ratio ${((rate / ceiling) * 100).toFixed(1)}%`,
  );
  log(`slowest page p95: ${Math.max(...results.map((r) => r.p95)).toFixed(1)} ms`);
  bare.close();
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
  const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      rate: round(rate, 1),
      ceiling: round(ceiling, 1),
      ratio: round(rate / ceiling, 3),
      p50: round(percentile(all, 50)),
      p95: round(percentile(all, 95)),
      p99: round(percentile(all, 99)),
      maxRssMB: round(maxRss / 1048576, 1),
      tickets: TICKETS,
      loadAvg: round(load, 1),
      slowestPageP95: round(Math.max(...results.map((r) => r.p95))),
      maxCpuMsPerPage: round(Math.max(...results.map((r) => r.cpuMs))),
      pages: Object.fromEntries(results.map((r) => [r.name, { p50: round(r.p50), p95: round(r.p95), cpuMs: round(r.cpuMs) }])),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
