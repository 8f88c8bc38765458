/**
 * One owner per mailbox, for real: two `ponte serve` processes on one PostgreSQL database and
 * one Dovecot mailbox. Only the lease holder opens IMAP (counted by the kernel's socket table);
 * a mail becomes one ticket; the owner is killed with SIGKILL (no release) and the other
 * process takes over within two lease periods and fetches the next mail.
 */
import { dovecotAvailable, freePort, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { buildMail, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { postgresUrl, serviceAvailable } from '../support/services.js';
import {
  channelStates,
  connectionsByPid,
  createSharedPostgres,
  spawnGateway,
  waitFor,
  type GatewayProcess,
  type SharedPostgres,
} from './cluster-harness.js';

const dv = dovecotAvailable();
const run =
  serviceAvailable('dovecot', dv.available, dv.why) && serviceAvailable('postgres', !!postgresUrl(), 'PONTE_TEST_POSTGRES_URL is not set');
const d = run ? describe : describe.skip;

const LEASE_MS = 2000;

d('one owner per mailbox across gateway processes (PostgreSQL + Dovecot)', () => {
  let pg: SharedPostgres;
  let dovecot: TestDovecot;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    pg = await createSharedPostgres();
    dovecot = await startDovecot();
    const config = {
      database: { driver: 'postgres', url: pg.url, poolSize: 3 },
      security: { secret: 'cluster-test-secret-0123456789' },
      logging: { level: 'warn' },
      cluster: { leaseMs: LEASE_MS },
      channels: [
        {
          id: 'support',
          kind: 'email',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: dovecot.imapConfig({ pollIntervalSeconds: 5 }),
          smtp: { host: '127.0.0.1', port: 1 },
        },
      ],
    };
    // One after the other: the first one migrates the database.
    gateways.push(await spawnGateway(config, await freePort(), 240_000));
    gateways.push(await spawnGateway(config, await freePort(), 240_000));
  }, 500_000);

  afterAll(async () => {
    for (const g of gateways) await g.kill().catch(() => undefined);
    await dovecot?.dispose();
    await pg?.drop();
  }, 30_000);

  const ticketsFor = async (externalId: string) =>
    Number(
      (
        await pg.db.kysely
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('external_id', '=', externalId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const imapSessions = (g: GatewayProcess) => connectionsByPid(dovecot.port).get(g.pid) ?? 0;

  test('only the lease holder opens IMAP; the other reports standby; a mail becomes one ticket', async () => {
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const roles = await waitFor(
      async () => {
        const states = [(await channelStates(a.url)).support, (await channelStates(b.url)).support];
        return states.includes('ok') && states.includes('standby') ? states : undefined;
      },
      20_000,
      'one owner and one standby',
    );
    const [owner, standby] = roles[0] === 'ok' ? [a, b] : [b, a];
    await waitFor(() => imapSessions(owner) > 0, 10_000, 'the owner’s IMAP session');
    expect(imapSessions(standby)).toBe(0);
    const health = (await (await fetch(`${standby.url}/healthz`)).json()) as { status: string; reasons: string[] };
    expect(health.reasons.join(' ')).not.toContain('support');

    const first = uniqueId();
    await dovecot.appendMessage(
      buildMail({ messageId: first, fromName: 'Maria Souza', subject: 'Pedido 4411', text: 'Meu pedido não chegou.' }),
    );
    await waitFor(async () => (await ticketsFor(first)) > 0, 20_000, 'the first mail as a ticket');
    // Give a second fetcher (if there were one) the time to ingest it again: still one message.
    await new Promise((r) => setTimeout(r, LEASE_MS));
    expect(await ticketsFor(first)).toBe(1);
    expect(imapSessions(standby)).toBe(0);
  }, 60_000);

  test('the owner dies without releasing: the other takes over within two lease periods and fetches new mail', async () => {
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const owner = (await channelStates(a.url)).support === 'standby' ? b : a;
    const heir = owner === a ? b : a;
    const leaseRow = () =>
      pg.db.kysely
        .selectFrom('leases')
        .select(['holder', 'epoch', 'expires_at'])
        .where('name', '=', 'source:support')
        .executeTakeFirstOrThrow();
    const killedAt = Date.now();
    await owner.kill();
    // Read after the kill: the dead owner's last renewal was its expiry minus one period (database clock).
    const lease = await leaseRow();
    const taken = await waitFor(
      async () => {
        const row = await leaseRow();
        return row.holder !== lease.holder ? row : undefined;
      },
      4 * LEASE_MS,
      'the standby to take the mailbox lease',
    );
    const tookOverMs = Date.now() - killedAt;
    // The bound, by the database's clock: the heir's first take (its expiry minus one period)
    // comes within two periods of the dead owner's last renewal. The standby asks right when the
    // lease runs out, so about one period is expected.
    expect(Number(taken.expires_at) - Number(lease.expires_at)).toBeLessThan(2 * LEASE_MS);
    // Seen from here: the kill came after that renewal; this poll adds at most 50 ms.
    expect(tookOverMs).toBeLessThan(2 * LEASE_MS + 50);
    await waitFor(
      async () => (await channelStates(heir.url)).support !== 'standby',
      4 * LEASE_MS,
      'the heir to report the mailbox as its own',
    );
    expect(Number(taken.epoch)).toBe(Number(lease.epoch) + 1);

    const second = uniqueId();
    await dovecot.appendMessage(
      buildMail({ messageId: second, fromName: 'João Lima', subject: 'Troca de tamanho', text: 'Quero trocar o tamanho.' }),
    );
    await waitFor(async () => (await ticketsFor(second)) > 0, 20_000, 'the second mail as a ticket, fetched by the heir');
    expect(await ticketsFor(second)).toBe(1);
    expect(imapSessions(heir)).toBeGreaterThan(0);
  }, 60_000);
});
