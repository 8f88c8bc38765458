/**
 * Loads `config/ponte.yaml`: YAML → `${VAR}` interpolation (in the parsed tree, so an env value
 * can never inject YAML) → core schema → each channel through its kind's schema. Every problem
 * is reported with its path; the result is deep-frozen and injected, nothing else reads env.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { BaseChannelConfig, ChannelDefinition } from '../channel/contract.js';
import { ConfigError, type Issue, zodIssues } from '../domain/errors.js';
import { configSchema, type PonteConfig } from './schema.js';
import { findUnknownKeys, withoutEchoes } from './unknown-keys.js';

export interface LoadedConfig {
  config: PonteConfig;
  /** Validated channel entries, each parsed by its definition. */
  channels: BaseChannelConfig[];
  /** Values that must never appear in a log line: the values of secret keys (password, secret, token, key, credentials …). */
  secrets: string[];
  source: string;
}

/**
 * Keys whose values are secrets: only these are masked in logs (an interpolated host, port or
 * log level is not a secret; masking every `${VAR}` value turned "information" into
 * "[REDACTED]rmation").
 */
const SECRET_KEY = /(password|passwd|pass|secret|token|apikey|api_key|privatekey|private_key|credentials?|secretaccesskey|^key)$/i;
const NOT_SECRET_KEY = /^(subjectToken)$/;
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;

interface Interpolation {
  secrets: Set<string>;
  /** Each unset variable once, with every path that used it. */
  unset: Map<string, string[]>;
}

function interpolate(value: unknown, env: Record<string, string | undefined>, path: string, state: Interpolation, key = ''): unknown {
  if (typeof value === 'string') {
    let usedVar = false;
    const out = value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      usedVar = true;
      const v = env[name];
      if (v === undefined || v === '') {
        if (fallback !== undefined) return fallback;
        state.unset.set(name, [...(state.unset.get(name) ?? []), path]);
        return '';
      }
      return v;
    });
    if (isSecretKey(key) && out.length >= 4) state.secrets.add(out);
    // Numbers and booleans from env (`port: ${SMTP_PORT}`) become typed values.
    if (usedVar && /^\$\{[^}]+\}$/.test(value)) {
      if (/^-?\d+(\.\d+)?$/.test(out)) return Number(out);
      if (out === 'true' || out === 'false') return out === 'true';
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`, state, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k, state, k)]));
  }
  return value;
}

/** Relative paths in the file are relative to the file's folder, wherever Ponte is started from. */
function resolvePaths(config: PonteConfig, baseDir: string): PonteConfig {
  const r = (p: string) => resolve(baseDir, p);
  return {
    ...config,
    database:
      config.database.driver === 'sqlite'
        ? { ...config.database, path: config.database.path === ':memory:' ? ':memory:' : r(config.database.path) }
        : config.database,
    storage: {
      ...config.storage,
      blobsDir: r(config.storage.blobsDir),
      ...(config.storage.rawDir ? { rawDir: r(config.storage.rawDir) } : {}),
    },
    security: { ...config.security, secretFile: r(config.security.secretFile) },
    automation: { ...config.automation, templatesDir: r(config.automation.templatesDir) },
  };
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
  options: {
    env: Record<string, string | undefined>;
    definitions: ReadonlyArray<ChannelDefinition<any>>;
    source?: string;
    baseDir?: string;
  },
): LoadedConfig {
  const issues: Issue[] = [];
  const state: Interpolation = { secrets: new Set(), unset: new Map() };
  const secrets = state.secrets;
  const interpolated = interpolate(raw ?? {}, options.env, '', state, '');
  for (const [name, paths] of state.unset) {
    issues.push({
      path: paths[0]!,
      message: `environment variable ${name} is not set${paths.length > 1 ? ` (also used at ${paths.slice(1).join(', ')})` : ''}`,
    });
  }
  const unsetPaths = new Set([...state.unset.values()].flat());
  // An unset variable is one problem, not one more per rule its empty value breaks.
  const fromSchema = (list: Issue[]) => list.filter((i) => !unsetPaths.has(i.path));
  if (interpolated !== null && (typeof interpolated !== 'object' || Array.isArray(interpolated))) {
    throw new ConfigError(`configuration${options.source ? ` ${options.source}` : ''} has 1 problem(s)`, [
      { path: '', message: 'the file must be a YAML mapping (server:, database:, channels: …)' },
    ]);
  }
  // PONTE_LOG_LEVEL wins over the file (turn on debug without editing it).
  const logLevel = options.env.PONTE_LOG_LEVEL;
  if (logLevel && interpolated && typeof interpolated === 'object') {
    const root = interpolated as Record<string, unknown>;
    root.logging = { ...((root.logging as object | undefined) ?? {}), level: logLevel };
  }
  const unknownCore = findUnknownKeys(configSchema, interpolated);
  issues.push(...unknownCore);
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) issues.push(...withoutEchoes(fromSchema(zodIssues(parsed.error)), unknownCore));

  const channels: BaseChannelConfig[] = [];
  const rawChannels = (interpolated as { channels?: unknown })?.channels;
  const seen = new Set<string>();
  if (Array.isArray(rawChannels)) {
    rawChannels.forEach((entry: any, i) => {
      const def = options.definitions.find((d) => d.kind === entry?.kind);
      if (!def) {
        issues.push({
          path: `channels[${i}].kind`,
          message: `unknown channel kind "${entry?.kind}" (known: ${options.definitions.map((d) => d.kind).join(', ')})`,
        });
        return;
      }
      const unknown = findUnknownKeys(def.configSchema, entry, `channels[${i}]`);
      issues.push(...unknown);
      const r = def.configSchema.safeParse(entry);
      if (!r.success) {
        const prefixed = zodIssues(r.error).map((issue) => ({
          path: `channels[${i}]${issue.path ? '.' + issue.path : ''}`.replace('.[', '['),
          message: issue.message,
        }));
        issues.push(...withoutEchoes(fromSchema(prefixed), unknown));
        return;
      }
      if (unknown.length > 0) return;
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
        issues.push({
          path: `channels[${i}].replyVia`,
          message: 'a channel that cannot send needs replyVia: the id of an email or WhatsApp channel',
        });
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
    config: options.baseDir ? resolvePaths(parsed.data, options.baseDir) : parsed.data,
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
    throw new ConfigError(`cannot read ${path}`, [
      { path: '', message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String((err as Error).message) },
    ]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    // The whole message: yaml's pretty errors end with the offending line and a caret under it.
    throw new ConfigError(
      `${path} is not valid YAML`,
      doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.trimEnd() })),
    );
  }
  return parseConfig(doc.toJS(), { ...options, source: path, baseDir: dirname(resolve(path)) });
}

export function formatConfigError(err: ConfigError): string {
  return [err.message + ':', ...err.issues.map((i) => `  - ${i.path || '(root)'}: ${i.message.split('\n').join('\n      ')}`)].join('\n');
}
