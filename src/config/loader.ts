/**
 * Loads `config/ponte.yaml`: YAML → `${VAR}` interpolation (in the parsed tree, so an env value
 * can never inject YAML) → core schema → each channel through its kind's schema. Every problem
 * is reported with its path; the result is deep-frozen and injected, nothing else reads env.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { BaseChannelConfig, ChannelDefinition } from '../channel/contract.js';
import { ConfigError, type Issue, zodIssues } from '../domain/errors.js';
import { configSchema, type PonteConfig } from './schema.js';

export interface LoadedConfig {
  config: PonteConfig;
  /** Validated channel entries, each parsed by its definition. */
  channels: BaseChannelConfig[];
  /** Values that must never appear in a log line (passwords, tokens, interpolated env values). */
  secrets: string[];
  source: string;
}

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|private|credential|refresh/i;
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;

function interpolate(value: unknown, env: Record<string, string | undefined>, path: string, issues: Issue[], secrets: Set<string>, key = ''): unknown {
  if (typeof value === 'string') {
    let usedVar = false;
    const out = value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      usedVar = true;
      const v = env[name];
      if (v === undefined || v === '') {
        if (fallback !== undefined) return fallback;
        issues.push({ path, message: `environment variable ${name} is not set` });
        return '';
      }
      return v;
    });
    if ((usedVar || SECRET_KEY.test(key)) && out.length >= 4 && !/^(true|false|\d+)$/.test(out)) {
      if (SECRET_KEY.test(key) || usedVar) secrets.add(out);
    }
    // Numbers and booleans from env (`port: ${SMTP_PORT}`) become typed values.
    if (usedVar && /^\$\{[^}]+\}$/.test(value)) {
      if (/^-?\d+(\.\d+)?$/.test(out)) return Number(out);
      if (out === 'true' || out === 'false') return out === 'true';
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`, issues, secrets, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k, issues, secrets, k)]),
    );
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function parseConfig(
  raw: unknown,
  options: { env: Record<string, string | undefined>; definitions: ReadonlyArray<ChannelDefinition<any>>; source?: string },
): LoadedConfig {
  const issues: Issue[] = [];
  const secrets = new Set<string>();
  const interpolated = interpolate(raw ?? {}, options.env, '', issues, secrets);
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));

  const channels: BaseChannelConfig[] = [];
  const rawChannels = (interpolated as { channels?: unknown })?.channels;
  const seen = new Set<string>();
  if (Array.isArray(rawChannels)) {
    rawChannels.forEach((entry: any, i) => {
      const def = options.definitions.find((d) => d.kind === entry?.kind);
      if (!def) {
        issues.push({ path: `channels[${i}].kind`, message: `unknown channel kind "${entry?.kind}" (known: ${options.definitions.map((d) => d.kind).join(', ')})` });
        return;
      }
      const r = def.configSchema.safeParse(entry);
      if (!r.success) {
        for (const issue of zodIssues(r.error)) issues.push({ path: `channels[${i}]${issue.path ? '.' + issue.path : ''}`.replace('.[', '['), message: issue.message });
        return;
      }
      const cfg = r.data as BaseChannelConfig;
      if (seen.has(cfg.id)) issues.push({ path: `channels[${i}].id`, message: `duplicate channel id "${cfg.id}"` });
      seen.add(cfg.id);
      channels.push(cfg);
    });
    // Channels that cannot send must name a channel that can (web forms reply by email or WhatsApp).
    channels.forEach((cfg) => {
      const def = options.definitions.find((d) => d.kind === cfg.kind)!;
      const caps = def.capabilities(cfg);
      if (caps.canSend) return;
      const i = rawChannels.findIndex((e: any) => e?.id === cfg.id);
      const via = def.replyVia?.(cfg);
      if (!via) {
        issues.push({ path: `channels[${i}].replyVia`, message: 'a channel that cannot send needs replyVia: the id of an email or WhatsApp channel' });
        return;
      }
      const target = channels.find((c) => c.id === via);
      const targetDef = target && options.definitions.find((d) => d.kind === target.kind);
      if (!target || !targetDef || !targetDef.capabilities(target).canSend) {
        issues.push({ path: `channels[${i}].replyVia`, message: `"${via}" is not a configured channel that can send` });
      }
    });
  }
  if (issues.length > 0 || !parsed.success) {
    throw new ConfigError(`configuration${options.source ? ` ${options.source}` : ''} has ${issues.length} problem(s)`, issues);
  }
  return deepFreeze({
    config: parsed.data,
    channels,
    secrets: [...secrets].sort((a, b) => b.length - a.length),
    source: options.source ?? '<inline>',
  });
}

export async function loadConfigFile(
  path: string,
  options: { env: Record<string, string | undefined>; definitions: ReadonlyArray<ChannelDefinition<any>> },
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}`, [{ path: '', message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String((err as Error).message) }]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `${path} is not valid YAML`,
      doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0]! })),
    );
  }
  return parseConfig(doc.toJS(), { ...options, source: path });
}

export function formatConfigError(err: ConfigError): string {
  return [err.message + ':', ...err.issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`)].join('\n');
}
