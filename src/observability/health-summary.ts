/**
 * What `/healthz` and `/readyz` say, decided from plain facts. Liveness stays 200 while the
 * process can answer (a restart does not fix a wrong IMAP password); its body says `degraded`
 * with every reason. Readiness is 503 when requests cannot be served: the database is
 * unreachable or migrations are pending.
 */
import type { ChannelHealth, ChannelHealthState } from '../channel/contract.js';

export interface SendFailure {
  /** First failed attempt since the last success. */
  since: number;
  code: string;
  message: string;
  attempts: number;
}

export interface HealthFacts {
  database: 'ok' | 'unreachable';
  /** Migrations not applied yet (undefined when the database could not be asked). */
  pendingMigrations?: string[] | undefined;
  channels: Array<{ id: string; kind: string; health: ChannelHealth; sendFailure?: SendFailure | undefined }>;
}

export interface HealthSummary {
  status: 'ok' | 'degraded';
  ready: boolean;
  reasons: string[];
}

/** States in which a channel does not do its job (receive or send). */
const UNHEALTHY: ReadonlySet<ChannelHealthState> = new Set([
  'degraded',
  'needs_pairing',
  'backing_off',
  'logged_out',
  'auth_failed',
  'passkey_required',
  'undecryptable',
  'error',
]);

export function summarizeHealth(facts: HealthFacts): HealthSummary {
  const reasons: string[] = [];
  if (facts.database !== 'ok') reasons.push('database unreachable');
  if (facts.pendingMigrations?.length) reasons.push(`migrations pending: ${facts.pendingMigrations.join(', ')}`);
  for (const c of facts.channels) {
    if (UNHEALTHY.has(c.health.state))
      reasons.push(`channel ${c.id}: ${c.health.state}${c.health.lastError ? ` (${c.health.lastError})` : ''}`);
    if (c.sendFailure)
      reasons.push(
        `channel ${c.id}: sending fails since ${new Date(c.sendFailure.since).toISOString()} (${c.sendFailure.code}: ${c.sendFailure.message}; ${c.sendFailure.attempts} attempt(s))`,
      );
  }
  const ready = facts.database === 'ok' && facts.pendingMigrations !== undefined && facts.pendingMigrations.length === 0;
  return { status: reasons.length === 0 ? 'ok' : 'degraded', ready, reasons };
}

/** Tracks, per channel, whether sending currently fails: one success clears it. */
export interface SendHealth {
  sent(channelId: string): void;
  failed(channelId: string, at: number, code: string, message: string): void;
  failure(channelId: string): SendFailure | undefined;
}

export function createSendHealth(): SendHealth {
  const failures = new Map<string, SendFailure>();
  return {
    sent: (channelId) => void failures.delete(channelId),
    failed(channelId, at, code, message) {
      const prev = failures.get(channelId);
      failures.set(channelId, { since: prev?.since ?? at, code, message: message.slice(0, 300), attempts: (prev?.attempts ?? 0) + 1 });
    },
    failure: (channelId) => failures.get(channelId),
  };
}
