import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PonteConfig } from './schema.js';

/**
 * The configured secret, or the one kept in `secretFile`, generated on first start so the
 * embedded quick start needs no setup. Losing the file only breaks threading by signed
 * Message-ID for mail sent before; In-Reply-To and subject tokens still work.
 */
export function resolveServerSecret(config: PonteConfig): string {
  if (config.security.secret) return config.security.secret;
  const file = config.security.secretFile;
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return existing;
  } catch {
    /* created below */
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'w' });
  return secret;
}
