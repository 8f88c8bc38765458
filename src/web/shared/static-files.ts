/**
 * The console's CSS and ES modules (src/web/static), served as they are: no build step. They
 * are found beside the sources whether the gateway runs from src (tsx, tests) or from dist.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

export function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'static'), join(here, '..', '..', '..', '..', 'src', 'web', 'static')];
  return candidates.find((c) => existsSync(join(c, 'console.js'))) ?? candidates[0]!;
}

export function staticFiles(): RequestHandler {
  const serve = express.static(staticDir(), {
    index: false,
    fallthrough: false,
    maxAge: '1h',
    setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
  });
  return serve;
}
