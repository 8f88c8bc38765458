/**
 * The runtime a bench's servers run under by default: `npm start`'s, plain node on the JavaScript
 * that tsc builds into dist/ (the benches are built there too, bench/tsconfig.bench.json). Under
 * tsx (the TypeScript source, `--tsx`) the form intake cost ~9% more CPU per request and ~50 MB
 * more RSS (bench:webhook's app, paired runs, 2026-12-01).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builds dist/ with tsc and returns the built `bench/<name>.js` (throws when there is none). */
export function buildBenchForNode(name: string, log: (line: string) => void): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const started = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'bench', 'tsconfig.bench.json')], { stdio: 'inherit' });
  const built = join(root, 'dist', 'bench', `${name}.js`);
  if (!existsSync(built)) throw new Error(`tsc could not build ${name} into dist/`);
  if (r.status !== 0) log('WARNING: tsc reported errors; dist/ may be older than the source');
  log(`built dist/ with tsc in ${((Date.now() - started) / 1000).toFixed(0)} s; the servers run under plain node (npm start's runtime)`);
  return built;
}
