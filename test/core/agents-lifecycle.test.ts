/**
 * Agent lifecycle over real HTTP, written as what happens to a token holder: a disabled agent,
 * a rotated token and an expired token are refused at once with a 401 that says why; a disabled
 * agent's phone is no agent on WhatsApp; any agent reads itself and lists agent ids to assign a
 * ticket; admins alone manage agents, never removing the last admin; every change is audited.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const DAY = 24 * 3600_000;
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describeEachDatabase('agent lifecycle on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12);
  const clock = { now: () => now };
  let ticketNumber = 0;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp({ definitions: [chat.definition], channels: [{ id: 'zap', kind: 'testchat' }], database: kind, clock });
    const o = await t.context('zap').ingest({
      message: {
        externalId: 'w-1',
        from: { kind: 'phone', address: '+5511911110000' },
        proof: { level: 'channel' },
        text: 'meu pedido não chegou',
      },
    });
    if (o.status !== 'created') throw new Error(`expected a ticket, got ${o.status}`);
    ticketNumber = o.ticketNumber;
  });
  afterAll(() => t?.stop());

  const status = async (token: string) => {
    const r = await t.api('GET', '/api/tickets', undefined, token);
    return r.status === 401 ? `401 ${r.body.error}` : String(r.status);
  };
  const newAgent = async (body: Record<string, unknown>) => {
    const r = await t.api('POST', '/api/agents', body);
    expect(r.status).toBe(201);
    return r.body as { agent: { id: string; tokenExpiresAt: number | null }; token: string };
  };

  test('a non-admin reads itself, lists agent ids (id, name, email only) and assigns a ticket to a colleague', async () => {
    const bia = await newAgent({ name: 'Bia', email: 'bia@loja.example', phone: '+5511900000001' });
    const caio = await newAgent({ name: 'Caio', email: 'caio@loja.example', phone: '+5511900000002' });
    const me = await t.api('GET', '/api/me', undefined, bia.token);
    expect(me).toMatchObject({
      status: 200,
      body: { id: bia.agent.id, name: 'Bia', role: 'agent', disabled: false, tokenExpiresAt: null },
    });

    const listed = await t.api('GET', '/api/agents', undefined, bia.token);
    expect(listed.status).toBe(200);
    expect(listed.body.agents).toContainEqual({ id: caio.agent.id, name: 'Caio', email: 'caio@loja.example' });
    expect(JSON.stringify(listed.body)).not.toContain('+5511900000002');

    const assigned = await t.api('PATCH', `/api/tickets/${ticketNumber}`, { assignee: caio.agent.id }, bia.token);
    expect(assigned).toMatchObject({ status: 200, body: { assigneeId: caio.agent.id } });
    // Admins see the rest.
    const full = await t.api('GET', '/api/agents');
    expect(full.body.agents).toContainEqual(
      expect.objectContaining({ id: caio.agent.id, phone: '+5511900000002', role: 'agent', disabled: false }),
    );
  });

  test('a disabled agent: its token gets 401 agent_disabled, its phone is no agent on WhatsApp, it cannot be assigned; enabled again it works', async () => {
    const dani = await newAgent({ name: 'Dani', phone: '+5511900000003' });
    const asAgent = async () => {
      const o = await t.context('zap').ingest({
        message: {
          externalId: `w-dani-${seq++}`,
          from: { kind: 'phone', address: '+5511900000003' },
          proof: { level: 'channel' },
          text: `#${ticketNumber} seu reembolso saiu`,
        },
      });
      return o.status === 'created' || o.status === 'appended' ? (o.asAgent?.agentId ?? null) : null;
    };
    expect(await status(dani.token)).toBe('200');
    expect(await asAgent()).toBe(dani.agent.id);

    expect(await t.api('POST', `/api/agents/${dani.agent.id}/disable`)).toMatchObject({ status: 200, body: { disabled: true } });
    expect(await status(dani.token)).toBe('401 agent_disabled');
    const outbound = (await t.getTicket(ticketNumber)).messages.filter((m) => m.direction === 'out').length;
    expect(await asAgent()).toBeNull();
    // Nothing was relayed to the customer in Dani's name.
    expect((await t.getTicket(ticketNumber)).messages.filter((m) => m.direction === 'out').length).toBe(outbound);
    expect(await t.api('PATCH', `/api/tickets/${ticketNumber}`, { assignee: dani.agent.id })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.assignee', message: 'this agent is disabled' }] },
    });

    expect(await t.api('POST', `/api/agents/${dani.agent.id}/enable`)).toMatchObject({ status: 200, body: { disabled: false } });
    expect(await status(dani.token)).toBe('200');
  });

  test('a rotated token stops working at once; the new one is shown once and works (admin, or the agent itself)', async () => {
    const eli = await newAgent({ name: 'Eli' });
    const rotated = await t.api('POST', `/api/agents/${eli.agent.id}/rotate-token`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).toMatch(/^pt_/);
    expect(await status(eli.token)).toBe('401 unauthenticated');
    expect(await status(rotated.body.token)).toBe('200');

    const self = await t.api('POST', '/api/me/rotate-token', {}, rotated.body.token);
    expect(self.status).toBe(200);
    expect(await status(rotated.body.token)).toBe('401 unauthenticated');
    expect(await status(self.body.token)).toBe('200');
    // Shown once: no read returns a token or its hash.
    const reads = JSON.stringify([await t.api('GET', '/api/agents'), await t.api('GET', '/api/me', undefined, self.body.token)]);
    expect(reads).not.toContain(self.body.token);
    expect(reads).not.toMatch(/token_?hash/i);
    const row = await t.app.database.kysely
      .selectFrom('agents')
      .select('token_hash')
      .where('id', '=', eli.agent.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(self.body.token);
  });

  test('a token with an expiry is refused with 401 token_expired after it; rotating gives a working one', async () => {
    const fabi = await newAgent({ name: 'Fabi', expiresInDays: 30 });
    expect(fabi.agent.tokenExpiresAt).toBe(now + 30 * DAY);
    const saved = now;
    try {
      now = saved + 30 * DAY - 1;
      expect(await status(fabi.token)).toBe('200');
      now = saved + 30 * DAY;
      expect(await status(fabi.token)).toBe('401 token_expired');
      const rotated = await t.api('POST', `/api/agents/${fabi.agent.id}/rotate-token`, { expiresInDays: 7 });
      expect(rotated.body.agent.tokenExpiresAt).toBe(now + 7 * DAY);
      expect(await status(rotated.body.token)).toBe('200');
    } finally {
      now = saved;
    }
  });

  test('only admins manage agents; the only active admin cannot be disabled or demoted', async () => {
    const gil = await newAgent({ name: 'Gil' });
    for (const [method, path, body] of [
      ['POST', '/api/agents', { name: 'Eve' }],
      ['PATCH', `/api/agents/${gil.agent.id}`, { role: 'admin' }],
      ['POST', `/api/agents/${t.adminId}/disable`, undefined],
      ['POST', `/api/agents/${t.adminId}/rotate-token`, {}],
      ['GET', '/api/audit', undefined],
    ] as const) {
      expect([method, path, (await t.api(method, path, body, gil.token)).status]).toEqual([method, path, 403]);
    }
    expect(await t.api('POST', `/api/agents/${t.adminId}/disable`)).toMatchObject({ status: 409, body: { reason: 'last_admin' } });
    expect(await t.api('PATCH', `/api/agents/${t.adminId}`, { role: 'agent' })).toMatchObject({
      status: 409,
      body: { reason: 'last_admin' },
    });
    expect(await status(t.adminToken)).toBe('200');
    expect(await t.api('POST', '/api/agents/01J00000000000000000000000/disable')).toMatchObject({ status: 404 });
    expect(await t.api('POST', '/api/agents', { name: 'X', expiresInDays: 0 })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.expiresInDays' }] },
    });
  });

  test('every change is in the audit log with actor, action, target and time', async () => {
    const hugo = await newAgent({ name: 'Hugo', email: 'hugo@loja.example' });
    await t.api('PATCH', `/api/agents/${hugo.agent.id}`, { name: 'Hugo Lima' });
    await t.api('POST', `/api/agents/${hugo.agent.id}/disable`);
    await t.api('POST', `/api/agents/${hugo.agent.id}/enable`);
    await t.api('POST', `/api/agents/${hugo.agent.id}/rotate-token`, {});
    const r = await t.api('GET', `/api/audit?targetType=agent&targetId=${hugo.agent.id}`);
    expect(r.status).toBe(200);
    expect(r.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'agent.token_rotated',
      'agent.enabled',
      'agent.disabled',
      'agent.updated',
      'agent.created',
    ]);
    for (const e of r.body.entries)
      expect(e).toMatchObject({
        actor: { type: 'agent', id: t.adminId },
        target: { type: 'agent', id: hugo.agent.id },
        createdAt: expect.any(Number),
      });
    expect(r.body.entries[3].detail).toMatchObject({ from: { name: 'Hugo' }, to: { name: 'Hugo Lima' } });
    expect(JSON.stringify(r.body)).not.toMatch(/pt_[A-Za-z0-9_-]{20}/);
  });
});
