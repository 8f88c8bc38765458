/**
 * What a search box entry matches, as one condition on `tickets` (the API's listTickets and the
 * console inbox add it to their filters, orders and LIMIT). Meaning (issue 15):
 * - words of subjects and message texts, accents and case folded, in order, the last one a
 *   prefix (src/db/full-text.ts: SQLite FTS5, PostgreSQL tsvector GIN indexes);
 * - requester identities and claimed addresses by their start, case-insensitive ("otavio@exa");
 * - a phone or document typed with punctuation: its digits as the start or the end of an
 *   address ("(21) 98888-7777" finds +5521988887777) and as a custom-field value.
 * Every part is an index lookup (migration 20261130T1420; the LIKE scans over every identity
 * and every ticket's custom fields cost more than a second at 1M messages).
 *
 * Two plans, chosen per search by counting matches up to a cap (bench/search.bench.ts):
 * - `collect` (rare words: a product name, an order number, an address): the matching ticket ids
 *   come from the indexes and are sorted; cost grows with the matches.
 * - `walk` (common words: "reembolso" is in a quarter of all messages): the caller's order is
 *   walked and each ticket's messages are looked up in the set of matching rowids until the page
 *   is full. That set comes from the FTS index alone; collecting the matches' ticket ids instead
 *   reads a stored row per match (250k for "reembolso", seconds). Probing FTS5 per message
 *   (MATCH with `rowid =`) measured ~0.5 ms a probe on such a word, more than building the set.
 *   (A rowid bound as a REAL, as better-sqlite3 binds a JS number, is not used by FTS5 at all.)
 */
import { PostgresAdapter, type RawBuilder, sql } from 'kysely';
import { fts5Phrase, pgSearchVector, searchWords, tsPhrase } from '../full-text.js';
import { digitsOf, folded, foldText } from '../search-fold.js';
import type { Executor } from '../database.js';

/** Matches counted before choosing the plan; above it the matches are walked, not collected. */
export const COLLECT_CAP = 1000;

export type SearchPlan = 'collect' | 'walk' | 'substring';

export interface TicketTextCondition {
  plan: SearchPlan;
  /** A boolean SQL condition on the `tickets` table (unaliased). */
  where: RawBuilder<boolean>;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

// The expressions migration 20261130T1420 indexed, repeated literally (the planner matches text).
const SQLITE_DIGITS = (a: string) => `replace(substr(${a}.address, 1, instr(${a}.address || '@', '@') - 1), '+', '')`;
const PG_DIGITS = (a: string) => `replace(split_part(${a}.address, '@', 1), '+', '')`;

/** Addresses (alias `a` of contact_identities or ticket_claims) that start with a prefix or end with the typed digits. */
function addressMatch(postgres: boolean, a: string, prefixes: string[], digits: string | undefined): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = prefixes.map((p) =>
    postgres
      ? sql`lower(${sql.raw(a)}.address) LIKE ${likeEscape(p) + '%'}`
      : sql`(lower(${sql.raw(a)}.address) >= ${p} AND lower(${sql.raw(a)}.address) < ${p + '\uffff'})`,
  );
  if (digits) {
    const tail = digits.slice(-6);
    parts.push(
      postgres
        ? sql`(right(${sql.raw(PG_DIGITS(a))}, 6) = ${tail} AND right(${sql.raw(PG_DIGITS(a))}, ${digits.length}) = ${digits})`
        : sql`(substr(${sql.raw(SQLITE_DIGITS(a))}, -6) = ${tail} AND substr(${sql.raw(SQLITE_DIGITS(a))}, ${-digits.length}) = ${digits})`,
    );
  }
  // Nothing address-like was typed (only spaces): no address matches.
  if (!parts.length) return sql<boolean>`(1 = 0)`;
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

/** The start of an address as typed: lowercased, and folded when accents were typed. */
function addressPrefixes(typed: string, digits: string | undefined): string[] {
  const t = typed.trim().toLowerCase();
  const out = new Set([t, foldText(t)]);
  if (digits) {
    out.add(`+${digits}`);
    out.add(digits);
  }
  return [...out].filter((p) => p.length > 0);
}

/**
 * Tickets (`alias`) whose custom fields hold these words in a row, the last one as a prefix,
 * through the fields' full-text index (migration 20261130T1420: FTS5 on SQLite, GIN on PostgreSQL).
 * Words come from searchWords (letters and digits only).
 */
export function customFieldsMatch(postgres: boolean, alias: string, words: string[]): RawBuilder<boolean> {
  return postgres
    ? sql<boolean>`${pgSearchVector(alias, 'custom_fields')} @@ to_tsquery('simple', ${tsPhrase(words)})`
    : sql<boolean>`${sql.ref(`${alias}.rowid`)} IN (SELECT rowid FROM ticket_fields_fts WHERE ticket_fields_fts MATCH ${fts5Phrase(words)})`;
}

/** Whether this executor talks to PostgreSQL (the full-text SQL differs). */
export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `collectCap` moves the choice between the plans (both give the same tickets; tests compare them). */
export async function ticketTextCondition(
  db: Executor,
  typed: string,
  options: { collectCap?: number } = {},
): Promise<TicketTextCondition> {
  const postgres = isPostgres(db);
  const digits = digitsOf(typed);
  const words = searchWords(typed);
  const prefixes = addressPrefixes(typed, digits);
  const identities = sql`SELECT r.id FROM tickets r WHERE r.requester_id IN (SELECT i.contact_id FROM contact_identities i WHERE ${addressMatch(postgres, 'i', prefixes, digits)})
    UNION SELECT c.ticket_id FROM ticket_claims c WHERE ${addressMatch(postgres, 'c', prefixes, digits)}`;
  const fields = digits ? sql`UNION SELECT f.id FROM tickets f WHERE ${customFieldsMatch(postgres, 'f', [digits])}` : sql``;
  const exact = sql`${identities} ${fields}`;

  if (!words.length) {
    // Nothing word-like was typed (only punctuation): the substring search of before, plus addresses.
    const needle = `%${likeEscape(foldText(typed))}%`;
    return {
      plan: 'substring',
      where: sql<boolean>`(${folded('tickets.subject')} LIKE ${needle} ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id AND ${folded('m.text')} LIKE ${needle} ESCAPE '\\')
        OR tickets.id IN (${exact}))`,
    };
  }

  const query = postgres ? tsPhrase(words) : fts5Phrase(words);
  const messageIds = postgres
    ? sql`SELECT m.ticket_id FROM messages m WHERE ${pgSearchVector('m', 'text')} @@ to_tsquery('simple', ${query})`
    : sql`SELECT ticket_id FROM message_fts WHERE message_fts MATCH ${query}`;
  const messageRows = postgres ? messageIds : sql`SELECT rowid FROM message_fts WHERE message_fts MATCH ${query}`;
  const subjectRows = postgres
    ? sql`SELECT s.id FROM tickets s WHERE ${pgSearchVector('s', 'subject')} @@ to_tsquery('simple', ${query})`
    : sql`SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ${query}`;

  const cap = options.collectCap ?? COLLECT_CAP;
  if (
    !(await atLeast(db, postgres, words, cap)) &&
    (await countUpTo(db, messageRows, cap)) + (await countUpTo(db, subjectRows, cap)) < cap
  ) {
    const subjectIds = postgres ? subjectRows : sql`SELECT s.id FROM tickets s WHERE s.rowid IN (${subjectRows})`;
    return { plan: 'collect', where: sql<boolean>`tickets.id IN (${messageIds} UNION ${subjectIds} UNION ${exact})` };
  }
  // Common words: walk the caller's order, newest first, testing each ticket's messages against
  // the set of matching rowids (built from the index alone, without reading a stored column).
  const messageProbe = postgres
    ? sql`EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id AND ${pgSearchVector('m', 'text')} @@ to_tsquery('simple', ${query}))`
    : sql`EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id AND m.rowid IN (${messageRows}))`;
  const subjectProbe = postgres
    ? sql`${pgSearchVector('tickets', 'subject')} @@ to_tsquery('simple', ${query})`
    : sql`tickets.rowid IN (${subjectRows})`;
  return { plan: 'walk', where: sql<boolean>`(${messageProbe} OR ${subjectProbe} OR tickets.id IN (${exact}))` };
}

/**
 * SQLite: the words typed as whole words (no prefix) already match `cap` messages, so the prefix
 * query does too. FTS5 reads an exact term lazily but builds a prefix's whole list of matches
 * first (~100 ms for a word in a quarter of 1M messages), so this check is the cheap one.
 */
async function atLeast(db: Executor, postgres: boolean, words: string[], cap: number): Promise<boolean> {
  if (postgres) return false;
  return (await countUpTo(db, sql`SELECT rowid FROM message_fts WHERE message_fts MATCH ${`"${words.join(' ')}"`}`, cap)) >= cap;
}

/** How many rows a query yields, counting no further than `cap`. */
async function countUpTo(db: Executor, rows: RawBuilder<unknown>, cap: number): Promise<number> {
  const r = await sql<{ n: number | string }>`SELECT count(*) AS n FROM (${rows} LIMIT ${cap}) capped`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
