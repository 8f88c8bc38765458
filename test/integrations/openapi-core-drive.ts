/**
 * Real requests to the core /api routes (tickets, replies, uploads, attachments, channels,
 * agents, audit, contacts, claims), successes and the errors a client meets, for
 * openapi-conformance.test.ts. Every answer is checked against the document by `call`.
 */
import type { TestApp } from '../support/app.js';
import type { createCaller } from './openapi-harness.js';

const NOBODY = '01J00000000000000000000000';

export async function driveCoreApi(t: TestApp, call: ReturnType<typeof createCaller>): Promise<void> {
  const ingest = async (id: string, address: string, name: string, subject: string) => {
    const o = await t.context('mail').ingest({
      message: {
        externalId: `<${id}@customer.test>`,
        from: { kind: 'email', address, displayName: name },
        subject,
        text: `${subject}: me ajudem.`,
      },
    });
    if (o.status !== 'created') throw new Error(`ingest: ${o.status}`);
    return o.ticketNumber;
  };
  const n = await ingest('m1', 'maria@customer.test', 'Maria Souza', 'Pedido atrasado');
  const closedN = await ingest('j1', 'joao@customer.test', 'João Lima', 'Nota fiscal');
  const caio = await call('POST', '/api/agents', '/api/agents', { body: { name: 'Caio', email: 'caio@loja.example' } });
  const agentToken = caio.body.token as string;

  // Tickets
  await call('GET', '/api/tickets', '/api/tickets');
  await call('GET', '/api/tickets?status=open,new&limit=5', '/api/tickets', { token: agentToken });
  await call('GET', '/api/tickets?limit=0', '/api/tickets');
  await call('GET', '/api/tickets', '/api/tickets', { token: null });
  await call('GET', '/api/tickets', '/api/tickets', { token: 'pt_not_a_real_token_123' });
  await call('GET', `/api/tickets/${n}`, '/api/tickets/{number}');
  await call('GET', '/api/tickets/99999', '/api/tickets/{number}');
  await call('GET', '/api/tickets/abc', '/api/tickets/{number}');
  await call('PATCH', `/api/tickets/${n}`, '/api/tickets/{number}', { body: { priority: 'high', fields: { loja: 'centro' } } });
  await call('PATCH', `/api/tickets/${n}`, '/api/tickets/{number}', { body: {} });
  await call('PATCH', `/api/tickets/${n}`, '/api/tickets/{number}', {
    raw: '{"priority":',
    headers: { 'content-type': 'application/json' },
  });
  await call('PATCH', `/api/tickets/${n}`, '/api/tickets/{number}', {
    raw: `{"category":"${'a'.repeat(1_100_000)}"}`,
    headers: { 'content-type': 'application/json' },
  });
  await call('PATCH', `/api/tickets/${n}`, '/api/tickets/{number}', {
    raw: '{}',
    headers: { 'content-type': 'application/json; charset=koi8-r' },
  });
  await call('PATCH', '/api/tickets/99999', '/api/tickets/{number}', { body: { priority: 'low' } });
  await call('PATCH', `/api/tickets/${closedN}`, '/api/tickets/{number}', { body: { status: 'closed' } });
  await call('PATCH', `/api/tickets/${closedN}`, '/api/tickets/{number}', { body: { status: 'open' } });

  // Uploads, replies, attachments
  const uploadAs = (token: string, filename = 'nota.txt') =>
    call('POST', `/api/uploads${filename ? `?filename=${filename}` : ''}`, '/api/uploads', {
      token,
      raw: 'nota fiscal 123',
      headers: { 'content-type': 'text/plain' },
    });
  const upload = (await uploadAs(t.adminToken)).body.upload as string;
  await uploadAs(t.adminToken, '');
  await call('POST', `/api/tickets/${n}/replies`, '/api/tickets/{number}/replies', {
    token: agentToken,
    body: { body: 'Segue a nota.', attachments: [upload] },
  });
  await call('POST', `/api/tickets/${n}/replies`, '/api/tickets/{number}/replies', {
    body: { body: 'Segue a nota.', attachments: [upload] },
  });
  await call('POST', `/api/tickets/${n}/replies`, '/api/tickets/{number}/replies', { body: { body: 'De novo.', attachments: [upload] } });
  await call('POST', `/api/tickets/${n}/replies`, '/api/tickets/{number}/replies', {
    body: { body: 'Cliente VIP', visibility: 'internal' },
  });
  await call('POST', `/api/tickets/${n}/replies`, '/api/tickets/{number}/replies', { body: { body: '   ' } });
  await call('POST', '/api/tickets/99999/replies', '/api/tickets/{number}/replies', { body: { body: 'Oi' } });
  await call('POST', `/api/tickets/${closedN}/replies`, '/api/tickets/{number}/replies', { body: { body: 'Oi' } });
  const detail = await call('GET', `/api/tickets/${n}`, '/api/tickets/{number}');
  const attachmentId = detail.body.messages.flatMap((m: { attachments: Array<{ id: string }> }) => m.attachments)[0].id as string;
  const download = await call('GET', `/api/attachments/${attachmentId}`, '/api/attachments/{id}');
  if (download.text !== 'nota fiscal 123') throw new Error('the attachment came back different');
  await call('GET', `/api/attachments/${NOBODY}`, '/api/attachments/{id}');
  await call('GET', '/api/attachments/nope', '/api/attachments/{id}');

  // Channels
  await call('GET', '/api/channels', '/api/channels');
  await call('GET', '/api/channels/mail/pairing', '/api/channels/{id}/pairing');
  await call('GET', '/api/channels/mail/pairing?format=gif', '/api/channels/{id}/pairing');
  await call('GET', '/api/channels/mail/pairing', '/api/channels/{id}/pairing', { token: agentToken });

  // Agents and audit
  const caioId = caio.body.agent.id as string;
  await call('GET', '/api/me', '/api/me', { token: agentToken });
  const rotated = await call('POST', '/api/me/rotate-token', '/api/me/rotate-token', { token: agentToken, body: { expiresInDays: 30 } });
  const caioToken = rotated.body.token as string;
  await call('POST', '/api/me/rotate-token', '/api/me/rotate-token', { token: caioToken, body: { expiresInDays: 0 } });
  await call('GET', '/api/agents', '/api/agents');
  await call('GET', '/api/agents', '/api/agents', { token: caioToken });
  await call('POST', '/api/agents', '/api/agents', { body: { name: '' } });
  await call('POST', '/api/agents', '/api/agents', { token: caioToken, body: { name: 'Eve' } });
  await call('PATCH', `/api/agents/${caioId}`, '/api/agents/{id}', { body: { phone: '+5511987654321' } });
  await call('PATCH', `/api/agents/${NOBODY}`, '/api/agents/{id}', { body: { name: 'X' } });
  await call('PATCH', `/api/agents/${t.adminId}`, '/api/agents/{id}', { body: { role: 'agent' } });
  await call('POST', `/api/agents/${caioId}/disable`, '/api/agents/{id}/disable');
  await call('POST', `/api/agents/${t.adminId}/disable`, '/api/agents/{id}/disable');
  await call('POST', `/api/agents/${caioId}/enable`, '/api/agents/{id}/enable');
  await call('POST', `/api/agents/${NOBODY}/enable`, '/api/agents/{id}/enable');
  await call('GET', '/api/audit', '/api/audit', { token: caioToken });
  await call('POST', `/api/agents/${caioId}/rotate-token`, '/api/agents/{id}/rotate-token', { body: {} });
  await call('POST', `/api/agents/${NOBODY}/rotate-token`, '/api/agents/{id}/rotate-token');
  await call('GET', '/api/audit?targetType=agent', '/api/audit');

  // Contacts
  const maria = (await call('GET', '/api/contacts?identity=maria@customer.test', '/api/contacts')).body.contacts[0].id as string;
  const joao = (await call('GET', '/api/contacts?q=Jo', '/api/contacts')).body.contacts[0].id as string;
  await call('GET', '/api/contacts?q=a', '/api/contacts');
  await call('GET', `/api/contacts/${maria}`, '/api/contacts/{id}');
  await call('GET', `/api/contacts/${NOBODY}`, '/api/contacts/{id}');
  await call('PATCH', `/api/contacts/${maria}`, '/api/contacts/{id}', { body: { name: 'Maria S. Souza', locale: 'pt-BR' } });
  await call('PATCH', `/api/contacts/${maria}`, '/api/contacts/{id}', { body: {} });
  await call('PATCH', `/api/contacts/${NOBODY}`, '/api/contacts/{id}', { body: { name: 'X' } });
  const phone = { kind: 'phone', address: '+5511955554444', evidence: 'she called from it' };
  const linked = await call('POST', `/api/contacts/${maria}/identities`, '/api/contacts/{id}/identities', { body: phone });
  await call('POST', `/api/contacts/${maria}/identities`, '/api/contacts/{id}/identities', { body: phone });
  await call('POST', `/api/contacts/${maria}/identities`, '/api/contacts/{id}/identities', {
    body: { kind: 'email', address: 'joao@customer.test', evidence: 'typed by mistake' },
  });
  await call('POST', `/api/contacts/${maria}/identities`, '/api/contacts/{id}/identities', {
    body: { kind: 'phone', address: '123', evidence: 'nope' },
  });
  await call('POST', `/api/contacts/${NOBODY}/identities`, '/api/contacts/{id}/identities', { body: phone });
  const identityId = linked.body.identity.id as string;
  await call(
    'DELETE',
    `/api/contacts/${maria}/identities/${identityId}?evidence=wrong%20number`,
    '/api/contacts/{id}/identities/{identityId}',
  );
  await call('DELETE', `/api/contacts/${maria}/identities/${identityId}`, '/api/contacts/{id}/identities/{identityId}', {
    body: { evidence: 'wrong number' },
  });
  await call('DELETE', `/api/contacts/${maria}/identities/${identityId}`, '/api/contacts/{id}/identities/{identityId}', { body: {} });
  await call('POST', `/api/contacts/${maria}/merge`, '/api/contacts/{id}/merge', { body: { from: NOBODY, evidence: 'same person' } });
  await call('POST', `/api/contacts/${maria}/merge`, '/api/contacts/{id}/merge', { body: { from: maria, evidence: 'same person' } });
  const merged = await call('POST', `/api/contacts/${maria}/merge`, '/api/contacts/{id}/merge', {
    body: { from: joao, evidence: 'same person, two addresses' },
  });
  const mergeId = merged.body.merge.id as string;
  await call('POST', `/api/contacts/merges/${mergeId}/undo`, '/api/contacts/merges/{mergeId}/undo');
  await call('POST', `/api/contacts/merges/${mergeId}/undo`, '/api/contacts/merges/{mergeId}/undo');
  await call('POST', `/api/contacts/merges/${NOBODY}/undo`, '/api/contacts/merges/{mergeId}/undo');

  // Claims: a web form's typed phone is a claim on its ticket
  const form = await fetch(`${t.baseUrl}/hooks/forms/contato`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://loja.example.com.br' },
    body: JSON.stringify({
      nome: 'Ana Paula',
      email: 'ana@customer.test',
      telefone: '(11) 91234-5678',
      pedido: 'PED-55',
      mensagem: 'Chegou quebrado.',
    }),
  });
  const formTicket = ((await form.json()) as { ticketNumber: number }).ticketNumber;
  const claims = (await call('GET', `/api/tickets/${formTicket}`, '/api/tickets/{number}')).body.claims as Array<{
    id: string;
    kind: string;
  }>;
  const claim = claims.find((c) => c.kind === 'phone')!.id;
  const c = `/api/tickets/${formTicket}/claims`;
  await call('POST', `${c}/${claim}/verify`, '/api/tickets/{number}/claims/{claimId}/verify');
  await call('POST', `${c}/${NOBODY}/verify`, '/api/tickets/{number}/claims/{claimId}/verify');
  await call('POST', `${c}/${claim}/link`, '/api/tickets/{number}/claims/{claimId}/link', {
    body: { evidence: 'she read back the order number' },
  });
  await call('POST', `${c}/${claim}/link`, '/api/tickets/{number}/claims/{claimId}/link', {
    body: { evidence: 'again', contactId: maria },
  });
  await call('POST', `${c}/${claim}/link`, '/api/tickets/{number}/claims/{claimId}/link', { body: {} });
  await call('POST', `${c}/${NOBODY}/link`, '/api/tickets/{number}/claims/{claimId}/link', { body: { evidence: 'none' } });
  await call('POST', `${c}/${claim}/verify`, '/api/tickets/{number}/claims/{claimId}/verify');
}
