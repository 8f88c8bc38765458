/**
 * `.env` support: the file `.env.example` tells admins to create. Read once at process start
 * with Node's own parser (the one behind `process.loadEnvFile` and `--env-file`); a variable
 * already in the environment wins, so a service manager's settings override the file.
 * `PONTE_ENV_FILE` names another file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** Adds the file's variables that `env` lacks. Returns a one-line problem, or undefined (also when there is no `.env`). */
export function loadDotEnv(env: Record<string, string | undefined>, cwd: string): string | undefined {
  const named = env.PONTE_ENV_FILE;
  const file = resolve(cwd, named || '.env');
  if (!existsSync(file)) return named ? `PONTE_ENV_FILE: ${file} not found` : undefined;
  let values: Record<string, string>;
  try {
    values = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  }
  for (const [k, v] of Object.entries(values)) if (env[k] === undefined) env[k] = v;
  return undefined;
}
