/**
 * Unknown keys in a configuration are mistakes (`server.hots`, `automaton:`, `passwrd:`): zod
 * strips them silently, and a typo in `password` then surfaces as "set password or oauth2".
 * This walks a zod schema and the parsed YAML together and reports every key the schema does
 * not declare, with the closest declared key as a suggestion. Loose objects (`z.looseObject`)
 * and records accept any key. It reads zod's public `_zod.def` structure only.
 */
import type { Issue } from '../domain/errors.js';

export interface UnknownKey extends Issue {
  /** The declared key the admin probably meant, if one is close. */
  suggestion?: string | undefined;
}

/** Edit distance (insert, delete, substitute, swap of neighbours). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The allowed key closest to `key`, when it is close enough to be a typo (case differences count as one). */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of allowed) {
    const score = key.toLowerCase() === candidate.toLowerCase() ? 0.5 : editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

type Def = { type: string; [k: string]: any };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** Every key in `value` that `schema` does not declare, with its path. */
export function findUnknownKeys(schema: unknown, value: unknown, path = ''): UnknownKey[] {
  const out: UnknownKey[] = [];
  walk(schema, value, path, out, 0);
  return out;
}

function walk(schema: unknown, value: unknown, path: string, out: UnknownKey[], depth: number): void {
  const def = defOf(schema);
  if (!def || depth > 64 || value === undefined || value === null) return;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      walk(def.innerType, value, path, out, depth + 1);
      return;
    case 'lazy':
      walk(def.getter(), value, path, out, depth + 1);
      return;
    case 'pipe':
      // z.preprocess(fn, schema) is a pipe from a transform: the declared shape is on the out side.
      walk(defOf(def.in)?.type === 'transform' ? def.out : def.in, value, path, out, depth + 1);
      return;
    case 'array':
      if (Array.isArray(value))
        value.forEach((v, i) => {
          walk(def.element, v, join(path, i), out, depth + 1);
        });
      return;
    case 'tuple':
      if (Array.isArray(value))
        (def.items as unknown[]).forEach((s, i) => {
          walk(s, value[i], join(path, i), out, depth + 1);
        });
      return;
    case 'record':
      if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(def.valueType, v, join(path, k), out, depth + 1);
      return;
    case 'intersection':
      // Each side only knows its own keys: report nothing rather than false positives.
      return;
    case 'union': {
      if (!isPlainObject(value)) return;
      const options = (def.options as unknown[]).filter((o) => objectShape(o));
      if (options.length === 0) return;
      const discriminator = def.discriminator as string | undefined;
      if (discriminator) {
        const match = options.find((o) => literalValues(objectShape(o)![discriminator]).includes(value[discriminator]));
        if (match) walk(match, value, path, out, depth + 1);
        return;
      }
      if (options.length === 1) walk(options[0], value, path, out, depth + 1);
      return;
    }
    case 'object': {
      if (!isPlainObject(value)) return;
      const shape = def.shape as Record<string, unknown>;
      const catchall = defOf(def.catchall)?.type;
      for (const [k, v] of Object.entries(value)) {
        if (k in shape) walk(shape[k], v, join(path, k), out, depth + 1);
        else if (catchall === undefined || catchall === 'never') {
          const suggestion = suggestKey(k, Object.keys(shape));
          out.push({
            path: join(path, k),
            message: `unknown key ${k}${suggestion ? ` (did you mean ${suggestion}?)` : ` (allowed here: ${Object.keys(shape).join(', ')})`}`,
            suggestion,
          });
        }
      }
      return;
    }
    default:
      return;
  }
}

function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let def = defOf(schema);
  for (let i = 0; def && i < 16; i++) {
    if (def.type === 'object') return def.shape as Record<string, unknown>;
    if (def.innerType) def = defOf(def.innerType);
    else if (def.type === 'pipe') def = defOf(def.in);
    else return undefined;
  }
  return undefined;
}

function literalValues(schema: unknown): unknown[] {
  const def = defOf(schema);
  if (!def) return [];
  if (def.type === 'literal') return def.values as unknown[];
  if (def.type === 'enum') return Object.values(def.entries as Record<string, unknown>);
  if (def.innerType) return literalValues(def.innerType);
  return [];
}

/**
 * Drops the issues an unknown key causes downstream: a misspelled `passwrd` also makes zod say
 * "set password or oauth2" at `password`; the admin needs only the first message.
 */
export function withoutEchoes<T extends Issue>(issues: T[], unknown: UnknownKey[]): T[] {
  const echoes = new Set(unknown.filter((u) => u.suggestion).map((u) => u.path.replace(/[^.[\]]+$/, u.suggestion!)));
  return issues.filter((i) => !echoes.has(i.path));
}
