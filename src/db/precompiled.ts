/**
 * Queries built and compiled by kysely once per shape and database, then run with new parameters
 * (issue 15). Building and compiling a query (freezing its operation tree, visiting it) cost the
 * ingest more than SQLite took to run most of its statements; the statements of one message
 * repeat the same few shapes. The SQL is dialect-specific, so the compiled form is kept per
 * database (per kysely adapter: a Kysely and its transactions share one).
 *
 * A shape must not depend on the values: the builder sees placeholders, never the real values.
 */
import type { CompiledQuery, Compilable, Insertable, QueryResult } from 'kysely';
import { directRunOf, type Executor } from './database.js';
import type { DB } from './tables.js';

const MARK = '\u0000ponte-param\u0000';

type Slot = { name: string } | { value: unknown };
interface Compiled {
  template: CompiledQuery;
  slots: Slot[];
}

const cacheOf = new WeakMap<object, Map<string, Compiled>>();

/** The map of `db`'s database (its kysely adapter, shared by a Kysely and its transactions) in `of`. */
function perDatabase<V>(of: WeakMap<object, Map<string, V>>, db: Executor): Map<string, V> {
  const adapter = db.getExecutor().adapter;
  let map = of.get(adapter);
  if (!map) {
    map = new Map();
    of.set(adapter, map);
  }
  return map;
}

function compiledFor(db: Executor, key: string, build: () => Compilable<unknown>): Compiled {
  const cache = perDatabase(cacheOf, db);
  let c = cache.get(key);
  if (!c) {
    const template = build().compile();
    const slots = template.parameters.map(
      (v): Slot => (typeof v === 'string' && v.startsWith(MARK) ? { name: v.slice(MARK.length) } : { value: v }),
    );
    c = { template, slots };
    cache.set(key, c);
  }
  return c;
}

function bind(c: Compiled, key: string, params: Record<string, unknown>): CompiledQuery {
  const parameters = c.slots.map((s) => {
    if (!('name' in s)) return s.value;
    const v = params[s.name];
    if (v === undefined) throw new Error(`precompiled query ${key}: no value for ${s.name}`);
    return v;
  });
  return { ...c.template, parameters };
}

/**
 * A query of one fixed shape: `build(db, p)` builds it with `p('name')` where a value goes; the
 * returned function runs it with `params.name` bound there. `key` names the shape (unique).
 */
export function precompiled<P extends string>(
  key: string,
  // biome-ignore lint/suspicious/noExplicitAny: a placeholder stands for a value of any column type.
  build: (db: Executor, p: (name: P) => any) => Compilable<unknown>,
): <R = unknown>(db: Executor, params: Record<P, unknown>) => Promise<QueryResult<R>> {
  return async <R>(db: Executor, params: Record<P, unknown>) => {
    const c = compiledFor(db, key, () => build(db, (name) => MARK + name));
    return executeOn<R>(db, bind(c, key, params) as CompiledQuery<R>);
  };
}

/** On SQLite inside a transaction, straight on its connection (database.ts directRunOf). */
export function executeOn<R>(db: Executor, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const direct = directRunOf(db);
  return direct ? Promise.resolve(direct(query)) : db.executeQuery<R>(query);
}

/**
 * The same for a shape chosen at the call (lists of a given length): `key` must name the shape
 * exactly, e.g. with the list lengths in it.
 */
export async function runShaped<R = unknown>(
  db: Executor,
  key: string,
  // biome-ignore lint/suspicious/noExplicitAny: a placeholder stands for a value of any column type.
  build: (p: (name: string) => any) => Compilable<unknown>,
  params: Record<string, unknown>,
): Promise<QueryResult<R>> {
  const c = compiledFor(db, key, () => build((name) => MARK + name));
  return executeOn<R>(db, bind(c, key, params) as CompiledQuery<R>);
}

/** `values[i]` as the parameters `${prefix}${i}`, for a list in a shaped query. */
export function listParams(prefix: string, values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  values.forEach((v, i) => {
    out[`${prefix}${i}`] = v;
  });
  return out;
}

/** One insert shape: its columns, in the order the row had them, and its compiled SQL. */
interface RowInsert {
  columns: string[];
  template: CompiledQuery;
  /** For each parameter of the SQL, the index of its column (undefined: the columns' own order). */
  order: number[] | undefined;
}

/** Per database (kysely adapter), per table: the shape of the last row inserted there. */
const lastInsertOf = new WeakMap<object, Map<string, RowInsert>>();

/**
 * `db.insertInto(table).values(row).execute()`, compiled once per table and set of columns
 * (columns whose value is undefined are left out, as kysely does). Values are bound as they are.
 * The row is read once, with `for…in` (V8's fast path for an object literal's own fields; the
 * rows of the ingest have a different shape per table, and reading them by key went megamorphic:
 * issue 15's form intake profile), and a row with the same columns as the table's last one reuses
 * its compiled form without building its key.
 */
export async function insertRow<T extends keyof DB & string>(db: Executor, table: T, row: Insertable<DB[T]>): Promise<void> {
  const values = row as Record<string, unknown>;
  const columns: string[] = [];
  const params: unknown[] = [];
  for (const k in values) {
    if (!Object.hasOwn(values, k)) continue;
    const v = values[k];
    if (v === undefined) continue;
    // An expression among the values (sql`...`, a subquery) is built as it comes.
    if (isExpression(v)) {
      await db.insertInto(table).values(row).execute();
      return;
    }
    columns.push(k);
    params.push(v);
  }
  const ins = rowInsertFor(db, table, columns);
  const parameters = ins.order ? ins.order.map((i) => params[i]) : params;
  await executeOn(db, { ...ins.template, parameters });
}

function rowInsertFor(db: Executor, table: string, columns: string[]): RowInsert {
  const last = perDatabase(lastInsertOf, db);
  const prev = last.get(table);
  if (prev && sameColumns(prev.columns, columns)) return prev;
  const key = `insert:${table}:${columns.join(',')}`;
  const c = compiledFor(db, key, () =>
    // biome-ignore lint/suspicious/noExplicitAny: placeholders for the row's values.
    db.insertInto(table as keyof DB & string).values(Object.fromEntries(columns.map((k) => [k, MARK + k])) as any),
  );
  const order = c.slots.map((s) => ('name' in s ? columns.indexOf(s.name) : -1));
  if (order.some((i) => i < 0)) throw new Error(`precompiled insert ${key}: a parameter is not a column`);
  const ins: RowInsert = {
    columns,
    template: c.template,
    order: order.length === columns.length && order.every((i, n) => i === n) ? undefined : order,
  };
  last.set(table, ins);
  return ins;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A kysely expression (raw sql, a query builder) rather than a value to bind. */
export function isExpression(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'toOperationNode' in v;
}
