/** Loads the authored WhatsApp Cloud API fixtures (../shared/fixtures/whatsapp/cloud-*.json, see its README). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CLOUD_FIXTURE_DIR = [resolve(process.cwd(), '..', 'shared', 'fixtures', 'whatsapp'), '/work/shared/fixtures/whatsapp'].find(
  (d) => existsSync(d),
)!;

export interface WebhookFixture {
  _fixture: { id: string; description: string; appSecretForTests: string };
  request: { method: 'POST'; headers: Record<string, string>; rawBody: string };
  body: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  expect: Record<string, any>;
}

export const APP_SECRET = 'test_app_secret_aurora_do_not_use';
export const PHONE_NUMBER_ID = '112233445566778';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadCloudFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(CLOUD_FIXTURE_DIR, name.endsWith('.json') ? name : `${name}.json`), 'utf8')) as T;
}

export function cloudFixtureNames(): string[] {
  return readdirSync(CLOUD_FIXTURE_DIR)
    .filter((f) => f.startsWith('cloud-') && f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/** Fixtures that are webhook POSTs (have a signed raw body). */
export function webhookFixtureNames(): string[] {
  return cloudFixtureNames().filter((n) => {
    const f = loadCloudFixture(n) as Partial<WebhookFixture>;
    return typeof f.request?.rawBody === 'string';
  });
}
