/**
 * config/ponte.example.yaml documents every option: each key of the config schema
 * (src/config/schema.ts) and of every channel kind's schema appears in it, as a real key or as a
 * commented-out example (`# key: value`) inside its section. A new option without an example
 * fails here (`graphBaseUrl` was once documented only in a channel README). The README's quick
 * start points to the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { channelDefinitions } from '../../channels/index.js';
import { configSchema } from '../../src/config/schema.js';
import { REPO } from './cli-helpers.js';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** Dotted option paths (`portal.brands[].colors.primary`) of a zod schema; records' free keys are not options. */
function optionPaths(schema: z.ZodType): string[] {
  const out = new Set<string>();
  const walk = (s: JsonSchema | undefined, prefix: string) => {
    if (!s || typeof s !== 'object') return;
    for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(alt, prefix);
    if (s.items && !Array.isArray(s.items)) walk(s.items, `${prefix}[]`);
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      walk(v, p);
    }
  };
  walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '');
  return [...out];
}

function keyPaths(value: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keyPaths(v, `${prefix}[]`, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      keyPaths(v, p, out);
    }
  return out;
}

const file = readFileSync(join(REPO, 'config', 'ponte.example.yaml'), 'utf8');
const lines = file.split('\n');
const example = parse(file) as { channels: Array<Record<string, unknown>> };

/** The lines of a top-level section (`portal:` up to the next top-level key), or of the file. */
function sectionLines(top: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(`${top}:`));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^[A-Za-z]/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}
const inComment = (block: string[], key: string) => block.some((l) => new RegExp(`#.*(^|[\\s{,-])${key}:`).test(l));

describe('config/ponte.example.yaml covers every option', () => {
  test('every option of the core schema', () => {
    const present = keyPaths(example);
    const missing = optionPaths(configSchema)
      .filter((p) => !p.startsWith('channels'))
      .filter((p) => !present.has(p) && !inComment(sectionLines(p.split('.')[0]!), p.split('.').pop()!.replace('[]', '')));
    expect(missing).toEqual([]);
  });

  test('every option of every channel kind, in an example channel of that kind', () => {
    const channelLines = sectionLines('channels');
    const missing: string[] = [];
    for (const d of channelDefinitions) {
      const entries = example.channels.filter((c) => c.kind === d.kind);
      expect({ kind: d.kind, examples: entries.length > 0 }).toEqual({ kind: d.kind, examples: true });
      const present = new Set(entries.flatMap((e) => [...keyPaths(e)]));
      for (const p of optionPaths(d.configSchema))
        if (!present.has(p) && !inComment(channelLines, p.split('.').pop()!.replace('[]', ''))) missing.push(`${d.kind}: ${p}`);
    }
    expect(missing).toEqual([]);
  });

  test('the quick start (config/ponte.yaml and the README) points to the example', () => {
    expect(readFileSync(join(REPO, 'config', 'ponte.yaml'), 'utf8')).toContain('config/ponte.example.yaml');
    const quickStart = readFileSync(join(REPO, 'README.md'), 'utf8').split('## Quick start')[1]!.split('\n## ')[0]!;
    expect(quickStart).toContain('config/ponte.example.yaml');
  });
});
