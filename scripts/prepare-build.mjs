#!/usr/bin/env node
// `prepare` (runs on `npm install` / `npm ci`): compile TypeScript once into dist/ so that
// `npm start` runs plain JavaScript. Without the dev toolchain (`npm ci --omit=dev`) there is
// nothing to compile with: say so and leave an existing dist/ alone.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.warn(existsSync('dist/src/main.js') ? 'ponte: TypeScript not installed; using the existing dist/' : 'ponte: TypeScript not installed (dev dependencies omitted): run `npm run build` where it is, then copy dist/');
  process.exit(0);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
