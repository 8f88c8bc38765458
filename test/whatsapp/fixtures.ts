/** Loads the authored WhatsApp fixtures (../shared/fixtures/whatsapp, see its README). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURE_DIR = [resolve(process.cwd(), '..', 'shared', 'fixtures', 'whatsapp'), '/work/shared/fixtures/whatsapp'].find((d) =>
  existsSync(d),
)!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Fixture = any;

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name.endsWith('.json') ? name : `${name}.json`), 'utf8'));
}

export function baileysFixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.startsWith('baileys-') && f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}
