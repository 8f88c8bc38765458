/** Real requests to the integration routes (webhooks, erasure, proactive tickets), successes and errors, for openapi-conformance.test.ts. */
import type { TestApp } from '../support/app.js';
import type { createCaller } from './openapi-harness.js';

export async function driveIntegrations(t: TestApp, call: ReturnType<typeof createCaller>): Promise<void> {
  const agent = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
  await call('GET', '/api/webhooks', '/api/webhooks');
  await call('GET', '/api/webhooks', '/api/webhooks', { token: agent.token });
  await call('GET', '/api/webhooks', '/api/webhooks', { token: 'pt_not_a_real_token_123' });
  const created = await call('POST', '/api/webhooks', '/api/webhooks', { body: { url: 'http://127.0.0.1:9/x' } });
  await call('POST', '/api/webhooks', '/api/webhooks', { body: { url: 'nope' } });
  const id = created.body.subscription.id as string;
  await call('PATCH', `/api/webhooks/${id}`, '/api/webhooks/{id}', { body: { active: true } });
  await call('PATCH', '/api/webhooks/zzz', '/api/webhooks/{id}', { body: { active: true } });
  await call('PATCH', `/api/webhooks/${id}`, '/api/webhooks/{id}', { body: { color: 'red' } });

  const ticket = await call('POST', '/api/tickets', '/api/tickets', {
    body: { channel: 'mail', to: { address: 'gil@example.com' }, subject: 'Oi', body: 'Olá Gil' },
  });
  await call('POST', '/api/tickets', '/api/tickets', {
    body: { channel: 'mail', to: { address: 'gil@example.com' }, body: 'sem assunto' },
  });
  const deliveries = await call('GET', `/api/webhooks/${id}/deliveries`, '/api/webhooks/{id}/deliveries');
  if (!(deliveries.body.deliveries.length > 0)) throw new Error('no webhook delivery was logged');
  await call('GET', '/api/webhooks/zzz/deliveries', '/api/webhooks/{id}/deliveries');
  await call('GET', `/api/webhooks/${id}/deliveries?status=lost`, '/api/webhooks/{id}/deliveries');
  await call('POST', `/api/webhooks/deliveries/${deliveries.body.deliveries[0].id}/redeliver`, '/api/webhooks/deliveries/{id}/redeliver');
  await call('POST', '/api/webhooks/deliveries/zzz/redeliver', '/api/webhooks/deliveries/{id}/redeliver');

  const contactId = ticket.body.contact.id as string;
  await call('DELETE', `/api/contacts/${contactId}`, '/api/contacts/{id}');
  await call('DELETE', `/api/contacts/${contactId}?confirm=erase`, '/api/contacts/{id}', { token: agent.token });
  await call('DELETE', '/api/contacts/01J00000000000000000000000?confirm=erase', '/api/contacts/{id}');
  await call('DELETE', `/api/contacts/${contactId}?confirm=erase`, '/api/contacts/{id}');
  await call('GET', '/api/erasures', '/api/erasures');
  await call('GET', '/api/erasures?limit=0', '/api/erasures');
  await call('POST', '/api/tickets', '/api/tickets', { body: { channel: 'mail', to: { contactId }, subject: 'Oi', body: 'de novo' } });
  await call('DELETE', `/api/webhooks/${id}`, '/api/webhooks/{id}');
  await call('DELETE', `/api/webhooks/${id}`, '/api/webhooks/{id}');
}
