import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PonteConfig } from './schema.js';

export interface ServerSecret {
  readonly value: string;
  /** Writes a newly generated secret to `secretFile` (0600); does nothing when the secret was configured or read. */
  persist(): void;
}

/**
 * The configured secret, or the one kept in `secretFile`, generated on first start so the
 * embedded quick start needs no setup. Losing the file only breaks threading by signed
 * Message-ID for mail sent before; In-Reply-To and subject tokens still work.
 *
 * Only reads: a generated secret is written by `persist()`, which `createApp` calls in
 * `start()` (no side effects before it). The value is known at once so the logger can mask it.
 */
export function loadServerSecret(config: PonteConfig): ServerSecret {
  if (config.security.secret) return { value: config.security.secret, persist: () => undefined };
  const file = config.security.secretFile;
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return { value: existing, persist: () => undefined };
  } catch {
    /* generated below, written by persist() */
  }
  const secret = randomBytes(32).toString('base64url');
  let written = false;
  return {
    value: secret,
    persist() {
      if (written) return;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'w' });
      written = true;
    },
  };
}
