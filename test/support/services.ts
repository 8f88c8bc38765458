/**
 * Tests that need an outside service (PostgreSQL, Dovecot) ask here. Without the service the
 * test is skipped loudly (listed at the end of the run); with PONTE_TEST_REQUIRE_SERVICES=1
 * (CI) a missing service fails the test instead.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SKIP_LOG = join(process.cwd(), 'node_modules', '.cache', 'ponte-test-skips.log');

export function servicesRequired(): boolean {
  return process.env.PONTE_TEST_REQUIRE_SERVICES === '1';
}

/** Returns true when the caller should run; records a loud skip otherwise (or throws under CI). */
export function serviceAvailable(service: string, available: boolean, why: string): boolean {
  if (available) return true;
  if (servicesRequired()) {
    throw new Error(`required test service missing: ${service}: ${why} (PONTE_TEST_REQUIRE_SERVICES=1)`);
  }
  mkdirSync(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
  appendFileSync(SKIP_LOG, `${service}: ${why}\n`);
  return false;
}

export function postgresUrl(): string | undefined {
  return process.env.PONTE_TEST_POSTGRES_URL || undefined;
}
