/**
 * Ticket text search at 1M messages on SQLite (issue 15). Migrates an empty database (FTS5 tables
 * and their triggers), seeds 250,000 tickets x 4 messages of Portuguese support text with bare
 * better-sqlite3 (the triggers index as it goes, as in production), then runs typical agent
 * searches through `listTickets` (what /api/tickets?q= and the console call) and prints p50/p95
 * per search. The ceiling is the bare FTS5 statement alone (better-sqlite3, one MATCH, ticket ids
 * newest first, no identities, claims or mapping). The old LIKE scan is timed once for contrast.
 * Ends with one JSON line: {rate, ceiling, ratio, p50, p95, p99, maxRssMB, ...}.
 * BENCH_MESSAGES changes the size; BENCH_DB=<file> keeps the seeded database for another run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database.js';
import { fts5Phrase, searchWords } from '../src/db/full-text.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { listTickets } from '../src/db/repositories/ticket.repository.js';
import { folded, foldText } from '../src/db/search-fold.js';
import { newId } from '../src/domain/ids.js';
import { createPrng } from '../test/support/prng.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const PER_TICKET = 4;
const TICKETS = Math.floor(MESSAGES / PER_TICKET);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'ponte-search-bench-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

const FIRST = [
  'Ana',
  'João',
  'Maria',
  'José',
  'Antônio',
  'Francisca',
  'Lúcia',
  'Paulo',
  'Márcia',
  'Luís',
  'Conceição',
  'Sebastião',
  'Fábio',
  'Débora',
  'Cláudio',
  'Patrícia',
];
const LAST = [
  'Silva',
  'Souza',
  'Araújo',
  'Gonçalves',
  'Ribeiro',
  'Simões',
  'Magalhães',
  'Conceição',
  'Nogueira',
  'Brandão',
  'Guimarães',
  'Falcão',
  'Peçanha',
  'Quintão',
];
const VOCAB = (
  'pedido entrega atrasou não chegou troca produto defeito reembolso boleto vencido segunda via nota fiscal cartão crédito parcelamento ' +
  'endereço cobrança duplicada cancelamento garantia técnico visita geladeira fogão máquina lavar televisão celular carregador ' +
  'devolução estorno promoção cupom desconto frete transportadora rastreio código prazo loja atendimento reclamação urgente ' +
  'obrigado bom dia boa tarde por favor aguardo retorno já faz semanas ninguém respondeu preciso solução hoje amanhã ainda'
).split(' ');
const RARE = [
  'liquidificador',
  'ventilador',
  'churrasqueira',
  'aspirador',
  'cafeteira',
  'sanduicheira',
  'purificador',
  'umidificador',
  'micro-ondas',
  'air fryer',
];

function seed(dbPath: string): void {
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const rnd = createPrng(15);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const now = Date.now();
  const insC = db.prepare('INSERT INTO contacts (id, name, locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const insI = db.prepare('INSERT INTO contact_identities (id, contact_id, kind, address, created_at) VALUES (?, ?, ?, ?, ?)');
  const insT = db.prepare(
    `INSERT INTO tickets (id, number, subject, status, priority, origin, custom_fields, requester_id, origin_channel_id, last_customer_channel_id, locale,
      created_at, updated_at, status_changed_at, last_customer_message_at) VALUES (?, ?, ?, ?, 'normal', NULL, '{}', ?, 'mail', 'mail', 'pt-BR', ?, ?, ?, ?)`,
  );
  const insM = db.prepare(
    `INSERT INTO messages (id, ticket_id, direction, visibility, author_type, purpose, channel_id, external_id, sender_address, text, classification, created_at)
     VALUES (?, ?, ?, 'public', ?, ?, 'mail', ?, ?, ?, 'customer', ?)`,
  );
  const sentence = (n: number) => Array.from({ length: n }, () => pick(VOCAB)).join(' ');
  const contacts: Array<{ id: string; email: string; name: string }> = [];
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const created = now - (TICKETS - i) * 20_000;
      let c = contacts[i % 100_000];
      if (!c) {
        const name = `${pick(FIRST)} ${pick(LAST)}`;
        c = { id: newId(created), email: `cliente${i}@example.com`, name };
        contacts[i % 100_000] = c;
        insC.run(c.id, name, 'pt-BR', created, created);
        insI.run(newId(created), c.id, 'email', c.email, created);
        insI.run(newId(created), c.id, 'phone', `+55119${String(10_000_000 + i).slice(-8)}`, created);
      }
      const tid = newId(created);
      const order = 100_000 + i;
      insT.run(
        tid,
        10001 + i,
        `${pick(VOCAB)} ${pick(VOCAB)} pedido ${order}`,
        pick(['new', 'open', 'pending', 'solved', 'closed', 'closed']),
        c.id,
        created,
        created,
        created,
        created,
      );
      for (let k = 0; k < PER_TICKET; k++) {
        const at = created + k * 60_000;
        const out = k % 2 === 1;
        const extra = rnd() < 0.002 ? ` ${pick(RARE)}` : '';
        const text = out
          ? `Olá ${c.name.split(' ')[0]}, ${sentence(18)}. Atenciosamente, equipe.`
          : `${sentence(25)} pedido ${order}${extra}. ${c.name}`;
        insM.run(
          newId(at),
          tid,
          out ? 'out' : 'in',
          out ? 'agent' : 'customer',
          out ? 'reply' : 'customer',
          `<${i}.${k}@bench>`,
          out ? null : c.email,
          text,
          at,
        );
      }
    }
  });
  const step = 10_000;
  for (let from = 0; from < TICKETS; from += step) {
    batch(from, Math.min(TICKETS, from + step));
    if (from % 50_000 === 0) log(`  seeded ${from * PER_TICKET} messages`);
  }
  db.exec('ANALYZE');
  db.close();
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const keep = process.env.BENCH_DB;
  const reuse = !!keep && existsSync(keep);
  const dbPath = keep ?? join(dir, 'ponte.db');
  const database = createDatabase({ driver: 'sqlite', path: dbPath });
  await migrateToLatest(database);
  if (!reuse) {
    const t0 = Date.now();
    seed(dbPath);
    log(`seeded ${TICKETS} tickets, ${TICKETS * PER_TICKET} messages (FTS5 triggers on) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const mid = Math.floor(TICKETS / 2);
  // A requester that exists (contacts are reused after the first 100,000 tickets).
  const who = mid % 100_000;
  const searches: Array<[string, string]> = [
    ['order number', String(100_000 + mid)],
    ['rare product word', 'liquidificador'],
    ['rare word, no accent, prefix', 'churrasq'],
    ['customer name', 'Magalhaes'],
    ['full name, accents dropped', 'conceicao quintao'],
    ['phrase', 'boleto vencido'],
    ['phrase typed without accents', 'nao chegou'],
    ['common word', 'reembolso'],
    ['email of the requester', `cliente${who}@example.com`],
    ['phone typed with punctuation', `(11) 9${String(10_000_000 + who).slice(-8, -4)}-${String(10_000_000 + who).slice(-4)}`],
    ['word nobody wrote', 'paralelepipedo'],
  ];
  const bare = new SQLite(dbPath, { readonly: true });
  const bareStmt = bare.prepare(
    'SELECT id FROM tickets WHERE id IN (SELECT ticket_id FROM message_fts WHERE message_fts MATCH ?) ORDER BY id DESC LIMIT 50',
  );
  const all: number[] = [];
  const bareAll: number[] = [];
  const results: Array<{ name: string; q: string; p50: number; p95: number; found: number; bareP50: number }> = [];
  let maxRss = process.memoryUsage().rss;
  for (const [name, q] of searches) {
    const times: number[] = [];
    const bareTimes: number[] = [];
    let found = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      found = (await listTickets(database.kysely, { text: q, now: Date.now(), limit: 50 })).length;
      times.push(performance.now() - t0);
      const words = searchWords(q);
      if (words.length) {
        const b0 = performance.now();
        bareStmt.all(fts5Phrase(words));
        bareTimes.push(performance.now() - b0);
      }
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
    times.sort((a, b) => a - b);
    bareTimes.sort((a, b) => a - b);
    all.push(...times);
    bareAll.push(...bareTimes);
    const row = {
      name,
      q,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      found,
      bareP50: bareTimes.length ? percentile(bareTimes, 50) : NaN,
    };
    results.push(row);
    log(
      `${name.padEnd(32)} ${JSON.stringify(q).padEnd(30)} p50 ${row.p50.toFixed(1).padStart(7)} ms  p95 ${row.p95.toFixed(1).padStart(7)} ms  (${found} tickets; bare FTS5 p50 ${row.bareP50.toFixed(1)} ms)`,
    );
  }
  // The LIKE scan this replaced, once, on two searches: what an agent waited for before.
  for (const q of ['liquidificador', 'nao chegou']) {
    const t0 = performance.now();
    await sql`SELECT id FROM tickets WHERE EXISTS (SELECT 1 FROM messages WHERE messages.ticket_id = tickets.id AND ${folded('messages.text')} LIKE ${`%${foldText(q)}%`}) ORDER BY id DESC LIMIT 50`.execute(
      database.kysely,
    );
    log(`old LIKE scan ${JSON.stringify(q)}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
  all.sort((a, b) => a - b);
  bareAll.sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rate = 1000 / mean(all);
  const ceiling = 1000 / mean(bareAll);
  log(`searches: ${rate.toFixed(0)}/s (mean); bare FTS5 statement: ${ceiling.toFixed(0)}/s; ratio ${((rate / ceiling) * 100).toFixed(1)}%`);
  bare.close();
  await database.destroy();
  if (!keep) rmSync(dir, { recursive: true, force: true });
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
      messages: TICKETS * PER_TICKET,
      searches: Object.fromEntries(results.map((r) => [r.name, { p50: round(r.p50), p95: round(r.p95), found: r.found }])),
    }),
  );
}

main().catch((err) => {
  log(String(err?.stack ?? err));
  process.exit(1);
});
