/** The WhatsApp channel (fake socket) inside the real app and database. */
import type { WhatsappRuntime } from '../../channels/whatsapp/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import { createFakeSocketFactory, deliver, type FakeWaSocket } from './fake-socket.js';
import type { Fixture } from './fixtures.js';
import { waitFor, whatsappDefinitionForTests } from './harness.js';

export interface CoreHarness {
  t: TestApp;
  runtime: WhatsappRuntime;
  factory: ReturnType<typeof createFakeSocketFactory>;
  sock(): FakeWaSocket;
  emit(event: string, payload: unknown): Promise<void>;
  play(fixture: Fixture): Promise<void>;
  /** Ticket numbers, newest first. */
  ticketNumbers(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startCore(
  channel: Record<string, unknown> = {},
  options: { open?: boolean; database?: 'sqlite' | 'postgres' } = {},
): Promise<CoreHarness> {
  const factory = createFakeSocketFactory();
  const { definition } = whatsappDefinitionForTests(factory);
  const t = await startTestApp({
    definitions: [definition],
    channels: [{ id: 'wa', kind: 'whatsapp', locale: 'pt-BR', ...channel }],
    database: options.database ?? 'sqlite',
  });
  const running = t.app.running.find((c) => c.entry.id === 'wa');
  if (!running || running.startError) throw new Error(`whatsapp channel did not start: ${running?.startError}`);
  const runtime = running.runtime as WhatsappRuntime;
  if (options.open !== false) {
    await waitFor(() => factory.sockets.length > 0, 2000, 'the socket');
    factory.latest().open();
    await runtime.connection.idle();
  }
  const emit = async (event: string, payload: unknown): Promise<void> => {
    const before = factory.sockets.length;
    await deliver(factory.latest(), event, structuredClone(payload));
    await runtime.connection.idle();
    const p = payload as { connection?: string; lastDisconnect?: { error?: { output?: { statusCode?: number } } } };
    if (event === 'connection.update' && p.connection === 'close' && p.lastDisconnect?.error?.output?.statusCode === 515) {
      await waitFor(() => factory.sockets.length > before, 2000, 'the socket to be recreated');
    }
  };
  return {
    t,
    runtime,
    factory,
    sock: () => factory.latest(),
    emit,
    async play(fixture) {
      if (Array.isArray(fixture.events)) {
        for (const e of fixture.events) await emit(e.event && e.payload !== undefined ? e.event : 'connection.update', e.payload ?? e);
      } else {
        await emit(fixture._fixture.event, fixture.payload);
      }
    },
    async ticketNumbers() {
      const r = await t.api('GET', '/api/tickets?limit=100');
      if (r.status !== 200) throw new Error(`GET /api/tickets: ${r.status} ${JSON.stringify(r.body)}`);
      return (r.body.tickets as Array<{ number: number }>).map((x) => x.number);
    },
    async stop() {
      // pg-pool's end() resolves before its sockets are closed; t.stop() then drops the test
      // database WITH (FORCE) and a closing client emits an unhandled 57P01. Close first, let
      // the sockets go, then drop (stop is idempotent).
      if (options.database === 'postgres') {
        await t.app.stop();
        await new Promise((r) => setTimeout(r, 100));
      }
      await t.stop();
    },
  };
}

/** PostgreSQL runs need PONTE_TEST_POSTGRES_URL (skipped loudly otherwise, failing under CI). */
export function databaseReady(db: 'sqlite' | 'postgres'): boolean {
  return (
    db === 'sqlite' || serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set (WhatsApp Baileys core tests)')
  );
}

/** Rows a replay must not change (leases and the session's own creds excluded). */
export async function snapshot(t: TestApp): Promise<string> {
  const db = t.app.database.kysely;
  const tables = [
    'contacts',
    'contact_identities',
    'tickets',
    'ticket_participants',
    'messages',
    'attachments',
    'inbound_receipts',
    'outbox',
    'ticket_events',
    'timers',
  ] as const;
  const out: Record<string, unknown> = {};
  for (const table of tables)
    out[table] = await db
      .selectFrom(table)
      .selectAll()
      .orderBy(table === 'ticket_participants' ? 'ticket_id' : table === 'inbound_receipts' ? 'external_id' : 'id')
      .execute();
  out.channel_state = (await db.selectFrom('channel_state').select(['key', 'value']).orderBy('key').execute()).filter(
    (r) => !r.key.startsWith('auth:'),
  );
  return JSON.stringify(out);
}
