/**
 * The contacts API as an agent uses it: find a person by name or identity, correct them, link an
 * identity they verified (never one another contact owns), unlink a wrong one, merge two contacts
 * that are one person and undo it, and link what a sender only claimed on a ticket. Every change
 * is audited with the agent and the evidence.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { describeEachDatabase } from './db-fixtures.js';

const mail = createTestChannelDefinition('test', 'email');
const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);

describeEachDatabase('contacts API on %s', (kind) => {
  let t: TestApp;
  let seq = 0;
  let ana: { id: string; token: string };

  beforeAll(async () => {
    t = await startTestApp({
      definitions: [mail.definition, chat.definition],
      channels: [
        { id: 'mail', kind: 'test' },
        { id: 'zap', kind: 'testchat' },
      ],
      database: kind,
    });
    ana = await t.createAgent({ name: 'Ana', email: 'ana@loja.example' });
  });
  afterAll(() => t?.stop());

  const api = (method: string, path: string, body?: unknown) => t.api(method, path, body, ana.token);
  async function byMail(address: string, name: string, extra: Record<string, unknown> = {}) {
    const o = await t.context('mail').ingest({
      message: {
        externalId: `<c-${seq++}@x>`,
        from: { kind: 'email', address, displayName: name },
        subject: `Pedido ${seq}`,
        text: 'oi',
        ...extra,
      },
    });
    if (o.status !== 'created' && o.status !== 'appended') throw new Error(o.status);
    return { number: o.ticketNumber, requesterId: (await t.getTicket(o.ticketNumber)).requesterId as string };
  }
  async function byWhatsApp(phone: string) {
    const o = await t
      .context('zap')
      .ingest({ message: { externalId: `w-${seq++}`, from: { kind: 'phone', address: phone }, proof: { level: 'channel' }, text: 'oi' } });
    if (o.status !== 'created' && o.status !== 'appended') throw new Error(o.status);
    return { number: o.ticketNumber, requesterId: (await t.getTicket(o.ticketNumber)).requesterId as string };
  }
  const audit = async (contactId: string) =>
    (await t.api('GET', `/api/audit?targetType=contact&targetId=${contactId}`)).body.entries as Array<{
      action: string;
      actor: { id: string };
      detail: Record<string, unknown>;
    }>;

  test('find contacts by name or identity, with cursor pagination; get one with identities and tickets', async () => {
    const lia = await byMail('lia.souza@example.com', 'Lia Souza');
    await byMail('rui@example.com', 'Rui Lima');
    await byMail('lia.m@example.com', 'Lia Moura');
    const found = await api('GET', '/api/contacts?q=lia');
    expect(found.status).toBe(200);
    expect(found.body.contacts.map((c: { name: string }) => c.name)).toEqual(['Lia Moura', 'Lia Souza']);
    const page1 = await api('GET', '/api/contacts?q=lia&limit=1');
    expect(page1.body.contacts).toHaveLength(1);
    const page2 = await api('GET', `/api/contacts?q=lia&limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.contacts[0].name).toBe('Lia Souza');
    expect(page2.body.nextCursor).toBeNull();
    const exact = await api('GET', '/api/contacts?identity=LIA.SOUZA@example.com');
    expect(exact.body.contacts).toEqual([
      expect.objectContaining({
        id: lia.requesterId,
        identities: [expect.objectContaining({ kind: 'email', address: 'lia.souza@example.com' })],
      }),
    ]);
    expect((await api('GET', '/api/contacts?q=%25')).status).toBe(400);

    const one = await api('GET', `/api/contacts/${lia.requesterId}`);
    expect(one).toMatchObject({ status: 200, body: { id: lia.requesterId, name: 'Lia Souza', tickets: [{ number: lia.number }] } });
    expect((await api('GET', '/api/contacts/01J00000000000000000000000')).status).toBe(404);
  });

  test('correct a name and locale (audited)', async () => {
    const c = await byMail('teo@example.com', 'teo');
    expect(await api('PATCH', `/api/contacts/${c.requesterId}`, { name: 'Teo Alves', locale: 'es' })).toMatchObject({
      status: 200,
      body: { name: 'Teo Alves', locale: 'es' },
    });
    expect(await api('PATCH', `/api/contacts/${c.requesterId}`, { locale: 'spanish' })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.locale' }] },
    });
    expect((await audit(c.requesterId))[0]).toMatchObject({
      action: 'contact.updated',
      actor: { id: ana.id },
      detail: { from: { name: 'teo' }, to: { name: 'Teo Alves', locale: 'es' } },
    });
  });

  test('link a verified identity with evidence; one another contact owns is a 409 that names the owner; unlink it again', async () => {
    const bea = await byMail('bea@example.com', 'Bea');
    const other = await byWhatsApp('+5511922223333');
    expect(await api('POST', `/api/contacts/${bea.requesterId}/identities`, { kind: 'phone', address: '+55 11 97777-1111' })).toMatchObject(
      { status: 400, body: { issues: [{ path: 'body.evidence' }] } },
    );
    const linked = await api('POST', `/api/contacts/${bea.requesterId}/identities`, {
      kind: 'phone',
      address: '+55 (11) 97777-1111',
      evidence: 'called her on this number, she confirmed the order 4711',
    });
    expect(linked).toMatchObject({ status: 201, body: { created: true, identity: { kind: 'phone', address: '+5511977771111' } } });
    expect(
      (await api('POST', `/api/contacts/${bea.requesterId}/identities`, { kind: 'phone', address: '+5511977771111', evidence: 'again' }))
        .status,
    ).toBe(200);

    const stolen = await api('POST', `/api/contacts/${bea.requesterId}/identities`, {
      kind: 'phone',
      address: '+5511922223333',
      evidence: 'she says it is hers',
    });
    expect(stolen).toMatchObject({
      status: 409,
      body: { reason: 'identity_owned_by_other_contact', details: { ownerContactId: other.requesterId } },
    });
    // The owner keeps it: a WhatsApp message from that phone still goes to the other contact's ticket.
    expect((await byWhatsApp('+5511922223333')).requesterId).toBe(other.requesterId);

    const identityId = linked.body.identity.id as string;
    expect((await api('DELETE', `/api/contacts/${bea.requesterId}/identities/${identityId}`)).status).toBe(400);
    expect(await api('DELETE', `/api/contacts/${other.requesterId}/identities/${identityId}`, { evidence: 'wrong contact' })).toMatchObject(
      { status: 404 },
    );
    expect(
      await api('DELETE', `/api/contacts/${bea.requesterId}/identities/${identityId}`, { evidence: 'number belongs to her old company' }),
    ).toMatchObject({ status: 200, body: { unlinked: { address: '+5511977771111' } } });
    expect((await api('GET', `/api/contacts/${bea.requesterId}`)).body.identities.map((i: { address: string }) => i.address)).toEqual([
      'bea@example.com',
    ]);
    expect((await audit(bea.requesterId)).map((e) => [e.action, e.detail.evidence])).toEqual([
      ['contact.identity_unlinked', 'number belongs to her old company'],
      ['contact.identity_linked', 'called her on this number, she confirmed the order 4711'],
    ]);
  });

  test('merge two contacts that are one person, then undo: both come back as they were', async () => {
    const byEmail = await byMail('joana@example.com', 'Joana');
    const byPhone = await byWhatsApp('+5511933334444');
    const snapshot = async (id: string) => {
      const r = await api('GET', `/api/contacts/${id}`);
      return r.status === 200
        ? {
            name: r.body.name,
            identities: r.body.identities.map((i: { address: string }) => i.address).sort(),
            tickets: r.body.tickets.map((x: { number: number }) => x.number).sort(),
          }
        : r.status;
    };
    const before = [await snapshot(byEmail.requesterId), await snapshot(byPhone.requesterId)];

    const merged = await api('POST', `/api/contacts/${byEmail.requesterId}/merge`, {
      from: byPhone.requesterId,
      evidence: 'same CPF on both orders',
    });
    expect(merged.status).toBe(200);
    expect(merged.body.merge).toMatchObject({
      keptContactId: byEmail.requesterId,
      droppedContactId: byPhone.requesterId,
      moved: { identities: 1, tickets: 1 },
    });
    expect(await snapshot(byPhone.requesterId)).toBe(404);
    expect(await snapshot(byEmail.requesterId)).toEqual({
      name: 'Joana',
      identities: ['+5511933334444', 'joana@example.com'].sort(),
      tickets: [byEmail.number, byPhone.number].sort(),
    });
    // While merged, her WhatsApp writes as the kept contact.
    expect((await byWhatsApp('+5511933334444')).requesterId).toBe(byEmail.requesterId);

    const undone = await api('POST', `/api/contacts/merges/${merged.body.merge.id}/undo`);
    expect(undone).toMatchObject({
      status: 200,
      body: { merge: { undoneAt: expect.any(Number) }, restored: { identities: 1, tickets: 1 } },
    });
    expect([await snapshot(byEmail.requesterId), await snapshot(byPhone.requesterId)]).toEqual(before);
    expect((await byWhatsApp('+5511933334444')).requesterId).toBe(byPhone.requesterId);
    expect(await api('POST', `/api/contacts/merges/${merged.body.merge.id}/undo`)).toMatchObject({
      status: 409,
      body: { reason: 'merge_already_undone' },
    });
    expect((await audit(byEmail.requesterId)).map((e) => e.action)).toEqual(['contact.merge_undone', 'contact.merged']);
    expect((await audit(byEmail.requesterId))[1]!.detail).toMatchObject({ from: byPhone.requesterId, evidence: 'same CPF on both orders' });
    expect(await api('POST', `/api/contacts/${byEmail.requesterId}/merge`, { from: byEmail.requesterId, evidence: 'self' })).toMatchObject({
      status: 400,
    });
  });

  test('a claimed phone on a ticket joins the requester only when an agent links it; one owned by someone else is a 409', async () => {
    const owner = await byWhatsApp('+5511955556666');
    const form = await byMail('visitante@example.com', 'Visitante', {
      claims: [
        { kind: 'phone', address: '+5511944445555' },
        { kind: 'phone', address: '+5511955556666' },
      ],
    });
    const detail = await api('GET', `/api/contacts/${form.requesterId}`);
    expect(detail.body.identities.map((i: { address: string }) => i.address)).toEqual(['visitante@example.com']);
    const claims = detail.body.claims as Array<{ id: string; address: string; ticketNumber: number; linkedContactId: string | null }>;
    expect(claims.map((c) => [c.address, c.ticketNumber, c.linkedContactId])).toEqual([
      ['+5511944445555', form.number, null],
      ['+5511955556666', form.number, null],
    ]);

    const link = await api('POST', `/api/tickets/${form.number}/claims/${claims[0]!.id}/link`, {
      evidence: 'customer replied from this phone on a call',
    });
    expect(link).toMatchObject({
      status: 201,
      body: { claim: { linkedContactId: form.requesterId, linkedBy: ana.id }, identity: { kind: 'phone', address: '+5511944445555' } },
    });
    expect((await byWhatsApp('+5511944445555')).requesterId).toBe(form.requesterId);

    const taken = await api('POST', `/api/tickets/${form.number}/claims/${claims[1]!.id}/link`, { evidence: 'she typed it' });
    expect(taken).toMatchObject({
      status: 409,
      body: { reason: 'identity_owned_by_other_contact', details: { ownerContactId: owner.requesterId } },
    });
    expect((await api('GET', `/api/contacts/${form.requesterId}`)).body.claims[1].linkedContactId).toBeNull();
    expect((await api('POST', `/api/tickets/${form.number}/claims/01J00000000000000000000000/link`, { evidence: 'x y z' })).status).toBe(
      404,
    );
    expect((await t.getTicket(form.number)).events.map((e: { type: string }) => e.type)).toContain('claim_linked');
  });
});
