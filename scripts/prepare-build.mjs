#!/usr/bin/env node
// `prepare` (runs on `npm install` / `npm ci`): compile TypeScript once into dist/ so that
// `npm start` runs plain JavaScript without the TypeScript toolchain. Without the dev
// dependencies (`npm ci --omit=dev`) there is nothing to compile with: say so and leave an
// existing dist/ alone. A type error does not fail the install (tsc still emits; `npm test`
// type-checks and fails on it), so that a checkout mid-change can still be installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.warn(
    existsSync('dist/src/main.js')
      ? 'ponte: TypeScript not installed; using the existing dist/'
      : 'ponte: TypeScript not installed (dev dependencies omitted): run `npm run build` where it is, then copy dist/',
  );
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (r.status !== 0) {
  if (!existsSync('dist/src/main.js')) process.exit(r.status ?? 1);
  console.warn('ponte: dist/ was built, but TypeScript reported the errors above (`npm test` fails on them)');
}
