/**
 * `.env` support: the file `.env.example` tells admins to create. Read once at process start
 * (Node's own parser, `process.loadEnvFile`); a variable already in the environment wins, so
 * a service manager's settings override the file. `PONTE_ENV_FILE` names another file.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Loads the file into `process.env`. Returns a one-line problem, or undefined (also when there is no `.env`). */
export function loadDotEnv(env: Record<string, string | undefined>, cwd: string): string | undefined {
  const named = env.PONTE_ENV_FILE;
  const file = resolve(cwd, named || '.env');
  if (!existsSync(file)) return named ? `PONTE_ENV_FILE: ${file} not found` : undefined;
  try {
    process.loadEnvFile(file);
    return undefined;
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  }
}
